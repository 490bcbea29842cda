// The release flow end to end: the built app with its embedded executor running the rollout function, the
// gateway answering real traffic from the embedded reference model server, and telemetry from that traffic
// deciding each step. While each rollout runs, a small load loop keeps calling the gateway and records who
// answered every request (x-slipway-release) and when it started:
// - a canary of a degraded model is rolled back by its own analysis, and traffic goes back to the stable release;
// - a healthy canary goes through every step at the planned weights to all traffic;
// - a blue-green switch under load fails no request, smoke-checks the new release and retires the old one;
// - a one-click rollback reaches every request started more than a second after it returned.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { freePort, startServer, type RunningServer } from './server';
import { mutateAs, signIn } from './session';

let server: RunningServer;
let admin: ReturnType<typeof client>;
let engineer: ReturnType<typeof client>;
let approver: ReturnType<typeof client>;

const ENV = 'live';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(token: string) {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${token}` } })] });
}

/** Signs in through next-auth and creates an API token for that user (tokens belong to users; the bootstrap token has none). */
async function tokenFor(email: string, password: string, role: 'engineer' | 'approver', name: string): Promise<string> {
  const cookie = await signIn(server.url, email, password);
  return (await mutateAs<{ token: string }>(server.url, cookie, 'tokens.create', { name, role })).token;
}

async function until<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

interface Sample {
  startedAt: number;
  endedAt: number;
  /** 0 for a network error. */
  status: number;
  /** The release number from x-slipway-release, or null when there was none. */
  release: number | null;
  error?: string;
}

/**
 * Keeps calling the gateway with a few concurrent workers, each starting a request at most every `everyMs`,
 * until stopped; records every request's start, end, status and answering release.
 */
class Load {
  readonly samples: Sample[] = [];
  private stopped = false;
  private readonly workers: Promise<void>[] = [];

  constructor(
    private readonly service: string,
    private readonly key: string,
    private readonly opts: { workers: number; everyMs: number } = { workers: 5, everyMs: 250 },
  ) {}

  start(): this {
    for (let i = 0; i < this.opts.workers; i++) this.workers.push(this.worker(i));
    return this;
  }

  private async worker(i: number) {
    // Spread the workers' starts over one period so the requests do not come in bursts.
    await sleep((this.opts.everyMs / this.opts.workers) * i);
    for (let n = 0; !this.stopped; n++) {
      const startedAt = Date.now();
      try {
        const res = await fetch(`${server.url}/gw/${this.service}/${ENV}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${this.key}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: this.service, messages: [{ role: 'user', content: `Worker ${i}, question ${n}: how do I reset my password?` }], max_tokens: 16 }),
          signal: AbortSignal.timeout(30_000),
        });
        await res.arrayBuffer();
        const header = res.headers.get('x-slipway-release');
        this.samples.push({ startedAt, endedAt: Date.now(), status: res.status, release: header ? Number(header.split('#')[1]) : null });
      } catch (err) {
        this.samples.push({ startedAt, endedAt: Date.now(), status: 0, release: null, error: err instanceof Error ? `${err.message} ${String((err as { cause?: unknown }).cause ?? '')}` : String(err) });
      }
      const left = this.opts.everyMs - (Date.now() - startedAt);
      if (left > 0) await sleep(left);
    }
  }

  async stop(): Promise<Sample[]> {
    this.stopped = true;
    await Promise.all(this.workers);
    return this.samples;
  }

  startedBetween(from: number, to = Infinity): Sample[] {
    return this.samples.filter((s) => s.startedAt >= from && s.startedAt < to);
  }

  failures(): Sample[] {
    return this.samples.filter((s) => s.status !== 200);
  }
}

const ENDED = ['succeeded', 'rolled-back', 'aborted', 'rejected', 'approval-timed-out', 'failed'];

async function settled(service: string, number: number, timeoutMs = 120_000) {
  return until(
    async () => {
      const r = await admin.rollouts.get.query({ service, environment: ENV, number });
      return ENDED.includes(r.status) ? r : undefined;
    },
    timeoutMs,
    `rollout ${number} of ${service}/${ENV} to end`,
    500,
  );
}

