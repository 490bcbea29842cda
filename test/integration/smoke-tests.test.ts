// Smoke tests through the gateway, against the reference model server: a run calls every routed release (pinned)
// with a smoke token and scores the suite's first cases; a release whose model fails records a failed run with the
// reasons and fires the smoke trigger once; its requests are synthetic, so rollups, the traffic summary, rollout analysis
// and the Prometheus counters never see them while the run keeps them; smoke tokens are refused for another
// environment or service, expired or forged, while a run longer than a token lives keeps calling; a schedule slot
// runs once, a rollback and a rollout step get theirs; a run cut off by a stopped process is closed and alerts.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { Inngest } from 'inngest';
import { InngestTestEngine } from '@inngest/test';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents, environments, releases, requestLogs, smokeRuns, triggerEvents } from '@/db/schema';
import { createSmokeTests } from '@/inngest/functions/smoke-tests';
import { appRouter } from '@/server/api/root';
import { createInnerContext } from '@/server/api/trpc';
import { runCli } from '@/server/cli/run';
import { Gateway } from '@/server/gateway/handler';
import { setLocalGatewayOrigin } from '@/server/gateway/local';
import { metrics } from '@/server/lib/metrics';
import { gatherFigures } from '@/server/rollouts/analysis';
import { mintSmokeToken } from '@/server/secrets/smoke-token';
import { DEFAULT_CHECKS } from '@/server/services/checks/settings';
import { rollupRange } from '@/server/services/monitoring/rollup';
import { runSmoke } from '@/server/services/smoke/run';
import { dueSlot, runDueSmokeTests } from '@/server/services/smoke/schedule';
import { evalService, questionCases, startCountingUpstream, storeDataset, type CountingUpstream } from '../helpers/eval-run-fixtures';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { withoutGates } from '../helpers/gates';
import { inlineRollout } from '../helpers/inline-rollout';

const S = 'smoke-bot';
let database: TestDatabase;
let up: CountingUpstream;
let gateway: Gateway;
let server: http.Server;
let origin: string;
let userKey: string;
let serviceId: string;
let api: Awaited<ReturnType<typeof evalService>>['api'];
let admin: Awaited<ReturnType<typeof evalService>>['admin'];

const envRow = async (name: string) => (await database.db.select().from(environments).where(and(eq(environments.serviceId, serviceId), eq(environments.name, name))))[0]!;
const setSmoke = async (name: string, smoke: Partial<typeof DEFAULT_CHECKS.smoke>) =>
  database.db
    .update(environments)
    .set({ checks: { ...DEFAULT_CHECKS, smoke: { ...DEFAULT_CHECKS.smoke, ...smoke } } })
    .where(eq(environments.id, (await envRow(name)).id));

async function ask(token: string, environment = 'dev', release?: number, path = 'chat/completions') {
  const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  if (release) headers['x-slipway-release'] = String(release);
  const res = await fetch(`${origin}/gw/${S}/${environment}/v1/${path}`, { method: 'POST', headers, body: JSON.stringify({ messages: [{ role: 'user', content: 'How long is the free trial?' }], slipway: { prompt: 'answer', variables: { question: 'How long is the free trial?' } } }) });
  const body = (await res.json()) as { error?: { code: string; message: string } };
  return { status: res.status, body };
}

/** The value of one Prometheus sample line, by name and labels (0 when absent). */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}
const requestsOf = (release: number) => `slipway_gateway_requests_total{service="${S}",environment="dev",release="${release}",shadow="false"}`;

