// Load tests through the gateway, against the reference model server: a slow, flaky candidate fails against the fast
// stable release it is interleaved with, a fast one passes as a pipeline step, too few requests is inconclusive, bad
// settings are refused naming the field and change nothing, and the requests a test sends are synthetic, so rollups
// and the traffic summary never see them.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TRPCError } from '@trpc/server';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { and, count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, environments, loadTests, requestLogs } from '@/db/schema';
import { appRouter } from '@/server/api/root';
import { createInnerContext } from '@/server/api/trpc';
import { runCli } from '@/server/cli/run';
import { Gateway } from '@/server/gateway/handler';
import { setLocalGatewayOrigin } from '@/server/gateway/local';
import { startReferenceModelServer, type ReferenceModelServer } from '@/server/reference-model';
import { loadTestSettled } from '@/server/services/load-tests/run';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { rollupRange } from '@/server/services/monitoring/rollup';
import { evalService } from '../helpers/eval-run-fixtures';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { runPipelineHere } from '../helpers/inline-rollout';

const S = 'load-bot';
let database: TestDatabase;
let ref: ReferenceModelServer;
let gateway: Gateway;
let server: http.Server;
let serviceId: string;
let api: Awaited<ReturnType<typeof evalService>>['api'];
let admin: Awaited<ReturnType<typeof evalService>>['admin'];
const started = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);

/** A failed call's code and message, with the field of each validation issue. */
const failure = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof TRPCError)) throw e;
      const issues = (e.cause as { issues?: { path: PropertyKey[]; message: string }[] } | undefined)?.issues;
      return { code: e.code, message: issues ? issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ') : e.message };
    },
  );

// Short and light: four seconds at 8 requests a second, arms swapping every half second (16 requests each).
const QUICK = { ratePerSecond: 8, durationSeconds: 4, segmentSeconds: 0.5, minSamples: 10, stream: 'mixed' as const };

/** A pipeline of one load-test step with these inputs (JSON is YAML's flow style). */
const loadStepPipeline = (inputs: Record<string, string | number>) => `stages:
  - name: perf
    steps:
      - name: load
        type: load-test
        timeout: 120
        inputs: ${JSON.stringify(inputs)}
`;

beforeAll(async () => {
  ref = await startReferenceModelServer({
    config: {
      seed: 7,
      models: {
        'lt-fast': { quality: 1 },
        'lt-slow': { latency: { meanMs: 350, p99Ms: 700, timeToFirstTokenMs: 200, tokensPerSecond: 400 }, errors: { rate: 0.3, status: 503 }, quality: 0.5 },
      },
    },
    noDelay: false,
  });
  database = await freshDatabase();
  ({ api, admin, serviceId } = await evalService(database.db, S));
  for (const m of ['lt-fast', 'lt-slow', 'lt-fast']) await api.models.register({ model: 'load-llm', providerKind: 'openai-compatible', baseUrl: `${ref.url}/v1`, upstreamModel: m, priceInputPer1M: 1, priceOutputPer1M: 2 });
  await api.releases.create({ service: S, model: 'load-llm@1', prompts: ['answer@1'] }); // #1 fast: staging's stable release
  await api.releases.create({ service: S, model: 'load-llm@2', prompts: ['answer@1'] }); // #2 slow and flaky
  await api.releases.create({ service: S, model: 'load-llm@3', prompts: ['answer@1'] }); // #3 fast
  await withoutGates(api, S);
  await api.environments.deploy({ service: S, environment: 'staging', routes: [{ release: 1, weight: 100 }] });
  await database.db
    .update(environments)
    .set({ slos: { p95LatencyMs: 5000, maxErrorRate: 0.1, maxCostPerRequestUsd: null, minEvalScore: null, p95TtftMs: 4000 } })
    .where(and(eq(environments.serviceId, serviceId), eq(environments.name, 'staging')));
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 100, telemetry: { flushIntervalMs: 20 } });
  await gateway.start();
  server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  setLocalGatewayOrigin(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
}, 60_000);

afterAll(async () => {
  setLocalGatewayOrigin(null);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  await ref?.close();
  await database?.close();
});

