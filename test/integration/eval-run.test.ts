// Eval runs on the embedded executor with the real runner, against the reference model server: a candidate 15
// points worse than the production baseline fails with a significant p-value, an equally good one on another
// model passes, the minimum score fails a weak candidate with no baseline, a rerun makes no upstream call, the
// budget refuses a run before it starts and stops one that spends past it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evalCache, evalResults, gateResults } from '@/db/schema';
import { setEvalDispatcher, type EvalRunEnd } from '@/server/services/evals/dispatch';
import { appRouter } from '@/server/api/root';
import { createInnerContext } from '@/server/api/trpc';
import { runCli } from '@/server/cli/run';
import type { Harness } from '../helpers/executor';
import { evalService, questionCases, startCountingUpstream, startEvalHarness, storeDataset, type CountingUpstream } from '../helpers/eval-run-fixtures';
import { withoutGates } from '../helpers/gates';

let h: Harness;
let up: CountingUpstream;
let api: Awaited<ReturnType<typeof evalService>>['api'];
let svcAdmin: Awaited<ReturnType<typeof evalService>>['admin'];
const evalCaller = async () => ({ admin: svcAdmin });
const S = 'support-bot';
const ended: EvalRunEnd[] = [];

const SUITE = `description: Answers support questions correctly
dataset: questions
threshold: 0.5
concurrency: 4
gate: { maxRegression: 0.02, alpha: 0.05 }
assertions:
  - type: icontains
    value: "{{expected}}"
    metric: accuracy
`;

beforeAll(async () => {
  up = await startCountingUpstream({
    seed: 11,
    models: {
      // The baseline always knows the answer, so a 15-point worse candidate shows on ~60 cases.
      'ref-small-v2': { quality: 1 },
      'ref-degraded': { quality: 0.85 },
      'ref-other': { quality: 1 },
      'ref-weak': { quality: 0.4 },
      'ref-wordy': { quality: 1, verbosity: 4 },
      'ref-grader': { grader: true },
      'ref-down': { errors: { rate: 1, status: 503 } },
    },
  });
  h = await startEvalHarness((end) => ended.push(end));
  const db = h.database.db;
  const svc = await evalService(db, S);
  api = svc.api;
  svcAdmin = svc.admin;
  const register = (model: string, upstreamModel: string) =>
    api.models.register({ model, providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel, priceInputPer1M: 1, priceOutputPer1M: 2, defaultParams: { temperature: 0 } });
  await register('support-llm', 'ref-small-v2');
  await register('support-llm', 'ref-degraded');
  await register('other-llm', 'ref-other');
  await register('weak-llm', 'ref-weak');
  await register('wordy-llm', 'ref-wordy');
  await api.releases.create({ service: S, model: 'support-llm@1', prompts: ['answer@1'], notes: 'baseline' }); // #1
  await api.releases.create({ service: S, model: 'support-llm@2', prompts: ['answer@1'], notes: 'degraded' }); // #2
  await api.releases.create({ service: S, model: 'other-llm@1', prompts: ['answer@1'], notes: 'as good' }); // #3
  await api.releases.create({ service: S, model: 'weak-llm@1', prompts: ['answer@1'], notes: 'weak' }); // #4
  // Runs are the subject here, not promotion: production takes its first release without a gate.
  await withoutGates(api, S);
  await api.environments.deploy({ service: S, environment: 'production', routes: [{ release: 1, weight: 100 }], bypass: { reason: 'the stable release for the tests' } });
  await storeDataset(db, svc.serviceId, 'questions', questionCases());
  await api.evals.saveSuite({ service: S, name: 'accuracy', yaml: SUITE });
  // A dozen cases for what needs no statistics.
  await storeDataset(db, svc.serviceId, 'quick', questionCases(12));
  await api.evals.saveSuite({ service: S, name: 'quick', yaml: SUITE.replace('dataset: questions', 'dataset: quick') });
}, 120_000);

afterAll(async () => {
  setEvalDispatcher(undefined);
  await h?.close();
  await up?.close();
});