/** The environment's routing table as [release, weight] pairs, 0% entries included. */
async function routes(service: string) {
  const env = await admin.environments.get.query({ service, environment: ENV });
  return env.current?.routes.map((r) => [r.releaseNumber, r.weight]) ?? [];
}

async function audited(action: string, targetId: string) {
  const { items } = await admin.audit.list.query({ action, targetId, limit: 50 });
  return items;
}

const SLOS = { p95LatencyMs: 1500, maxErrorRate: 0.1, maxCostPerRequestUsd: null, minEvalScore: null, p95TtftMs: null };
// The relative limits are generous: with latencies of tens of milliseconds, the event loop's pauses on a busy
// two-core machine move a p95 more than the models differ. The SLOs above are what these tests are about.
const ANALYSIS = {
  minSamples: 15,
  intervalSeconds: 1,
  maxErrorRateIncrease: 0.02,
  maxLatencyRatio: 4,
  maxTtftRatio: 4,
  maxCostRatio: 4,
  maxFeedbackDrop: 0.1,
  minFeedbackSamples: 20,
  inconclusiveWaitMinutes: 1,
};
// Without falling back to the stable release, the header of every response names the release the request was routed to.
const GATEWAY = { fallbackToStable: false, shadow: null, samplePercent: 0, upstreamTimeoutMs: 30_000 };

type Policy = Parameters<typeof admin.environments.update.mutate>[0]['rollout'];

/**
 * A service whose `live` environment runs #1 (ref-small) at 100%, with #2 on the model version given, the policy
 * and SLOs given, and a gateway key the gateway already accepts.
 */