beforeAll(async () => {
  up = await startCountingUpstream({ seed: 5, models: { 'ref-good': { quality: 1 }, 'ref-down': { errors: { rate: 1, status: 503 } } } });
  database = await freshDatabase();
  const svc = await evalService(database.db, S);
  ({ api, admin, serviceId } = svc);
  for (const m of ['ref-good', 'ref-down']) await api.models.register({ model: 'smoke-llm', providerKind: 'openai-compatible', baseUrl: up.url, upstreamModel: m, priceInputPer1M: 1, priceOutputPer1M: 2, defaultParams: { temperature: 0 } });
  await api.releases.create({ service: S, model: 'smoke-llm@1', prompts: ['answer@1'] }); // #1 answers well
  await api.releases.create({ service: S, model: 'smoke-llm@2', prompts: ['answer@1'] }); // #2 fails every request
  await api.releases.create({ service: S, model: 'smoke-llm@1', prompts: ['answer@1'], notes: 'same model, for a rollout' }); // #3
  await withoutGates(api, S);
  await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }] });
  await api.environments.deploy({ service: S, environment: 'staging', routes: [{ release: 1, weight: 100 }] });
  await storeDataset(database.db, serviceId, 'smoke-cases', questionCases(3));
  await api.evals.saveSuite({ service: S, name: 'smoke', yaml: 'dataset: smoke-cases\nthreshold: 0.5\nassertions:\n  - type: icontains\n    value: "{{expected}}"\n' });
  await setSmoke('dev', { enabled: true, schedule: '*/5 * * * *', suite: 'smoke', cases: 3, afterRollouts: true });
  userKey = (await api.gatewayKeys.create({ service: S, name: 'app', allowPin: true })).key;
  gateway = new Gateway({ db: database.db, databaseUrl: database.url, listen: database.listen, pollIntervalMs: 100, telemetry: { flushIntervalMs: 20 } });
  await gateway.start();
  server = http.createServer(gateway.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  setLocalGatewayOrigin(origin);
}, 60_000);

afterAll(async () => {
  setLocalGatewayOrigin(null);
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  await gateway?.close();
  await up?.close();
  await database?.close();
});

const logsOf = async (requestIds: string[]) => database.db.select().from(requestLogs).where(inArray(requestLogs.requestId, requestIds));