async function finished(number: number, timeoutMs = 60_000) {
  return h.until(
    async () => {
      const run = await api.evals.getRun({ service: S, number });
      return ['passed', 'failed', 'error', 'cancelled'].includes(run.status) ? run : undefined;
    },
    timeoutMs,
    `eval run ${number} to end`,
  );
}

describe('eval runs against the production baseline', { timeout: 120_000 }, () => {
  it('fails a candidate 15 points worse than the stable release, with a significant p-value', async () => {
    const estimate = await api.evals.estimate({ service: S, suite: 'accuracy', release: 2, environment: 'production' });
    expect(estimate).toMatchObject({ baseline: 1, cases: 63, totalCalls: 126, calls: 126, cachedCalls: 0 });
    expect(estimate.costUsd).toBeGreaterThan(0);
    const before = up.count();
    const started = await api.evals.startRun({ service: S, suite: 'accuracy', release: 2, environment: 'production' });
    const run = await finished(started.number);
    expect(run.status).toBe('failed');
    expect(run.baseline).toBe(1);
    expect(run.progress).toMatchObject({ totalCalls: 126, doneCalls: 126, cacheHits: 0 });
    expect(up.count() - before).toBe(126);
    const s = run.summary!;
    expect(s.baseline!.score - s.candidate.score).toBeGreaterThan(0.08);
    expect(s.mcnemar!.pValue).toBeLessThan(0.05);
    expect(s.verdict.reasons.join(' ')).toMatch(/significant/);
    const [gate] = await h.database.db.select().from(gateResults).where(eq(gateResults.runId, started.id));
    expect(gate).toMatchObject({ gate: 'eval', passed: false, baselineReleaseId: estimate.baseline ? expect.any(String) : null });
    expect(gate!.pValue).toBeLessThan(0.05);
    expect(ended.find((e) => e.runId === started.id)).toMatchObject({ status: 'failed', passed: false });
    // The cases side by side: regressions only are cases the baseline did better on.
    const regressions = await api.evals.runCases({ service: S, number: started.number, regressionsOnly: true, limit: 200 });
    expect(regressions.total).toBeGreaterThan(0);
    for (const c of regressions.cases) expect(c.candidate!.score).toBeLessThan(c.baseline!.score);
  });

  it('passes an equally good candidate on another model', async () => {
    const started = await api.evals.startRun({ service: S, suite: 'accuracy', release: 3, environment: 'production' });
    const run = await finished(started.number);
    expect(run.summary!.verdict.reasons.join(' ')).not.toMatch(/, and significant/);
    expect(run.status).toBe('passed');
    expect(run.progress.cacheHits).toBe(63);
    const [gate] = await h.database.db.select().from(gateResults).where(eq(gateResults.runId, started.id));
    expect(gate).toMatchObject({ passed: true });
  });

  it('fails a weak candidate on the minimum score even with no baseline', async () => {
    const started = await api.evals.startRun({ service: S, suite: 'quick', release: 4, environment: 'production', baseline: 'none' });
    const run = await finished(started.number);
    expect(run.baseline).toBeNull();
    expect(run.status).toBe('failed');
    expect(run.summary!.baseline).toBeNull();
    expect(run.summary!.verdict.reasons.join(' ')).toMatch(/below the minimum score of 0\.800/);
  });

  it('reruns an unchanged suite with zero upstream calls', async () => {
    const before = up.count();
    const estimate = await api.evals.estimate({ service: S, suite: 'accuracy', release: 2, environment: 'production' });
    expect(estimate).toMatchObject({ calls: 0, cachedCalls: 126, costUsd: 0 });
    const started = await api.evals.startRun({ service: S, suite: 'accuracy', release: 2, environment: 'production' });
    const run = await finished(started.number);
    expect(up.count() - before).toBe(0);
    expect(run.status).toBe('failed');
    expect(run.progress).toMatchObject({ doneCalls: 126, cacheHits: 126, costUsd: 0 });
    const rows = await h.database.db.select().from(evalResults).where(and(eq(evalResults.runId, started.id), eq(evalResults.cached, false)));
    expect(rows).toEqual([]);
  });
});

