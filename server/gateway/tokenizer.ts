// Token counts when an upstream does not report usage: a real BPE tokenizer, loaded on first need so the
// gateway starts fast and pays nothing when upstreams report usage.
import type { Tiktoken } from 'js-tiktoken/lite';

let encoder: Tiktoken | undefined;

async function load(): Promise<Tiktoken> {
  if (encoder) return encoder;
  const [{ Tiktoken: Encoder }, { default: ranks }] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/o200k_base')]);
  encoder = new Encoder(ranks);
  return encoder;
}

export async function countTokens(text: string): Promise<number> {
  if (!text) return 0;
  return (await load()).encode(text).length;
}

/** Chat formatting adds a few tokens per message on top of the contents. */
export async function countMessageTokens(messages: { role?: unknown; content?: unknown }[]): Promise<number> {
  const enc = await load();
  let n = 3;
  for (const m of messages) n += 4 + enc.encode(typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? '')).length;
  return n;
}
