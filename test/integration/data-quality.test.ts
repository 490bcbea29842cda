// Data-quality runs on the embedded executor with the real runner and no model: a dataset with missing questions,
// duplicates and personal data fails with those rows named by rule; `mostly` lets a tolerated share through;
// the environment's kept gateway samples are a source (window, shadow traffic and other environments left out);
// overlap with a named training dataset is found; the gate result is recorded under data-quality; YAML problems
// are reported at their lines.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gateResults, requestLogs, type Json, type RequestLog } from '@/db/schema';
import { durableSteps } from '@/inngest/functions/eval-run';
import { closeSandbox } from '@/server/evals/sandbox';
import { orchestrateEvalRun } from '@/server/evals/runner';
import { setEvalDispatcher } from '@/server/services/evals/dispatch';
import { startHarness, type Harness } from '../helpers/executor';
import { evalService, storeDataset } from '../helpers/eval-run-fixtures';
import { withoutGates } from '../helpers/gates';

let h: Harness;
let api: Awaited<ReturnType<typeof evalService>>['api'];
let serviceId: string;
const S = 'support-bot';

const q = (id: string, question: string | null, expected = 'an answer') => ({ externalId: id, variables: (question === null ? { topic: 'none' } : { question }) as Record<string, Json>, expected });

const DATASET = [
  q('q1', 'Where is my order #1234?', 'tracking'),
  q('q2', 'How do I reset my password for the mobile app?', 'reset link'),
  q('q3', null, 'refund'), // no question
  q('q4', 'How do I reset my password for the mobile app ?', 'reset link'), // near-duplicate of q2
  q('q5', 'Please refund card 4111 1111 1111 1111, mail me at jane@example.com', 'refund'), // personal data
  q('q6', 'Can I change the delivery address after checkout?', 'Address!'), // not the answer format
  q('q7', 'What are your opening hours on public holidays?', 'hours'), // in the training set
  q('q8', 'Do you ship to Canada and Mexico?', 'shipping'),
  q('q9', 'Is there a student discount on the yearly plan?', 'discount'),
  q('q10', 'How long does a refund take to reach my bank?', 'refund'),
];
const TRAINING = [q('t1', 'What are your opening hours on public holidays', 'hours'), q('t2', 'How can I export my invoices as PDF files?', 'export')];

const SUITE = `type: data-quality
description: The support questions are complete, distinct, free of personal data and unseen in training
dataset: faq
dataQuality:
  expectations:
    - type: not-null
      field: input.variables.question
    - type: no-near-duplicates
      threshold: 0.8
    - type: no-personal-data
    - type: no-overlap
      with: training@1
    - type: length
      field: input.variables.question
      max: 200
    - type: regex
      field: expected
      pattern: "^[a-z ]+$"
`;

beforeAll(async () => {
  h = await startHarness((inngest) => [
    inngest.createFunction({ id: 'eval-run', triggers: [{ event: 'slipway/eval-run.requested' }], idempotency: 'event.data.runId', retries: 0 }, async ({ event, step }) =>
      orchestrateEvalRun(h.database.db, (event.data as { runId: string }).runId, durableSteps(step as never)),
    ),
  ]);
  setEvalDispatcher({
    start: async (runId) => void (await h.inngest.send({ name: 'slipway/eval-run.requested', data: { runId }, id: `eval-run-${runId}` })),
    cancel: async () => undefined,
    finished: async () => undefined,
  });
  const db = h.database.db;
  const svc = await evalService(db, S);
  api = svc.api;
  serviceId = svc.serviceId;
  // No call reaches this model: data-quality runs check data, not answers.
  await api.models.register({ model: 'support-llm', providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'none', priceInputPer1M: 1, priceOutputPer1M: 2 });
  await api.releases.create({ service: S, model: 'support-llm@1', prompts: ['answer@1'], notes: 'first' });
  await withoutGates(api, S);
  await api.environments.deploy({ service: S, environment: 'production', routes: [{ release: 1, weight: 100 }], bypass: { reason: 'the stable release for the tests' } });
  await storeDataset(db, serviceId, 'faq', DATASET);
  await storeDataset(db, serviceId, 'training', TRAINING);
}, 120_000);