describe('budgets', { timeout: 120_000 }, () => {
  it('refuses a run whose estimate passes the budget, saying by how much, and records nothing', async () => {
    const runs = (await api.evals.listRuns({ service: S })).items.length;
    await api.models.register({ model: 'fresh-llm', providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel: 'ref-other', priceInputPer1M: 1, priceOutputPer1M: 2 });
    const fresh = await api.releases.create({ service: S, model: 'fresh-llm@1', prompts: ['answer@1'], notes: 'never evaluated' });
    await expect(api.evals.startRun({ service: S, suite: 'quick', release: fresh.number, baseline: 1, budgetUsd: 0.000001 })).rejects.toThrow(
      /estimated cost \$0\.\d+ \(12 call\(s\), 12 answered by the cache\) exceeds the budget of \$0\.000001/,
    );
    expect((await api.evals.listRuns({ service: S })).items.length).toBe(runs);
  });

  it('stops a running run once what it spent passes the budget', async () => {
    // The model version answered evals briefly before (a release capping its answers), so the estimate assumes
    // short answers; this release lets it talk, and the spend outgrows the estimate.
    const terseRelease = await api.releases.create({ service: S, model: 'wordy-llm@1', prompts: ['answer@1'], config: { max_tokens: 4 }, notes: 'terse' });
    const wordyRelease = await api.releases.create({ service: S, model: 'wordy-llm@1', prompts: ['answer@1'], notes: 'wordy' });
    const terse = await api.evals.startRun({ service: S, suite: 'quick', release: terseRelease.number, baseline: 'none' });
    await finished(terse.number);
    const estimate = await api.evals.estimate({ service: S, suite: 'quick', release: wordyRelease.number, baseline: 'none' });
    const budget = estimate.costUsd * 2;
    const started = await api.evals.startRun({ service: S, suite: 'quick', release: wordyRelease.number, baseline: 'none', budgetUsd: budget });
    const run = await finished(started.number);
    expect(run.status).toBe('error');
    expect(run.error).toMatch(/^stopped: spent \$0\.\d+, over the budget of \$0\.\d+, after \d+ of 12 calls$/);
    expect(run.progress.costUsd).toBeGreaterThan(budget);
    expect(run.progress.doneCalls).toBeLessThan(12);
    expect(ended.find((e) => e.runId === started.id)).toMatchObject({ status: 'error', passed: false });
    expect(await h.database.db.select().from(gateResults).where(eq(gateResults.runId, started.id))).toEqual([]);
  });
});

describe('the response cache', () => {
  it('is keyed by model version and the request: another release of the same model and prompt reuses it', async () => {
    const keys = await h.database.db.select({ key: evalCache.key }).from(evalCache);
    expect(new Set(keys.map((k) => k.key)).size).toBe(keys.length);
    const same = await api.releases.create({ service: S, model: 'support-llm@2', prompts: ['answer@1'], notes: 'same as #2' });
    const estimate = await api.evals.estimate({ service: S, suite: 'accuracy', release: same.number, baseline: 'none' });
    expect(estimate).toMatchObject({ calls: 0, cachedCalls: 63 });
  });
});

describe('failing upstreams', { timeout: 120_000 }, () => {
  it('are retried a bounded number of times with backoff, then the case scores 0 with the reason', async () => {
    await api.models.register({ model: 'down-llm', providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel: 'ref-down', priceInputPer1M: 1, priceOutputPer1M: 2 });
    const down = await api.releases.create({ service: S, model: 'down-llm@1', prompts: ['answer@1'], notes: 'overloaded' });
    const before = up.count('ref-down');
    const started = await api.evals.startRun({ service: S, suite: 'quick', release: down.number, environment: 'production', baseline: 'none' });
    const run = await finished(started.number);
    expect(up.count('ref-down') - before).toBe(12 * 4);
    expect(run.status).toBe('failed');
    expect(run.summary!.candidate.errors).toBe(12);
    const cases = await api.evals.runCases({ service: S, number: started.number, limit: 1 });
    expect(cases.cases[0]!.candidate).toMatchObject({ score: 0, pass: false, error: expect.stringMatching(/^down-llm@1 answered 503: .*\(after 4 attempts\)$/) });
    // Nothing failed is cached: the next run calls again.
    expect((await api.evals.estimate({ service: S, suite: 'quick', release: down.number, baseline: 'none' })).cachedCalls).toBe(0);
  });
});

