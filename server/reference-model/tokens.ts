// Token counting with a real BPE tokenizer (js-tiktoken): prompt tokens of chat messages, truncation at
// max_tokens, and splitting an answer into the per-token pieces a stream sends.
import { Tiktoken } from 'js-tiktoken/lite';

export type TokenizerName = 'o200k_base' | 'cl100k_base';

export interface Tokenizer {
  name: TokenizerName;
  encode(text: string): number[];
  decode(tokens: number[]): string;
}

const loaded = new Map<TokenizerName, Promise<Tokenizer>>();

const CACHE_ENTRIES = 4096;
const CACHE_MAX_TEXT = 16_384;

/**
 * BPE encoding costs tens of microseconds per message, which would cap a load test of the gateway at the
 * model server. Load tests and evals repeat the same system prompts and questions, and answers are built
 * from a small set of sentences, so a bounded cache (oldest entry out first) removes most of that cost.
 * Callers must not mutate the arrays it returns.
 */
function memoise(encode: (text: string) => number[]): (text: string) => number[] {
  const cache = new Map<string, number[]>();
  return (text) => {
    if (text.length > CACHE_MAX_TEXT) return encode(text);
    let tokens = cache.get(text);
    if (!tokens) {
      tokens = encode(text);
      if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value!);
      cache.set(text, tokens);
    }
    return tokens;
  };
}

/**
 * Loads a BPE table once per process. The tables are megabytes of JavaScript, so they are imported on demand
 * rather than with this module: a process serving o200k_base never parses cl100k_base.
 */
export function loadTokenizer(name: TokenizerName): Promise<Tokenizer> {
  let p = loaded.get(name);
  if (!p) {
    p = (name === 'o200k_base' ? import('js-tiktoken/ranks/o200k_base') : import('js-tiktoken/ranks/cl100k_base')).then((mod) => {
      const enc = new Tiktoken(mod.default);
      // Special-token text in user input is counted as ordinary text, as a model API would, instead of throwing.
      return { name, encode: memoise((text: string) => enc.encode(text, [], [])), decode: (tokens: number[]) => enc.decode(tokens) };
    });
    loaded.set(name, p);
  }
  return p;
}

export interface CountableMessage {
  role: string;
  name?: string | null;
  text: string;
}

/** Chat formatting costs tokens around every message (start, role, end) and to prime the reply. */
export const TOKENS_PER_MESSAGE = 3;
export const TOKENS_PER_NAME = 1;
export const TOKENS_REPLY_PRIMING = 3;

/** Prompt tokens the way chat models bill them: each message's role and text, plus the formatting overhead. */
export function countPromptTokens(tokenizer: Tokenizer, messages: readonly CountableMessage[]): number {
  let total = TOKENS_REPLY_PRIMING;
  for (const m of messages) {
    total += TOKENS_PER_MESSAGE + tokenizer.encode(m.role).length + tokenizer.encode(m.text).length;
    if (m.name) total += TOKENS_PER_NAME + tokenizer.encode(m.name).length;
  }
  return total;
}

const singleTokens = new WeakMap<Tokenizer, Map<number, string>>();

/** One token's text, cached: a vocabulary is finite and answers reuse the same few thousand tokens. */
function decodeOne(tokenizer: Tokenizer, token: number): string {
  let cache = singleTokens.get(tokenizer);
  if (!cache) singleTokens.set(tokenizer, (cache = new Map()));
  let text = cache.get(token);
  if (text === undefined) cache.set(token, (text = tokenizer.decode([token])));
  return text;
}

/**
 * Decodes tokens one by one into text pieces whose concatenation is the decoded whole. A token can end inside
 * a multi-byte character (emoji, accents); such a token is held back and sent with the next one, so no piece
 * carries half a character.
 */
export function toPieces(tokenizer: Tokenizer, tokens: readonly number[]): string[] {
  const pieces: string[] = [];
  let pending: number[] = [];
  for (const t of tokens) {
    pending.push(t);
    const text = pending.length === 1 ? decodeOne(tokenizer, t) : tokenizer.decode(pending);
    // Four tokens cover the longest UTF-8 sequence; past that the replacement character is genuine text.
    if (text.endsWith('\uFFFD') && pending.length < 4) continue;
    pieces.push(text);
    pending = [];
  }
  if (pending.length) pieces.push(tokenizer.decode(pending));
  return pieces;
}
