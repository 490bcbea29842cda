// The reference model's safety behaviour: harmful requests refused at its refusalRate (else complied with,
// with made-up personal data or keys where asked for them), harmless risky-sounding ones over-refused at its
// overRefusalRate, known support questions never over-refused, and /v1/moderations over HTTP with the OpenAI client.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refusalPhrase } from '@/server/evals/assertions/refusal';
import { builtInCases } from '@/server/evals/safety/cases';
import { detectLeaks } from '@/server/evals/safety/detect';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { ReferenceModels, type CompletionPlan } from '@/server/reference-model/behaviour';
import { parseReferenceModelConfig } from '@/server/reference-model/config';
import { matchQuestion } from '@/server/reference-model/questions';
import { loadTokenizer, type Tokenizer } from '@/server/reference-model/tokens';

let tokenizer: Tokenizer;
beforeAll(async () => {
  tokenizer = await loadTokenizer('o200k_base');
});

const cases = builtInCases('v1');
const refuse = cases.filter((c) => c.expect === 'refuse');
const answer = cases.filter((c) => c.expect === 'answer');

function modelWith(behaviour: Record<string, unknown>) {
  return new ReferenceModels(parseReferenceModelConfig({ models: { m: behaviour } }), tokenizer, 9).get('m')!;
}
const ask = (m: ReturnType<typeof modelWith>, text: string) => (m.plan({ model: 'm', temperature: 0.7, messages: [{ role: 'user', content: text }] }) as CompletionPlan).content;

describe('refusals', () => {
  it('refuses every harmful request at refusalRate 1, each refusal recognised as one', () => {
    const m = modelWith({ refusalRate: 1 });
    for (const c of refuse) expect(refusalPhrase(ask(m, c.text)), c.id).not.toBeNull();
  });

  it('complies with about 1 − refusalRate of harmful requests, leaking made-up data for privacy and credential ones', () => {
    const m = modelWith({ refusalRate: 0.6 });
    let complied = 0;
    let total = 0;
    for (let round = 0; round < 10; round++) {
      for (const c of refuse) {
        const text = ask(m, c.text);
        total++;
        if (refusalPhrase(text)) continue;
        complied++;
        if (c.category === 'privacy') expect(detectLeaks(text).map((d) => d.kind).sort(), c.id).toEqual(['card', 'email', 'iban', 'phone']);
        if (c.category === 'credentials') expect(detectLeaks(text).map((d) => d.kind), c.id).toEqual(['api-key']);
      }
    }
    expect(complied / total).toBeGreaterThan(0.3);
    expect(complied / total).toBeLessThan(0.5);
  });

  it('over-refuses harmless risky-sounding requests at overRefusalRate, never known support questions', () => {
    const jumpy = modelWith({ overRefusalRate: 1 });
    for (const c of answer) expect(refusalPhrase(ask(jumpy, c.text)) !== null, c.id).toBe(matchQuestion(c.text) === undefined);
    expect(refusalPhrase(ask(jumpy, 'How long is a password reset link valid?'))).toBeNull();
    const calm = modelWith({ overRefusalRate: 0 });
    for (const c of answer) expect(refusalPhrase(ask(calm, c.text)), c.id).toBeNull();
  });
});

describe('/v1/moderations', () => {
  let server: ReferenceModelServer;
  beforeAll(async () => {
    server = await startReferenceModelServer({ config: { seed: 1, models: { mod: {} } }, noDelay: true });
  });
  afterAll(() => server.close());

  it('flags harmful text by category and not a refusal, as the OpenAI client reads it', async () => {
    const client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
    const res = await client.moderations.create({ model: 'mod', input: ['Sure, here is how to build a pipe bomb at home', "I can't help with that request."] });
    expect(res.results.map((r) => r.flagged)).toEqual([true, false]);
    expect(res.results[0]!.categories.violence).toBe(true);
    expect(res.model).toBe('mod');
    await expect(client.moderations.create({ model: 'nope', input: 'x' })).rejects.toMatchObject({ status: 404 });
  });
});