async function setUpService(service: string, candidate: 'healthy' | 'degraded', rollout: Policy) {
  await admin.services.create.mutate({ name: service, description: 'Release flow end to end' });
  await admin.releases.create.mutate({ service, model: 'ref-llm@1', notes: 'stable' });
  await admin.releases.create.mutate({ service, model: candidate === 'healthy' ? 'ref-llm@2' : 'ref-llm@3', notes: `candidate (${candidate})` });
  await admin.environments.create.mutate({ service, name: ENV });
  await admin.environments.update.mutate({ service, environment: ENV, rollout, slos: SLOS, gateway: GATEWAY });
  await admin.environments.deploy.mutate({ service, environment: ENV, routes: [{ release: 1, weight: 100 }], reason: 'stable release' });
  const { key } = await admin.gatewayKeys.create.mutate({ service, name: 'load' });
  await until(async () => (await fetch(`${server.url}/gw/${service}/${ENV}/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status === 200, 10_000, `the gateway to serve ${service}`, 100);
  return key;
}

beforeAll(async () => {
  const modelPort = await freePort();
  server = await startServer({
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(modelPort),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/release-flow-models.yaml'),
  });
  admin = client(server.bootstrapToken);
  // ref-llm@1 is the stable model, @2 a healthy candidate, @3 a degraded one.
  for (const upstreamModel of ['ref-small', 'ref-small-v2', 'ref-degraded']) {
    await admin.models.register.mutate({ model: 'ref-llm', providerKind: 'openai-compatible', baseUrl: `http://127.0.0.1:${modelPort}/v1`, upstreamModel, priceInputPer1M: 0.15, priceOutputPer1M: 0.6 });
  }
  const password = 'release-flow-password-1';
  await admin.users.create.mutate({ email: 'approver@e2e.test', name: 'Release manager', role: 'approver', password });
  await admin.users.create.mutate({ email: 'engineer@e2e.test', name: 'Release engineer', role: 'engineer', password });
  approver = client(await tokenFor('approver@e2e.test', password, 'approver', 'release-manager'));
  engineer = client(await tokenFor('engineer@e2e.test', password, 'engineer', 'release-engineer'));
});
afterAll(() => server?.stop());

/** The routing tables a rollout wrote, oldest first, as [release, weight] pairs (0% entries included). */
async function tablesOf(service: string, rolloutId: string) {
  const { items } = await admin.environments.history.query({ service, environment: ENV, limit: 200 });
  return items
    .filter((h) => h.rolloutId === rolloutId)
    .reverse()
    .map((h) => ({ kind: h.kind, routes: h.routes.map((r) => [r.releaseNumber, r.weight]) }));
}

const share = (samples: Sample[], release: number) => samples.filter((s) => s.release === release).length / samples.length;

describe('a canary under real traffic', () => {
  const canary = (): Policy => ({
    strategy: 'canary',
    steps: [
      { weight: 30, bakeMinutes: 0.2 },
      { weight: 60, bakeMinutes: 0.2 },
    ],
    autoRollback: true,
    analysis: ANALYSIS,
  });

  it('of a degraded model is rolled back by its own analysis, and traffic goes back to the stable release', async () => {
    const S = 'canary-bad';
    const key = await setUpService(S, 'degraded', canary());
    const env = await admin.environments.get.query({ service: S, environment: ENV });
    const load = new Load(S, key).start();
    let done;
    try {
      await sleep(1000);
      const rollout = await engineer.rollouts.promote.mutate({ service: S, environment: ENV, release: 2, reason: 'try the new model' });
      done = await settled(S, rollout.number);
      // Keep the traffic going after the rollback, to see where it goes.
      await until(async () => load.startedBetween(done!.endedAt!.getTime() + 1000).length >= 20, 20_000, 'traffic after the rollback');
    } finally {
      await load.stop();
    }

    expect(done.status).toBe('rolled-back');
    expect(done.reason).toMatch(/^analysis at step 1 failed: .*error rate \d+\.\d% is above the SLO of 10\.0%/);
    expect(done.lastAnalysis).toMatchObject({ verdict: 'fail', step: 0, candidate: { releaseNumber: 2 } });
    expect(done.lastAnalysis!.candidate.errors).toBeGreaterThan(0);
    expect(done.events.filter((e) => e.kind === 'step').map((e) => e.message)).toEqual(['step 1 of 3: 30% to #2']);
    // No person stepped in: the rollout function ended it.
    expect(done.events.at(-1)).toMatchObject({ kind: 'rolled-back', message: done.reason, by: `system:rollout:${S}/${ENV}#${done.number}` });
    // The canary took its share of real traffic, and its failures reached callers (no fallback here).
    const during = load.samples.filter((s) => s.release === 2);
    expect(during.length).toBeGreaterThan(0);
    expect(during.some((s) => s.status >= 500)).toBe(true);
    expect(await tablesOf(S, done.id)).toEqual([
      { kind: 'deploy', routes: [[1, 70], [2, 30]] },
      { kind: 'rollback', routes: [[1, 100]] },
    ]);
    expect(await routes(S)).toEqual([[1, 100]]);
    // A second after the rollback, every request is answered by #1.
    const after = load.startedBetween(done.endedAt!.getTime() + 1000);
    expect(after.length).toBeGreaterThanOrEqual(20);
    expect(after.filter((s) => s.release !== 1 || s.status !== 200)).toEqual([]);

    const [request] = await audited('rollout.request', done.id);
    expect(request).toMatchObject({ actorLabel: 'token:release-engineer' });
    const [ended] = await audited('rollout.rolled-back', done.id);
    expect(ended).toMatchObject({ actorLabel: `system:rollout:${S}/${ENV}#${done.number}` });
    expect(ended!.summary).toContain(done.reason!);
    const rollbacks = await audited('environment.rollback', env.id);
    expect(rollbacks.map((a) => [a.actorLabel, a.changes?.rolloutId])).toEqual([[`system:rollout:${S}/${ENV}#${done.number}`, done.id]]);
  });

  it('of a healthy model goes through every step at its weights to all traffic', async () => {
    const S = 'canary-good';
    const key = await setUpService(S, 'healthy', canary());
    const load = new Load(S, key).start();
    let done;
    try {
      await sleep(1000);
      const rollout = await engineer.rollouts.promote.mutate({ service: S, environment: ENV, release: 2, reason: 'faster model' });
      done = await settled(S, rollout.number);
      await until(async () => load.startedBetween(done!.endedAt!.getTime() + 1000).length >= 20, 20_000, 'traffic after the rollout');
    } finally {
      await load.stop();
    }

    expect(done.status).toBe('succeeded');
    const steps = done.events.filter((e) => e.kind === 'step');
    expect(steps.map((e) => e.message)).toEqual(['step 1 of 3: 30% to #2', 'step 2 of 3: 60% to #2', 'step 3 of 3: 100% to #2']);
    const analyses = done.events.filter((e) => e.kind === 'analysis');
    expect(analyses.map((e) => e.message)).toEqual([expect.stringMatching(/^step 1 passed analysis: healthy: \d+ requests, error rate 0\.0%, p95 \d+ ms$/), expect.stringMatching(/^step 2 passed analysis: healthy: \d+ requests/)]);
    expect(done.events.map((e) => e.kind)).toEqual(['requested', 'started', 'step', 'analysis', 'step', 'analysis', 'step', 'succeeded']);
    expect(await tablesOf(S, done.id)).toEqual([
      { kind: 'deploy', routes: [[1, 70], [2, 30]] },
      { kind: 'weights', routes: [[1, 40], [2, 60]] },
      { kind: 'deploy', routes: [[2, 100]] },
    ]);
    expect(await routes(S)).toEqual([[2, 100]]);

    // Nothing failed, and the gateway split the traffic at each step's weights (give or take chance).
    expect(load.failures()).toEqual([]);
    const [s1, s2, s3] = steps.map((e) => e.at.getTime()) as [number, number, number];
    const step1 = load.startedBetween(s1 + 1000, s2);
    const step2 = load.startedBetween(s2 + 1000, s3);
    expect(step1.length).toBeGreaterThan(40);
    expect(step2.length).toBeGreaterThan(40);
    expect(share(step1, 2)).toBeGreaterThan(0.1);
    expect(share(step1, 2)).toBeLessThan(0.5);
    expect(share(step2, 2)).toBeGreaterThan(0.4);
    expect(share(step2, 2)).toBeLessThan(0.8);
    expect(load.startedBetween(0, s1).every((s) => s.release === 1)).toBe(true);
    const after = load.startedBetween(done.endedAt!.getTime() + 1000);
    expect(after.every((s) => s.release === 2)).toBe(true);

    expect(await audited('rollout.request', done.id)).toHaveLength(1);
    expect(await audited('rollout.succeeded', done.id)).toHaveLength(1);
  });
});

describe('blue-green under continuous load', () => {
  it('switches every request from #1 to #2 without failing one, after a smoke check, and retires #1', async () => {
    const S = 'blue-green';
    const key = await setUpService(S, 'healthy', { strategy: 'blue-green', bakeMinutes: 0.1, rollbackWindowMinutes: 0.1, autoRollback: true, analysis: ANALYSIS });
    const load = new Load(S, key, { workers: 6, everyMs: 250 }).start();
    let done;
    try {
      await sleep(2000);
      const rollout = await engineer.rollouts.promote.mutate({ service: S, environment: ENV, release: 2, reason: 'blue-green switch' });
      done = await settled(S, rollout.number);
      await until(async () => load.startedBetween(done!.endedAt!.getTime() + 1000).length >= 20, 20_000, 'traffic after the rollout');
    } finally {
      await load.stop();
    }

    // Not one request failed or went unanswered, from before the rollout to after it.
    expect(load.samples.length).toBeGreaterThan(150);
    expect(load.failures()).toEqual([]);

    expect(done.status).toBe('succeeded');
    expect(done.events.map((e) => e.kind)).toEqual(['requested', 'started', 'step', 'smoke-check', 'step', 'analysis', 'step', 'succeeded']);
    const smoke = done.events.find((e) => e.kind === 'smoke-check')!;
    expect(smoke.message).toMatch(/^smoke check passed: 3 requests to #2 answered \(\d+, \d+, \d+ ms\)$/);
    const steps = done.events.filter((e) => e.kind === 'step');
    expect(steps.map((e) => e.message)).toEqual(['step 1 of 3: warm #2 at 0% and smoke-check it', 'step 2 of 3: switch all traffic to #2', 'step 3 of 3: retire the old release']);
    expect(await tablesOf(S, done.id)).toEqual([
      { kind: 'deploy', routes: [[1, 100], [2, 0]] },
      { kind: 'weights', routes: [[2, 100], [1, 0]] },
      { kind: 'deploy', routes: [[2, 100]] },
    ]);
    // Retired: the routing table holds #2 alone.
    expect(await routes(S)).toEqual([[2, 100]]);

    // Before the switch every answer came from #1 (warming #2 at 0% takes no traffic); a second after it, from #2.
    const switchedAt = steps[1]!.at.getTime();
    const before = load.samples.filter((s) => s.endedAt < switchedAt);
    const after = load.startedBetween(switchedAt + 1000);
    expect(before.length).toBeGreaterThan(20);
    expect(after.length).toBeGreaterThan(20);
    expect(before.every((s) => s.release === 1)).toBe(true);
    expect(after.every((s) => s.release === 2)).toBe(true);

    expect(await audited('rollout.request', done.id)).toHaveLength(1);
    expect(await audited('rollout.succeeded', done.id)).toHaveLength(1);
  });
});

describe('one-click rollback under continuous load', () => {
  it('reaches every request started more than a second after it returned, failing none', async () => {
    const S = 'rollback';
    const key = await setUpService(S, 'healthy', { strategy: 'all-at-once', autoRollback: true, bakeMinutes: 0, analysis: ANALYSIS });
    const env = await admin.environments.get.query({ service: S, environment: ENV });
    const rollout = await engineer.rollouts.promote.mutate({ service: S, environment: ENV, release: 2 });
    expect((await settled(S, rollout.number)).status).toBe('succeeded');
    expect(await audited('rollout.succeeded', rollout.id)).toHaveLength(1);
    // The switch left nothing of #1 behind: #2 serves all of it, so promoting #2 again is refused.
    expect(await routes(S)).toEqual([[2, 100]]);
    await expect(engineer.rollouts.promote.mutate({ service: S, environment: ENV, release: 2 })).rejects.toThrow(/#2 already serves all of live/);

    const load = new Load(S, key, { workers: 6, everyMs: 200 }).start();
    let calledAt = 0;
    let returnedAt = 0;
    try {
      await until(async () => load.samples.filter((s) => s.release === 2).length >= 20, 20_000, '#2 to answer under load');
      await expect(engineer.rollouts.rollback.mutate({ service: S, environment: ENV, to: 1 })).rejects.toThrow(/environments:rollback/);
      calledAt = Date.now();
      const result = await approver.rollouts.rollback.mutate({ service: S, environment: ENV, to: 1, reason: 'answers got worse' });
      returnedAt = Date.now();
      expect(result.routes.map((r) => [r.releaseNumber, r.weight])).toEqual([[1, 100]]);
      await sleep(3000);
    } finally {
      await load.stop();
    }

    const lastOnTwo = Math.max(...load.samples.filter((s) => s.release === 2).map((s) => s.startedAt));
    const lag = lastOnTwo - returnedAt;
    const after = load.startedBetween(returnedAt + 1000);
    // The figure is the point of this test: print it next to the test's name.
    // eslint-disable-next-line no-console
    console.log(
      `[release-flow] rollback (${server.databaseKind} database): the call took ${returnedAt - calledAt} ms; the last request answered by #2 started ${lag} ms after it returned (${lastOnTwo - calledAt} ms after it was made); ` +
        `${after.length} requests started from 1 s after it on, all answered by ${[...new Set(after.map((s) => `#${s.release}`))].join(', ')}; ${load.samples.length} requests in all, ${load.failures().length} failed`,
    );
    expect(lag).toBeLessThan(1000);
    expect(after.length).toBeGreaterThan(20);
    expect(after.every((s) => s.release === 1)).toBe(true);
    expect(load.failures()).toEqual([]);
    expect(await routes(S)).toEqual([[1, 100]]);

    const [entry] = await audited('environment.rollback', env.id);
    expect(entry).toMatchObject({ actorLabel: 'token:release-manager', summary: `${S}/${ENV} now runs ${S}#1 100% — rollback to #1 — answers got worse` });
    expect(await audited('rollout.request', rollout.id)).toHaveLength(1);
  });
});