describe('smoke tests', () => {
  it('call each routed release through the gateway with a smoke token, score the suite, and record synthetic requests', async () => {
    const run = await api.smoke.run({ service: S, environment: 'dev' });
    expect(run).toMatchObject({ status: 'passed', trigger: 'manual', cases: 3, passed: 3, error: null, requestedBy: expect.any(String) });
    expect(run.results.map((r) => [r.releaseNumber, r.caseIndex, r.status, r.pass])).toEqual([
      [1, 0, 200, true],
      [1, 1, 200, true],
      [1, 2, 200, true],
    ]);
    expect(run.results[0]!.output).toContain(questionCases(1)[0]!.expected);
    await gateway.telemetry.flush();
    const logs = await logsOf(run.results.map((r) => r.requestId));
    expect(logs).toHaveLength(3);
    expect(logs.every((l) => l.synthetic && l.keyId === null && l.sample === null && l.releaseNumber === 1)).toBe(true);
    const [audit] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'smoke.run'));
    expect(audit!.summary).toBe(`Ran the smoke tests of ${S}/dev (suite smoke, 3 cases per release)`);
    const listed = await api.smoke.runs({ service: S, environment: 'dev' });
    expect(listed.runs.map((r) => r.id)).toContain(run.id);
    expect(listed.nextRunAt!.getUTCMinutes() % 5).toBe(0);
    expect(await api.smoke.get({ id: run.id })).toMatchObject({ id: run.id, status: 'passed' });
  });

  it('record a failed run with the reasons when a release fails, hand it to the triggers once, and keep its requests out of user metrics', async () => {
    await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 50 }, { release: 2, weight: 50 }] });
    const dev = await envRow('dev');
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000);
    const before = await metrics().exposition();

    // Users' own requests (pinned, so each arm's count is known): these are what metrics show.
    for (let i = 0; i < 4; i++) expect((await ask(userKey, 'dev', 1)).status).toBe(200);
    const { run, created } = await runSmoke(database.db, { environmentId: dev.id, trigger: 'schedule', key: 'schedule:test-failing' });
    expect(created).toBe(true);
    expect(run).toMatchObject({ status: 'failed', cases: 6, passed: 3 });
    const failing = run.results.filter((r) => !r.pass);
    expect(failing.map((r) => r.releaseNumber)).toEqual([2, 2, 2]);
    for (const r of failing) expect(r.reason).toMatch(/^#2 answered 503: /);
    // The failure alerts: the default smoke-failed rule fires once for the run (a passed run fires nothing).
    const fired = async () => database.db.select().from(triggerEvents).where(eq(triggerEvents.serviceId, serviceId));
    expect((await fired()).map((e) => [e.ruleId, e.source, e.sourceKey, e.releaseNumber])).toEqual([['smoke-failed', 'smoke', run.id, 2]]);
    // The same key again: the same run, no second call to anyone, no second event.
    const again = await runSmoke(database.db, { environmentId: dev.id, trigger: 'schedule', key: 'schedule:test-failing' });
    expect(again).toMatchObject({ created: false, run: { id: run.id, status: 'failed' } });
    expect(await fired()).toHaveLength(1);

    await gateway.telemetry.flush();
    // The run keeps its requests: each one is in request_logs, synthetic.
    const logs = await logsOf(run.results.map((r) => r.requestId));
    expect(logs.filter((l) => l.synthetic)).toHaveLength(6);
    expect(logs.filter((l) => l.status === 503)).toHaveLength(3);

    // Rollups (charts, overview, alerts, cost): only the users' four requests, no errors.
    const to = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
    await rollupRange(database.db, from, to);
    const result = await database.db.execute(
      sql`select coalesce(sum(requests), 0)::int as requests, coalesce(sum(errors), 0)::int as errors from monitoring_rollups_minute where service_id = ${serviceId} and environment = 'dev' and bucket >= ${from}`,
    );
    const rolled = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { requests: number; errors: number }[];
    expect(rolled).toEqual([{ requests: 4, errors: 0 }]);

    // The traffic table.
    const summary = await api.telemetry.summary({ service: S, environment: 'dev', since: from });
    expect(summary.releases.map((r) => [r.releaseNumber, r.shadow, r.requests])).toEqual([[1, false, 4]]);
    expect(summary.total).toBe(4);

    // Rollout analysis of each arm.
    const ids = Object.fromEntries((await database.db.select({ id: releases.id, n: releases.number }).from(releases).where(eq(releases.serviceId, serviceId))).map((r) => [r.n, r.id]));
    const figures = async (n: number) => gatherFigures(database.db, { serviceId, environment: 'dev', releaseIds: [ids[n]!], releaseNumber: n, since: from, until: new Date(), excludeFallback: false });
    expect(await figures(2)).toMatchObject({ requests: 0, errors: 0 });
    expect(await figures(1)).toMatchObject({ requests: 4, errors: 0 });

    // Prometheus counters.
    const after = await metrics().exposition();
    expect(sample(after, requestsOf(1)) - sample(before, requestsOf(1))).toBe(4);
    expect(sample(after, requestsOf(2)) - sample(before, requestsOf(2))).toBe(0);

    // Kept samples (data-quality runs and datasets read them): a synthetic row is never one, even with a sample.
    const synthetic = logs.find((l) => l.status === 200)!;
    await database.db.update(requestLogs).set({ sample: { input: 'smoke input', output: 'smoke output' } }).where(eq(requestLogs.requestId, synthetic.requestId));
    expect((await api.datasets.samples({ service: S, environment: 'dev' })).map((s) => s.requestId)).not.toContain(synthetic.requestId);
    await expect(api.datasets.addSamples({ service: S, name: 'from-samples', ids: [synthetic.id] })).rejects.toThrow(/is not kept for service "smoke-bot"/);
  });

  it('refuse a smoke token for another environment or service, an expired one and a forged one', async () => {
    const token = mintSmokeToken({ serviceId, environment: 'dev' });
    expect((await ask(token, 'dev', 1)).status).toBe(200);
    const other = await ask(token, 'staging', 1);
    expect(other).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key', message: 'This smoke token was made for another service or environment' } } });
    const otherService = mintSmokeToken({ serviceId: '00000000-0000-4000-8000-000000000000', environment: 'dev' });
    expect((await ask(otherService, 'dev', 1)).status).toBe(401);
    const expired = mintSmokeToken({ serviceId, environment: 'dev' }, Date.now() - 11 * 60_000);
    expect(await ask(expired, 'dev', 1)).toMatchObject({ status: 401, body: { error: { message: 'The smoke token has expired' } } });
    // Claims rewritten for staging with the signature kept, and a signature that is not this deployment's.
    const [body, sig] = token.slice(4).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const rewritten = `sst_${Buffer.from(JSON.stringify({ ...claims, e: 'staging' })).toString('base64url')}.${sig}`;
    expect(await ask(rewritten, 'staging', 1)).toMatchObject({ status: 401, body: { error: { message: 'The smoke token is not valid' } } });
    const flipped = `sst_${body}.${Buffer.from(Buffer.from(sig, 'base64url').map((b) => b ^ 1)).toString('base64url')}`;
    expect((await ask(flipped, 'dev', 1)).status).toBe(401);
    // Only to ask: no feedback in a user's name.
    expect((await ask(token, 'dev', undefined, 'feedback')).status).toBe(403);
  });

  it('run a schedule slot once, and the latest rollback once', async () => {
    await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }] });
    const now = new Date();
    const slot = dueSlot('*/5 * * * *', now)!;
    expect(slot.getTime()).toBeLessThanOrEqual(now.getTime());
    expect(now.getTime() - slot.getTime()).toBeLessThan(5 * 60_000);
    // Slots missed by more than the grace are skipped.
    expect(dueSlot('0 0 1 1 *', new Date('2026-01-01T00:06:00Z'))).toBeNull();
    expect(dueSlot('0 0 1 1 *', new Date('2026-01-01T00:04:00Z'))).toEqual(new Date('2026-01-01T00:00:00Z'));

    const first = await runDueSmokeTests(database.db, now);
    expect(first).toEqual([{ environment: `${S}/dev`, key: `schedule:${slot.toISOString()}`, status: 'passed', created: true }]);
    // The cron function at the same instant (a second instance, a retry): nothing new.
    const cron = createSmokeTests(new Inngest({ id: 'smoke-test' }), async () => database.db, () => now);
    const { result } = await new InngestTestEngine({ function: cron }).execute();
    expect(result).toEqual({ runs: [{ environment: `${S}/dev`, key: `schedule:${slot.toISOString()}`, status: 'passed', created: false }] });
    const slotRuns = await database.db.select().from(smokeRuns).where(eq(smokeRuns.key, `schedule:${slot.toISOString()}`));
    expect(slotRuns).toHaveLength(1);
    expect(slotRuns[0]).toMatchObject({ trigger: 'schedule', status: 'passed' });

    await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 3, weight: 100 }] });
    const rolledBack = await api.rollouts.rollback({ service: S, environment: 'dev', to: 1, reason: 'smoke' });
    const afterRollback = await runDueSmokeTests(database.db, now);
    expect(afterRollback).toContainEqual({ environment: `${S}/dev`, key: `rollback:${rolledBack.historyId}`, status: 'passed', created: true });
    expect((await runDueSmokeTests(database.db, now)).every((r) => !r.created)).toBe(true);

    // A run cut off by a stopped process is closed as an error once it made no call for 15 minutes, not left running, and alerts
    // as a run that could not run does: the smoke rule fires once for it (the failures earlier in this file are
    // moved past the rule's one-hour cooldown, which would otherwise keep it quiet).
    await database.db.update(triggerEvents).set({ at: new Date(Date.now() - 2 * 3_600_000) }).where(eq(triggerEvents.serviceId, serviceId));
    const devId = (await envRow('dev')).id;
    const [cut] = await database.db.insert(smokeRuns).values({ serviceId, environmentId: devId, environment: 'dev', trigger: 'schedule', key: 'schedule:cut-off', status: 'running', startedAt: new Date(now.getTime() - 31 * 60_000), progressAt: new Date(now.getTime() - 16 * 60_000) }).returning();
    // A long run that is still calling (its last call a minute ago) is left to finish, however long ago it started.
    const [long] = await database.db.insert(smokeRuns).values({ serviceId, environmentId: devId, environment: 'dev', trigger: 'schedule', key: 'schedule:long', status: 'running', startedAt: new Date(now.getTime() - 90 * 60_000), progressAt: new Date(now.getTime() - 60_000) }).returning();
    await runDueSmokeTests(database.db, now);
    await runDueSmokeTests(database.db, now);
    const [closed] = await database.db.select().from(smokeRuns).where(eq(smokeRuns.id, cut!.id));
    expect(closed).toMatchObject({ status: 'error', error: 'the smoke test was cut off before it finished: no call made for 15 min (the process running it stopped)' });
    const [still] = await database.db.select().from(smokeRuns).where(eq(smokeRuns.id, long!.id));
    expect(still).toMatchObject({ status: 'running', error: null });
    const alerted = await database.db.select().from(triggerEvents).where(eq(triggerEvents.sourceKey, cut!.id));
    expect(alerted.map((e) => [e.ruleId, e.source])).toEqual([['smoke-failed', 'smoke']]);
  });

  it('run after a rollout step when afterRollouts is on, and not when it is off', async () => {
    const promoted = await api.rollouts.promote({ service: S, environment: 'dev', release: 3 });
    await inlineRollout(database.db)(promoted.id, 0);
    const [run] = await database.db.select().from(smokeRuns).where(eq(smokeRuns.rolloutId, promoted.id));
    expect(run).toMatchObject({ key: `rollout:${promoted.id}:0`, trigger: 'rollout-step', status: 'passed', cases: 3 });
    expect(run!.results.every((r) => r.releaseNumber === 3)).toBe(true);

    await setSmoke('dev', { enabled: true, schedule: '*/5 * * * *', suite: 'smoke', cases: 3, afterRollouts: false });
    const next = await api.rollouts.promote({ service: S, environment: 'dev', release: 1 });
    await inlineRollout(database.db)(next.id, 0);
    expect(await database.db.select().from(smokeRuns).where(eq(smokeRuns.rolloutId, next.id))).toEqual([]);
  });

  it('keep calling with a valid token through a run longer than a token lives', async () => {
    await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }] });
    // Each answer takes six minutes by the clock (Date.now, which tokens are minted and checked by): three cases
    // take longer than the ten minutes a token lives.
    let offset = 0;
    const realNow = Date.now.bind(Date);
    const now = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    const push = up.calls.push.bind(up.calls);
    up.calls.push = (...items) => {
      offset += 6 * 60_000;
      return push(...items);
    };
    try {
      const { run } = await runSmoke(database.db, { environmentId: (await envRow('dev')).id, trigger: 'manual', key: 'manual:long-run' });
      expect(run.results.map((r) => [r.caseIndex, r.status, r.reason.slice(0, 40)])).toEqual([
        [0, 200, expect.stringMatching(/^passed/)],
        [1, 200, expect.stringMatching(/^passed/)],
        [2, 200, expect.stringMatching(/^passed/)],
      ]);
      expect(run).toMatchObject({ status: 'passed', passed: 3 });
    } finally {
      now.mockRestore();
      up.calls.push = push;
    }
  });

  it('slipway smoke run prints the cases and exits 1 when a release fails', async () => {
    const handler = createHTTPHandler({ router: appRouter, basePath: '/api/trpc/', createContext: () => createInnerContext({ actor: admin, db: database.db }) });
    const api2 = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((r) => api2.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(api2.address() as AddressInfo).port}`;
    const cli = async (...argv: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), env: { SLIPWAY_URL: url, SLIPWAY_TOKEN: 'slw_test_token_not_checked_here' }, version: 'test' });
      return { code, stdout, stderr };
    };
    try {
      const ok = await cli('smoke', 'run', S, '--environment', 'dev');
      expect(ok.code).toBe(0);
      expect(ok.stdout).toMatch(/passed {4}smoke-bot\/dev: 3 of 3 cases passed/);
      await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 2, weight: 100 }] });
      const bad = await cli('smoke', 'run', S, '--environment', 'dev', '--json');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/^error: smoke tests of smoke-bot\/dev failed: 3 of 3 cases failed/);
      expect(JSON.parse(bad.stdout)).toMatchObject({ status: 'failed', cases: 3, passed: 0 });
      expect((await cli('smoke', 'run', S)).code).toBe(2);
    } finally {
      await new Promise<void>((r) => api2.close(() => r()));
    }
  });
});
