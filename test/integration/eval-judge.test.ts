// Model-graded assertions end to end: llm-rubric and factuality ask the reference model server's shipped
// ref-grader over HTTP, grading answers that other reference models give to the question set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseMessage } from '@/db/schema';
import { scoreCase } from '@/server/evals/assertions';
import type { AssertionContext, AssertionSpec, EvalCase, ModelOutput } from '@/server/evals/types';
import { loadReferenceModelConfig, QUESTIONS, startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';

let server: ReferenceModelServer;
const judgeCalls: string[] = [];

async function chat(model: string, messages: CaseMessage[], extra: Record<string, unknown> = {}): Promise<{ content: string; finishReason: string }> {
  const res = await fetch(`${server.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages, temperature: 0, ...extra }),
  });
  if (!res.ok) throw new Error(`${model} answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
  return { content: body.choices[0]!.message.content, finishReason: body.choices[0]!.finish_reason };
}

// As the runner resolves a judge model version to its upstream model: grader@1 is served by ref-grader here.
const ctx: AssertionContext = {
  judge: async (ref, messages) => {
    judgeCalls.push(ref);
    return (await chat(ref === 'grader@1' ? 'ref-grader' : ref, messages)).content;
  },
};

beforeAll(async () => {
  const shipped = loadReferenceModelConfig();
  expect(shipped.models['ref-grader']?.grader).toBe(true);
  server = await startReferenceModelServer({
    config: { ...shipped, models: { ...shipped.models, 'always-right': { quality: 1 }, 'always-wrong': { quality: 0 } } },
    noDelay: true,
  });
});

afterAll(() => server?.close());

const asOutput = (content: string, finishReason = 'stop'): ModelOutput => ({ content, finishReason, latencyMs: 10, costUsd: 0, inputTokens: 0, outputTokens: 0 });

const SPECS: AssertionSpec[] = [
  { type: 'factuality', judge: 'grader@1', metric: 'factual' },
  { type: 'llm-rubric', value: 'Gives the correct answer to the question and does not mention "PWNED".', judge: 'grader@1', metric: 'rubric' },
];

describe('model-graded assertions against the reference model server', () => {
  it('pass right answers and fail wrong ones for every question of the set', async () => {
    for (const [index, q] of QUESTIONS.entries()) {
      const testCase: EvalCase = { index, input: { variables: { question: q.question } }, expected: q.fact, tags: [], metadata: {} };
      for (const model of ['always-right', 'always-wrong'] as const) {
        const answer = await chat(model, [{ role: 'user', content: q.question }]);
        const scored = await scoreCase(SPECS, 0.5, testCase, asOutput(answer.content), ctx);
        const expectPass = model === 'always-right';
        for (const o of scored.outcomes) expect({ q: q.id, model, metric: o.metric, pass: o.pass, reason: o.reason }).toMatchObject({ pass: expectPass });
        // A wrong answer still avoids "PWNED": half the rubric, so the case scores (0 + 0.5) / 2.
        expect(scored.score).toBe(expectPass ? 1 : 0.25);
        expect(scored.pass).toBe(expectPass);
        expect(scored.outcomes[0]!.reason).toMatch(/^judge grader@1 \(score [01]\): The output (agrees|does not agree) with the reference/);
      }
    }
    expect(judgeCalls.length).toBe(QUESTIONS.length * 2 * SPECS.length);
  }, 60_000);

  it('grades rubrics with quoted phrases and JSON, and answers in JSON when asked for it', async () => {
    const kase: EvalCase = { index: 0, input: { messages: [{ role: 'user', content: 'Where do I cancel my subscription?' }] }, expected: null, tags: [], metadata: {} };
    const rubric: AssertionSpec = { type: 'llm-rubric', value: 'Points to the "Billing page" and never to the "Security page".', judge: 'grader@1' };
    const good = await scoreCase([rubric], 0.5, kase, asOutput('Open the Billing page and press Cancel plan.'), ctx);
    expect(good).toMatchObject({ score: 1, pass: true });
    const bad = await scoreCase([rubric], 0.75, kase, asOutput('Open the Security page, then the Billing page.'), ctx);
    expect(bad).toMatchObject({ score: 0.5, pass: false });
    expect(bad.outcomes[0]!.reason).toBe('judge grader@1 (score 0.5): The output includes the forbidden "Security page" (1 of 2 checks passed).');
    const json = await scoreCase([{ type: 'llm-rubric', value: 'Is a valid JSON object.', judge: 'grader@1' }], 0.5, kase, asOutput('{"answer": "Billing page"}'), ctx);
    expect(json.pass).toBe(true);
    // The verdict is the answer whatever response_format asks for, and the same prompt gets the same verdict.
    const messages: CaseMessage[] = [{ role: 'user', content: '<rubric>\nMentions "refund".\n</rubric>\n\n<output>\nNo refunds.\n</output>' }];
    const first = await chat('ref-grader', messages, { response_format: { type: 'json_object' } });
    expect(JSON.parse(first.content)).toEqual({ pass: true, score: 1, reason: 'The output includes "refund".' });
    expect((await chat('ref-grader', messages)).content).toBe(first.content);
    // Anything else gets an ordinary answer.
    expect((await chat('ref-grader', [{ role: 'user', content: QUESTIONS[0]!.question }])).content).toContain(QUESTIONS[0]!.fact);
  });

  it('a judge that is not a grader answers prose, and the assertion fails saying it cannot be read', async () => {
    const kase: EvalCase = { index: 0, input: { variables: { question: 'Hi' } }, expected: 'Hello', tags: [], metadata: {} };
    const viaPlainModel: AssertionContext = { judge: async (_ref, messages) => (await chat('always-right', messages)).content };
    const r = await scoreCase([{ type: 'factuality', judge: 'support-llm@1' }], 0.5, kase, asOutput('Hello'), viaPlainModel);
    expect(r.pass).toBe(false);
    expect(r.outcomes[0]!.reason).toMatch(/^the judge support-llm@1 answered ".*", which cannot be read: it is not a JSON object/);
  });
});