describe('model-graded assertions', { timeout: 120_000 }, () => {
  it('call the judge model version the assertion names, count its cost, and cache its answers', async () => {
    await api.models.register({ model: 'grader', providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel: 'ref-grader', priceInputPer1M: 5, priceOutputPer1M: 5, defaultParams: { temperature: 0 } });
    await api.evals.saveSuite({ service: S, name: 'judged', yaml: 'dataset: quick\nassertions:\n  - type: factuality\n    judge: grader@1\n    metric: factual\n' });
    const before = up.count('ref-grader');
    const started = await api.evals.startRun({ service: S, suite: 'judged', release: 1, baseline: 'none' });
    const run = await finished(started.number);
    expect(run.status).toBe('passed');
    expect(up.count('ref-grader') - before).toBe(12);
    expect(run.progress.costUsd).toBeGreaterThan(0);
    const cases = await api.evals.runCases({ service: S, number: started.number, limit: 5 });
    expect(cases.cases[0]!.candidate!.assertions[0]).toMatchObject({ metric: 'factual', pass: true, reason: expect.stringMatching(/^judge grader@1/) });
    const rerun = await api.evals.startRun({ service: S, suite: 'judged', release: 1, baseline: 'none' });
    expect((await finished(rerun.number)).progress.costUsd).toBe(0);
    expect(up.count('ref-grader') - before).toBe(12);
  });
});

describe('the CLI', { timeout: 120_000 }, () => {
  let url: string;
  let server: http.Server;
  beforeAll(async () => {
    const admin = (await evalCaller()).admin;
    const handler = createHTTPHandler({ router: appRouter, basePath: '/api/trpc/', createContext: () => createInnerContext({ actor: admin, db: h.database.db }) });
    server = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  async function cli(...argv: string[]) {
    let stdout = '';
    let stderr = '';
    const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: 'slw_test_token_not_checked_here' }, version: 'test' });
    return { code, stdout, stderr };
  }

  it('exits 1 with the run as JSON when the release fails the suite', async () => {
    const r = await cli('evals', 'run', 'support-bot#2', '--suite', 'accuracy', '--environment', 'production', '--wait', '--json');
    expect(r.stderr).toMatch(/^error: support-bot eval run \d+ failed: /);
    expect(r.code).toBe(1);
    const run = JSON.parse(r.stdout) as { status: string; release: number; baseline: number; summary: { verdict: { passed: boolean } }; progress: { cacheHits: number } };
    expect(run).toMatchObject({ status: 'failed', release: 2, baseline: 1, summary: { verdict: { passed: false } }, progress: { cacheHits: 126 } });
  });

  it('exits 0 when it passes, and shows the verdict', async () => {
    const r = await cli('evals', 'run', 'support-bot#3', '--suite', 'accuracy', '--environment', 'production', '--wait');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verdict: passed/);
    expect(r.stdout).toMatch(/baseline\s+support-bot#1/);
    const number = /eval run (\d+)/.exec(r.stdout)![1]!;
    const status = await cli('evals', 'status', 'support-bot', number, '--json');
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ status: 'passed', number: Number(number) });
  });

  it('exits 2 on usage errors and on refusals, 1 for a failed run it shows', async () => {
    expect((await cli('evals', 'run', 'support-bot', '--suite', 'accuracy')).code).toBe(2);
    expect((await cli('evals', 'run', 'support-bot#2')).stderr).toMatch(/--suite is required/);
    const missing = await cli('evals', 'run', 'support-bot#99', '--suite', 'accuracy');
    expect(missing).toMatchObject({ code: 2, stderr: expect.stringMatching(/has no release #99/) });
    expect((await cli('evals', 'status', 'support-bot', '1')).code).toBe(1);
    const list = await cli('evals', 'list', 'support-bot', '--json');
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as { items: unknown[] }).items.length).toBeGreaterThan(3);
  });
});