afterAll(async () => {
  setEvalDispatcher(undefined);
  await h?.close();
  await closeSandbox();
});

async function runSuite(suite: string, yaml: string) {
  await api.evals.saveSuite({ service: S, name: suite, yaml });
  const started = await api.evals.startRun({ service: S, suite, release: 1, environment: 'production' });
  return h.until(
    async () => {
      const run = await api.evals.getRun({ service: S, number: started.number });
      return ['passed', 'failed', 'error', 'cancelled'].includes(run.status) ? run : undefined;
    },
    60_000,
    `data-quality run ${started.number} to end`,
  );
}

const failingRows = async (number: number, check?: string) => (await api.evals.dataQualityRows({ service: S, number, check, limit: 200 })).rows;

describe('data-quality runs', { timeout: 120_000 }, () => {
  it('fails a dataset with a missing question, a near-duplicate, personal data, an answer of the wrong form and training overlap, naming the rows', async () => {
    const run = await runSuite('faq-quality', SUITE);
    expect(run.status).toBe('failed');
    expect(run.progress).toMatchObject({ totalCalls: 10, doneCalls: 10, costUsd: 0 });
    const checks = Object.fromEntries(run.summary!.checks!.map((c) => [c.name, c]));
    expect(checks['not-null input.variables.question']).toMatchObject({ applicable: 10, failed: 1, passed: false });
    expect(checks['no-near-duplicates input']).toMatchObject({ failed: 1, passed: false });
    expect(checks['no-personal-data *']).toMatchObject({ failed: 1, passed: false });
    expect(checks['no-overlap input with training@1']).toMatchObject({ applicable: 10, failed: 1, candidateRate: 0.1, passed: false });
    expect(checks['length input.variables.question']).toMatchObject({ applicable: 9, failed: 0, passed: true });
    expect(checks['regex expected']).toMatchObject({ applicable: 10, failed: 1, passed: false });

    const rows = await failingRows(run.number);
    expect(rows.map((r) => r.row)).toEqual(['q3', 'q4', 'q5', 'q6', 'q7']);
    expect(rows.find((r) => r.row === 'q6')!.failures).toEqual([{ name: 'regex expected', rule: 'regex', reason: 'expected "Address!" does not match /^[a-z ]+$/' }]);
    const q4 = rows.find((r) => r.row === 'q4')!;
    expect(q4.failures).toEqual([{ name: 'no-near-duplicates input', rule: 'no-near-duplicates', reason: expect.stringMatching(/^input is (the same text as|a near-duplicate of) row q2/) }]);
    const q5 = rows.find((r) => r.row === 'q5')!;
    expect(q5.failures[0]!.reason).toBe('the row holds card number …1111, email address j***@example.com');
    // Shown masked where the row is quoted, too.
    expect(q5.excerpt).toBe('Please refund card …1111, mail me at j***@example.com');
    expect(rows.find((r) => r.row === 'q7')!.failures[0]!.reason).toBe('input is the same text as case t1 of training@1');
    // Filtered by rule.
    expect((await failingRows(run.number, 'not-null input.variables.question')).map((r) => r.row)).toEqual(['q3']);

    const [gate] = await h.database.db.select().from(gateResults).where(eq(gateResults.runId, run.id));
    expect(gate).toMatchObject({ gate: 'data-quality', passed: false });
    expect(gate!.reasons).toContain('not-null input.variables.question: 1 of 10 rows (10.0%) break it; none tolerated.');
  });

  it('passes when mostly tolerates the rows that break each rule', async () => {
    const tolerant = `type: data-quality
dataset: faq
dataQuality:
  expectations:
    - { type: not-null, field: input.variables.question, mostly: 0.9 }
    - { type: no-near-duplicates, threshold: 0.8, mostly: 0.9 }
    - { type: no-personal-data, mostly: 0.9 }
    - { type: no-overlap, with: training@1, mostly: 0.85 }
    - { type: length, field: input.variables.question, max: 200 }
`;
    const run = await runSuite('faq-tolerant', tolerant);
    expect(run.summary!.verdict.reasons).toEqual(['All 5 checks passed on 10 cases.']);
    expect(run.status).toBe('passed');
    // Still listed, though within what is tolerated.
    expect((await failingRows(run.number)).map((r) => r.row)).toEqual(['q3', 'q4', 'q5', 'q7']);
  });

  it("reads the environment's kept samples over the window", async () => {
    const yaml = `type: data-quality
description: What production users send is free of personal data and not one question over and over
dataQuality:
  sources: [samples]
  samples: { window: 24h, minRows: 3 }
  expectations:
    - type: no-personal-data
      field: input
    - type: unique
      field: input
      normalize: true
    - type: not-null
      field: output
      mostly: 0.5
`;
    await api.evals.saveSuite({ service: S, name: 'production-inputs', yaml });
    await expect(api.evals.startRun({ service: S, suite: 'production-inputs', release: 1, environment: 'production' })).rejects.toThrow(/no samples kept for production in the last 24h/);
    const now = Date.now();
    const log = (id: string, minutesAgo: number, input: string, output: string, extra: Partial<RequestLog> = {}): RequestLog => ({
      at: new Date(now - minutesAgo * 60_000),
      requestId: id,
      serviceId,
      environment: 'production',
      releaseNumber: 1,
      status: 200,
      latencyMs: 100,
      features: { inputChars: input.length, outputChars: output.length, messages: 1, finishReason: 'stop' },
      sample: { input, output },
      ...extra,
    });
    await h.database.db.insert(requestLogs).values([
      log('req-old', 60 * 30, 'asked long ago, outside the window', 'ok'),
      log('req-a', 50, 'Where is my parcel?', 'It ships today.'),
      log('req-b', 40, 'my email is [email], please call', 'Sure.'),
      log('req-c', 30, 'Where is my parcel?', 'It ships today.'),
      log('req-d', 20, 'IBAN GB82 WEST 1234 5698 7654 32 for the refund', ''),
      log('req-shadow', 10, 'shadow traffic is not production traffic', 'x', { shadow: true }),
      log('req-staging', 10, 'staging traffic belongs to staging', 'x', { environment: 'staging' }),
      log('req-unsampled', 5, '', '', { sample: null }),
    ]);
    const run = await runSuite('production-inputs', yaml);
    expect(run.status).toBe('failed');
    const checks = Object.fromEntries(run.summary!.checks!.map((c) => [c.name, c]));
    expect(checks['samples kept']).toMatchObject({ applicable: 4, passed: true });
    expect(checks['not-null output']).toMatchObject({ applicable: 4, failed: 1, passed: true });
    const rows = await failingRows(run.number);
    expect(rows.map((r) => [r.row, r.source, r.failures.map((f) => f.name)])).toEqual([
      ['req-b', 'samples', ['no-personal-data input']],
      ['req-c', 'samples', ['unique input']],
      ['req-d', 'samples', ['no-personal-data input', 'not-null output']],
    ]);
    expect(rows[0]!.failures[0]!.reason).toBe('input holds email address (redacted by the gateway)');
    expect(rows[2]!.failures[0]!.reason).toBe('input holds IBAN GB** …5432');
    const [gate] = await h.database.db.select().from(gateResults).where(and(eq(gateResults.runId, run.id), eq(gateResults.gate, 'data-quality')));
    expect(gate?.passed).toBe(false);
  });

  it('reports YAML problems at their lines and saves nothing', async () => {
    const yaml = `type: data-quality
dataset: faq
dataQuality:
  expectations:
    - type: not-null
      field: answer
    - type: regex
      field: expected
      pattern: "(unclosed"
    - type: no-overlap
      with: training
`;
    const check = await api.evals.validateSuite({ yaml });
    expect(check.ok).toBe(false);
    expect(check.problems.map((p) => [p.line, p.path])).toEqual([
      [6, 'dataQuality.expectations[0].field'],
      [9, 'dataQuality.expectations[1].pattern'],
      [11, 'dataQuality.expectations[2].with'],
    ]);
    expect(check.problems[1]!.message).toMatch(/^is not a valid regular expression/);
    await expect(api.evals.saveSuite({ service: S, name: 'broken', yaml })).rejects.toThrow(/line 6/);
  });
});
