// The reference model server's /v1/embeddings, as the OpenAI client reads it: one unit vector per text, the same
// text the same vector, texts sharing words closer than texts that share none, the width asked for, and clear
// refusals of an unknown model or a bad input.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('/v1/embeddings', () => {
  let server: ReferenceModelServer;
  let client: OpenAI;
  beforeAll(async () => {
    server = await startReferenceModelServer({ config: { seed: 1, models: { emb: {} } }, noDelay: true });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
  });
  afterAll(() => server.close());

  it('embeds each text as a unit vector, by its words', async () => {
    const texts = ['How do I reset my password?', 'I forgot my password, how do I reset it?', 'Which regions host my data?', 'How do I reset my password?'];
    const res = await client.embeddings.create({ model: 'emb', input: texts, encoding_format: 'float' });
    expect(res.model).toBe('emb');
    expect(res.data.map((d) => d.index)).toEqual([0, 1, 2, 3]);
    const [a, b, c, same] = res.data.map((d) => d.embedding) as [number[], number[], number[], number[]];
    expect(a).toHaveLength(256);
    expect(dot(a, a)).toBeCloseTo(1, 4);
    expect(same).toEqual(a);
    expect(dot(a, b)).toBeGreaterThan(0.4);
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.3);
    // Usage counts words: 6 + 9 + 5 + 6.
    expect(res.usage.prompt_tokens).toBe(26);
    const narrow = await client.embeddings.create({ model: 'emb', input: 'hello world', dimensions: 8, encoding_format: 'float' });
    expect(narrow.data[0]!.embedding).toHaveLength(8);
  });

  it('refuses an unknown model and input that is not text', async () => {
    await expect(client.embeddings.create({ model: 'nope', input: 'x', encoding_format: 'float' })).rejects.toMatchObject({ status: 404 });
    await expect(client.embeddings.create({ model: 'emb', input: [1, 2] as unknown as string[], encoding_format: 'float' })).rejects.toMatchObject({ status: 400 });
  });
});