describe('load tests', () => {
  it('fail a slow, flaky candidate against the fast stable release, arm by arm and second by second', async () => {
    const running = await api.loadTests.run({ service: S, environment: 'staging', release: 2, settings: QUICK });
    expect(running).toMatchObject({ status: 'running', environment: 'staging', pipelineRunId: null });
    const test = await loadTestSettled(database.db, running.id);
    expect(test.status).toBe('failed');
    const { candidate, baseline } = test.results!;
    expect(candidate).toMatchObject({ releaseNumber: 2, scheduled: 16, completed: 16, seconds: 2 });
    expect(baseline).toMatchObject({ releaseNumber: 1, scheduled: 16, completed: 16, errors: 0, seconds: 2 });
    expect(candidate.latencyMs.p95!).toBeGreaterThan(200);
    expect(baseline!.latencyMs.p95!).toBeLessThan(candidate.latencyMs.p95!);
    expect(candidate.ttftMs.count + candidate.errors).toBeGreaterThan(0);
    expect(baseline!.ttftMs.count).toBe(8);
    expect(baseline!.outputTokens).toBeGreaterThan(0);
    const failed = test.verdict!.checks.filter((c) => c.outcome === 'fail').map((c) => c.name);
    expect(failed).toContain('p95 latency');
    expect(test.verdict!.reasons[0]).toMatch(/^p95 latency \d+ ms vs #1's \d+ ms/);
    // Both arms in the series, each in its own half-second turns.
    expect(new Set(test.series.map((p) => p.arm))).toEqual(new Set(['candidate', 'baseline']));
    expect(test.series.reduce((a, p) => a + p.requests, 0)).toBe(32);
    const view = await api.loadTests.get({ id: test.id });
    expect(view).toMatchObject({ service: S, candidateNumber: 2, baselineNumber: 1, status: 'failed' });
    const [audit] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'loadtest.run'));
    expect(audit!.summary).toBe(`Load-tested ${S}#2 in ${S}/staging against #1: 8 req/s for 4 s`);
  }, 30_000);

  it('pass a fast candidate as a pipeline step, whose run lists the test', async () => {
    await api.pipelines.saveDefinition({ service: S, yaml: loadStepPipeline({ environment: 'staging', ratePerSecond: 8, durationSeconds: 4, segmentSeconds: 0.5, minSamples: 10, minLatencyDiffMs: 150 }) });
    const run = await api.pipelines.start({ service: S, release: 3, evaluateOnly: true });
    expect(await runPipelineHere(database.db, run.id)).toEqual({ status: 'passed' });
    const view = await api.pipelines.run({ service: S, number: run.number });
    const step = view.steps.find((s) => s.name === 'load')!;
    expect(step.status).toBe('passed');
    expect(step.outputs).toMatchObject({ environment: 'staging', verdict: 'passed', candidate: { release: 3, requests: 16, errorRate: 0 }, baseline: { release: 1, requests: 16 } });
    expect(step.outputs.reasons).toEqual(['#3 held within the margins of #1 and the objectives']);
    const listed = await api.loadTests.list({ service: S, pipelineRun: run.number });
    expect(listed.tests.map((t) => [t.id, t.status, t.candidateNumber, t.pipelineRunNumber])).toEqual([[step.outputs.loadTest, 'passed', 3, run.number]]);
    const checks = listed.tests[0]!.verdict!.checks.map((c) => [c.name, c.outcome]);
    expect(checks).toEqual(expect.arrayContaining([['p95 latency', 'pass'], ['error rate', 'pass'], ['objective: p95 latency', 'pass'], ['objective: error rate', 'pass']]));
  }, 30_000);

  it('say when too few requests answered to tell, and hold the stable release itself to the objectives only', async () => {
    const test = await loadTestSettled(database.db, (await api.loadTests.run({ service: S, environment: 'staging', release: 1, settings: { ratePerSecond: 2, durationSeconds: 1, segmentSeconds: 1 } })).id);
    expect(test).toMatchObject({ status: 'inconclusive', baselineReleaseId: null });
    expect(test.results!.baseline).toBeNull();
    expect(test.verdict!.reasons[0]).toBe('#1 got 2 of the 20 requests a verdict needs: send longer or faster');
  });

  it('refuse bad settings, a release or suite that does not exist and an environment with nothing to serve, naming the field and changing nothing', async () => {
    const before = (await database.db.select({ n: count() }).from(loadTests))[0]!.n;
    const run = (settings: Record<string, unknown>, rest: Partial<{ release: number; environment: string }> = {}) =>
      failure(api.loadTests.run({ service: S, environment: 'staging', release: 2, settings: settings as never, ...rest }));
    expect(await run({ ratePerSecond: 500 })).toEqual({ code: 'BAD_REQUEST', message: 'settings.ratePerSecond: must be at most 200 requests per second' });
    expect(await run({ durationSeconds: 601 })).toEqual({ code: 'BAD_REQUEST', message: 'settings.durationSeconds: must be at most 600 seconds' });
    expect(await run({ maxConcurrency: 0 })).toEqual({ code: 'BAD_REQUEST', message: 'settings.maxConcurrency: must be at least 1' });
    expect(await run({ durationSeconds: 2, segmentSeconds: 5 })).toEqual({ code: 'BAD_REQUEST', message: 'settings.segmentSeconds: must be at most durationSeconds (2)' });
    // No target can be given: the environment's own gateway is the only one.
    expect((await run({ url: 'http://10.0.0.1/v1' }))!.message).toMatch(/^settings: Unrecognized key: "url"/);
    expect(await run({ input: { kind: 'suite', suite: 'nope' } })).toEqual({ code: 'BAD_REQUEST', message: `settings.input.suite: ${S} has no eval suite "nope"` });
    expect(await run({}, { release: 99 })).toEqual({ code: 'BAD_REQUEST', message: `release: ${S} has no release #99` });
    expect(await run({}, { environment: 'production' })).toEqual({ code: 'PRECONDITION_FAILED', message: `${S}/production routes no release yet, so its gateway has nothing to serve: deploy one first` });
    // A step whose timeout would cut its test short is refused when the pipeline is saved.
    const bad = await failure(api.pipelines.saveDefinition({ service: S, yaml: 'stages:\n  - name: perf\n    steps:\n      - name: load\n        type: load-test\n        timeout: 30\n        inputs: { durationSeconds: 60, ratePerSecond: 500 }\n' }));
    expect(bad!.message).toContain('stages[0].steps[0].inputs.ratePerSecond: must be at most 200 requests per second');
    const short = await failure(api.pipelines.saveDefinition({ service: S, yaml: 'stages:\n  - name: perf\n    steps:\n      - name: load\n        type: load-test\n        timeout: 30\n        inputs: { durationSeconds: 60 }\n' }));
    expect(short!.message).toContain('stages[0].steps[0].timeout: must be at least 105 seconds for this load test');
    expect((await database.db.select({ n: count() }).from(loadTests))[0]!.n).toBe(before);
  });

  it('run from the CLI, with its flags in the messages and exit codes for a verdict', async () => {
    const handler = createHTTPHandler({ router: appRouter, basePath: '/api/trpc/', createContext: () => createInnerContext({ actor: admin, db: database.db }) });
    const apiServer = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => apiServer.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`;
    const cli = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: 'slw_test_token_not_checked_here' }, version: 'test' });
      return { code, stdout, stderr };
    };
    try {
      const ok = await cli('loadtest', 'run', S, '--environment', 'staging', '--release', `${S}#3`, '--rate', '8', '--duration', '2', '--segment', '0.5', '--min-samples', '5', '--min-latency-diff', '150', '--stream', 'always');
      expect(ok.stderr).toBe('');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/^candidate +#3 +8 +8\/s /m);
      expect(ok.stdout).toMatch(/^stable +#1 +8 +8\/s /m);
      expect(ok.stdout).toContain('verdict: passed');
      expect(await cli('loadtest', 'run', S, '--environment', 'staging', '--release', '3', '--rate', 'fast')).toMatchObject({ code: 2, stderr: expect.stringContaining('--rate must be a number') });
      expect(await cli('loadtest', 'run', S, '--environment', 'staging', '--release', '3', '--rate', '500')).toMatchObject({ code: 1, stderr: expect.stringContaining('--rate: must be at most 200 requests per second') });
      const listed = await cli('loadtest', 'list', S, '--environment', 'staging');
      expect(listed.code).toBe(0);
      expect(listed.stdout.split('\n').filter((l) => l.includes('staging'))).toHaveLength(4);
    } finally {
      apiServer.closeAllConnections();
      await new Promise((r) => apiServer.close(r));
    }
  }, 30_000);

  it('send synthetic requests only: rollups and the traffic summary leave them out', async () => {
    await gateway.telemetry.flush();
    const rows = await database.db.select({ synthetic: requestLogs.synthetic, n: count() }).from(requestLogs).where(eq(requestLogs.serviceId, serviceId)).groupBy(requestLogs.synthetic);
    // Every request of the four tests, and their warm-up requests (two per arm).
    expect(rows).toEqual([{ synthetic: true, n: 32 + 32 + 2 + 16 + (4 + 4 + 2 + 4) }]);
    await rollupRange(database.db, started, new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000));
    const result = await database.db.execute(sql`select coalesce(sum(requests), 0)::int as requests from monitoring_rollups_minute where service_id = ${serviceId}`);
    const rolled = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { requests: number }[];
    expect(rolled).toEqual([{ requests: 0 }]);
    expect((await api.telemetry.summary({ service: S, environment: 'staging', since: started })).total).toBe(0);
  });
  // Runs last: it requires the load-test gate of staging and moves staging to #3.
  it('decide a required load-test gate: a failed or inconclusive test blocks the release, a passed one lets it in, and it goes stale when the baseline moves', async () => {
    await api.environments.update({ service: S, environment: 'staging', protection: { ...DEFAULT_ENVIRONMENTS.staging.protection, requiredGates: ['load-test'] } });
    const gate = async (release: number) => (await api.gates.status({ service: S, release, environment: 'staging' })).gates.find((g) => g.gate === 'load-test');
    // Staging serves #1: #2's test against it failed, #1's own was inconclusive, #3 passed (its newest test, from the CLI).
    expect(await gate(2)).toMatchObject({ state: 'failed', message: expect.stringMatching(/^#2's load test in staging failed: p95 latency \d+ ms vs #1's/) });
    expect(await gate(1)).toMatchObject({ state: 'failed', message: "#1's load test in staging was inconclusive: #1 got 2 of the 20 requests a verdict needs: send longer or faster" });
    const passed = await gate(3);
    expect(passed).toMatchObject({ state: 'passed', message: "#3's load test in staging passed: #3 held within the margins of #1 and the objectives" });
    const newest = (await api.loadTests.list({ service: S, environment: 'staging' })).tests.find((t) => t.candidateNumber === 3)!;
    expect(passed!.loadTest!.id).toBe(newest.id);
    const { number } = await api.releases.create({ service: S, model: 'load-llm@3', prompts: ['answer@1'], notes: 'never load-tested' });
    expect(await gate(number)).toMatchObject({ state: 'missing', message: `#${number} has no load test in staging: run one (slipway loadtest run, or a pipeline's load-test step)`, loadTest: null });
    // gates.run points at the load test instead of starting eval runs; gates.report gives the newest test's verdict.
    const run = await api.gates.run({ service: S, release: 2, environment: 'staging' });
    expect(run.gates).toEqual([{ type: 'load-test', runs: [], message: expect.stringContaining(`slipway loadtest run ${S} --environment staging --release 2`) }]);
    const report = await api.gates.report({ service: S, release: 3, environment: 'staging', gates: ['load-test'], runs: [] });
    expect(report).toMatchObject({ passed: true, gates: [{ type: 'load-test', passed: true }] });
    // Promotion obeys the gate, and a refusal changes nothing.
    const refused = await failure(api.environments.deploy({ service: S, environment: 'staging', routes: [{ release: 2, weight: 100 }] }));
    expect(refused).toMatchObject({ code: 'PRECONDITION_FAILED', message: expect.stringContaining(`${S}#2 may not enter staging until its required gates pass — load-test gate failed: #2's load test in staging failed`) });
    expect((await gate(3))!.state).toBe('passed');
    await api.environments.deploy({ service: S, environment: 'staging', routes: [{ release: 3, weight: 100 }] });
    // Staging now serves #3: #2's failed test was against #1, so it is stale rather than failed; a new one must run.
    expect(await gate(2)).toMatchObject({ state: 'stale', message: "#2's load test in staging ran against #1, but staging now serves #3: the baseline moved; run it again" });
  }, 30_000);

  it('stop sending when the pipeline run of its step is cancelled', async () => {
    await api.pipelines.saveDefinition({ service: S, yaml: loadStepPipeline({ environment: 'staging', ratePerSecond: 8, durationSeconds: 30, segmentSeconds: 1 }) });
    const run = await api.pipelines.start({ service: S, release: 2, evaluateOnly: true });
    const done = runPipelineHere(database.db, run.id);
    const testOfRun = async () => (await database.db.select().from(loadTests).where(eq(loadTests.pipelineRunId, run.id)))[0];
    for (const until = Date.now() + 10_000; !(await testOfRun()) && Date.now() < until; ) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1_500));
    const cancelledAt = Date.now();
    await api.pipelines.cancel({ service: S, number: run.number, reason: 'wrong release' });
    expect(await done).toEqual({ status: 'cancelled' });
    // Stopped within a few seconds of the cancel, not after its 30 s: kept as stopped, with what it measured.
    const test = await loadTestSettled(database.db, (await testOfRun())!.id);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect(test).toMatchObject({ status: 'error', error: 'stopped before its end (its step timed out or was cancelled)' });
    expect(test.results!.candidate.completed + test.results!.baseline!.completed).toBeLessThan(8 * 8);
    const view = await api.pipelines.run({ service: S, number: run.number });
    expect(view.status).toBe('cancelled');
    expect(view.steps.find((st) => st.name === 'load')!.status).toBe('cancelled');
  }, 30_000);
});
