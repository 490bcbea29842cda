// The release flow on the embedded executor with the real rollout function: approvals (N approvers, no
// self-approval, rejection, timeout), branch rules, canary analysis on telemetry (a degraded candidate is
// rolled back by itself, a healthy one completes every step), pause/resume, abort and one-click rollback.
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvalRequests, releases, requestLogs, type RolloutPolicy } from '@/db/schema';
import { createRolloutRun } from '@/inngest/functions/rollout-run';
import type { Actor } from '@/server/auth/actor';
import { setRolloutClock } from '@/server/services/rollouts/clock';
import { setRolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { rolloutDispatcherFor } from '@/server/rollouts/connect';
import { DEFAULT_ANALYSIS, DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { createRelease } from '@/server/services/releases/create';
import { callerFor, makeUser } from '../helpers/actors';
import { startHarness, type Harness } from '../helpers/executor';
import { seedRegistry } from '../helpers/registry';
import { startTestUpstream, type TestUpstream } from '../helpers/upstream';

let h: Harness;
let api: ReturnType<typeof callerFor>;
let engineer: ReturnType<typeof callerFor>;
let approverA: ReturnType<typeof callerFor>;
let approverB: ReturnType<typeof callerFor>;
let engineerActor: Actor;
const S = 'support-bot';

beforeAll(async () => {
  // The app's own rollout function and event wiring (start, signal, finished, notify), on the test executor.
  h = await startHarness((inngest) => [createRolloutRun(inngest, async () => h.database.db)]);
  // The release flow reads the executor's clock, which the timeout test moves forward.
  setRolloutClock(h.clock.now);
  setRolloutDispatcher(rolloutDispatcherFor(h.inngest, h.database.db));
  const db = h.database.db;
  ({ api } = await seedRegistry(db));
  await api.releases.create({ service: S, model: 'support-bot-model@1', prompts: ['answer@1'], notes: 'second' });
  await api.releases.create({ service: S, model: 'support-bot-model@1', prompts: ['answer@1'], notes: 'third' });
  engineerActor = await makeUser(db, { role: 'engineer' });
  engineer = callerFor(db, engineerActor);
  approverA = callerFor(db, await makeUser(db, { role: 'approver' }));
  approverB = callerFor(db, await makeUser(db, { role: 'approver' }));
}, 60_000);

afterAll(async () => {
  setRolloutDispatcher(undefined);
  setRolloutClock(undefined);
  await h?.close();
});

const allAtOnce: RolloutPolicy = { strategy: 'all-at-once', autoRollback: true, bakeMinutes: 0, analysis: DEFAULT_ANALYSIS };

async function configure(environment: string, protection: Partial<typeof DEFAULT_ENVIRONMENTS.production.protection>, rollout: RolloutPolicy = allAtOnce, slos = DEFAULT_ENVIRONMENTS.dev.slos) {
  await api.environments.update({ service: S, environment, protection: { ...DEFAULT_ENVIRONMENTS.dev.protection, ...protection }, rollout, slos });
}

async function settled(environment: string, number: number, timeoutMs = 20_000) {
  return h.until(
    async () => {
      const r = await api.rollouts.get({ service: S, environment, number });
      return ['succeeded', 'rolled-back', 'aborted', 'rejected', 'approval-timed-out', 'failed'].includes(r.status) ? r : undefined;
    },
    timeoutMs,
    `rollout ${number} of ${environment} to end`,
  );
}

async function routes(environment: string) {
  const env = await api.environments.get({ service: S, environment });
  return env.current?.routes.filter((r) => r.weight > 0).map((r) => [r.releaseNumber, r.weight]);
}

describe('approvals', () => {
  it('need N approvers other than the requester; then the rollout runs', async () => {
    await api.environments.create({ service: S, name: 'prod-a' });
    await configure('prod-a', { requiredApprovals: 2, preventSelfApproval: true });
    const approverSelf = await makeUser(h.database.db, { role: 'approver' });
    const self = callerFor(h.database.db, approverSelf);
    const rollout = await self.rollouts.promote({ service: S, environment: 'prod-a', release: 2, reason: 'ship it' });
    expect(rollout.status).toBe('awaiting-approval');
    const [request] = (await api.approvals.list({})).filter((a) => a.rollout.number === rollout.number && a.environment === 'prod-a');
    expect(request).toMatchObject({ required: 2, approvals: 0, requestedBy: approverSelf.email });
    // The requester may not approve their own rollout, and engineers may not approve at all.
    await expect(self.approvals.decide({ id: request!.id, decision: 'approve' })).rejects.toThrow(/someone else must approve/);
    await expect(engineer.approvals.decide({ id: request!.id, decision: 'approve' })).rejects.toThrow(/approvals:decide/);
    expect((await self.approvals.get({ id: request!.id })).whyNot).toMatch(/someone else/);
    expect(await approverA.approvals.decide({ id: request!.id, decision: 'approve', comment: 'diff looks fine' })).toMatchObject({ status: 'pending', approvals: 1, required: 2 });
    await expect(approverA.approvals.decide({ id: request!.id, decision: 'approve' })).rejects.toThrow(/already decided/);
    expect((await api.rollouts.get({ service: S, environment: 'prod-a', number: rollout.number })).status).toBe('awaiting-approval');
    expect(await approverB.approvals.decide({ id: request!.id, decision: 'approve' })).toMatchObject({ status: 'approved', approvals: 2 });
    const done = await settled('prod-a', rollout.number);
    expect(done.status).toBe('succeeded');
    expect(await routes('prod-a')).toEqual([[2, 100]]);
    expect(done.approval?.decisions.map((d) => d.comment)).toEqual(['diff looks fine', '']);
    const audit = JSON.stringify(await api.audit.list({ limit: 200 }));
    for (const action of ['rollout.request', 'approval.approve', 'rollout.succeeded']) expect(audit).toContain(action);
  });

  it('a rejection ends the rollout and changes nothing', async () => {
    await api.environments.create({ service: S, name: 'prod-b' });
    await configure('prod-b', { requiredApprovals: 1 });
    await api.environments.deploy({ service: S, environment: 'prod-b', routes: [{ release: 1, weight: 100 }], bypass: { reason: 'set up the stable release' } });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'prod-b', release: 2 });
    const request = (await api.approvals.list({})).find((a) => a.environment === 'prod-b')!;
    expect(await approverA.approvals.decide({ id: request.id, decision: 'reject', comment: 'not this week' })).toMatchObject({ status: 'rejected' });
    const done = await settled('prod-b', rollout.number);
    expect(done).toMatchObject({ status: 'rejected' });
    expect(done.reason).toContain('not this week');
    expect(await routes('prod-b')).toEqual([[1, 100]]);
  });

  it('a request that expires fails the rollout as approval timed out', async () => {
    await api.environments.create({ service: S, name: 'prod-c' });
    await configure('prod-c', { requiredApprovals: 1, approvalTimeoutMinutes: 30 });
    const before = h.clock.now().getTime();
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'prod-c', release: 2 });
    const after = h.clock.now().getTime();
    // The request expires the environment's approvalTimeoutMinutes after it was made.
    const [stored] = await h.database.db.select().from(approvalRequests).where(eq(approvalRequests.rolloutId, rollout.id));
    expect(stored!.expiresAt.getTime()).toBeGreaterThanOrEqual(before + 30 * 60_000);
    expect(stored!.expiresAt.getTime()).toBeLessThanOrEqual(after + 30 * 60_000);
    await h.until(async () => (await h.runs('test-app-rollout-run')).length > 0, 10_000, 'the rollout function to start');
    // Twenty-nine minutes on, it is still open; two more and it has expired: the executor's clock fires the wait.
    h.clock.advance(29 * 60_000);
    expect((await approverA.approvals.list({ status: 'pending' })).find((a) => a.environment === 'prod-c')).toMatchObject({ status: 'pending', canDecide: true });
    h.clock.advance(2 * 60_000);
    const done = await settled('prod-c', rollout.number);
    expect(done.status).toBe('approval-timed-out');
    expect(done.reason).toMatch(/approval timed out after 30 min with 0 of 1/);
    expect(done.approval?.status).toBe('timed-out');
    const request = (await api.approvals.list({ status: 'all' })).find((a) => a.environment === 'prod-c')!;
    await expect(approverA.approvals.decide({ id: request.id, decision: 'approve' })).rejects.toThrow(/already timed-out/);
  });
});

describe('branch rules', () => {
  it('only releases built from an allowed branch may go to the environment', async () => {
    await api.environments.create({ service: S, name: 'prod-d' });
    await configure('prod-d', { allowedBranches: ['main', 'release/*'] });
    await expect(engineer.rollouts.promote({ service: S, environment: 'prod-d', release: 2 })).rejects.toThrow(/only takes releases built from main, release\/\*; #2 was not built from a branch/);
    const system = { actor: { kind: 'system' as const, job: 'test-pipeline' }, db: h.database.db, requestId: null };
    const feature = await createRelease(system, { service: S, model: 'support-bot-model@1', prompts: ['answer@1'], branch: 'feature/x', source: 'pipeline' });
    await expect(engineer.rollouts.promote({ service: S, environment: 'prod-d', release: feature.number })).rejects.toThrow(/was built from feature\/x/);
    const fromRelease = await createRelease(system, { service: S, model: 'support-bot-model@1', prompts: ['answer@1'], branch: 'release/2026-11', source: 'pipeline' });
    const ok = await engineer.rollouts.promote({ service: S, environment: 'prod-d', release: fromRelease.number });
    expect((await settled('prod-d', ok.number)).status).toBe('succeeded');
    // People cannot claim a branch for a release they make.
    await expect(engineer.releases.create({ service: S, model: 'support-bot-model@1', branch: 'main' })).rejects.toThrow(/only pipeline runs record the branch/);
    expect((await h.database.db.select().from(releases).where(and(eq(releases.number, feature.number)))).length).toBe(1);
  });
});

/** Writes gateway telemetry for a release, as the gateway would: `errors` of `n` failing, latency around `ms`. */
async function traffic(environment: string, releaseNumber: number, n: number, errors: number, ms: number) {
  const [release] = await h.database.db.select().from(releases).where(eq(releases.number, releaseNumber));
  // Every row at the same instant: spreading them back in time could put the oldest before the step started
  // (the routes were read moments after it), and the analysis window would then miss them.
  const now = h.clock.now().getTime();
  await h.database.db.insert(requestLogs).values(
    Array.from({ length: n }, (_, i) => ({
      at: new Date(now),
      requestId: `req-${environment}-${releaseNumber}-${now}-${i}`,
      serviceId: release!.serviceId,
      environment,
      releaseId: release!.id,
      releaseNumber,
      status: i < errors ? 502 : 200,
      latencyMs: ms + (i % 10),
      inputTokens: 10,
      outputTokens: 20,
      costUsd: 0.0001,
      features: { inputChars: 10, outputChars: 20, messages: 1, finishReason: 'stop' },
    })),
  );
}

describe('canary analysis', () => {
  const canary = (autoRollback = true): RolloutPolicy => ({
    strategy: 'canary',
    steps: [
      { weight: 10, bakeMinutes: 0.05 },
      { weight: 50, bakeMinutes: 0.05 },
    ],
    autoRollback,
    analysis: { ...DEFAULT_ANALYSIS, minSamples: 20, intervalSeconds: 1, inconclusiveWaitMinutes: 0.05 },
  });
  const slos = { ...DEFAULT_ENVIRONMENTS.dev.slos, maxErrorRate: 0.05, p95LatencyMs: 2000 };

  it('rolls a degraded candidate back by itself, with the reason and the figures', async () => {
    await api.environments.create({ service: S, name: 'canary-bad' });
    await configure('canary-bad', {}, canary(), slos);
    await api.environments.deploy({ service: S, environment: 'canary-bad', routes: [{ release: 1, weight: 100 }] });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'canary-bad', release: 2 });
    await h.until(async () => (await routes('canary-bad'))?.length === 2, 10_000, 'the first canary step');
    expect(await routes('canary-bad')).toEqual([
      [1, 90],
      [2, 10],
    ]);
    await traffic('canary-bad', 1, 200, 0, 300);
    await traffic('canary-bad', 2, 40, 12, 900);
    const done = await settled('canary-bad', rollout.number);
    expect(done.status).toBe('rolled-back');
    expect(done.reason).toMatch(/analysis at step 1 failed: .*error rate 30\.0% is above the SLO of 5\.0%/);
    expect(done.lastAnalysis?.candidate).toMatchObject({ requests: 40, errors: 12 });
    expect(await routes('canary-bad')).toEqual([[1, 100]]);
    const history = await api.environments.history({ service: S, environment: 'canary-bad' });
    expect(history.items[0]).toMatchObject({ kind: 'rollback' });
  });

  it('takes a healthy candidate through every step to all traffic', async () => {
    await api.environments.create({ service: S, name: 'canary-good' });
    await configure('canary-good', {}, canary(), slos);
    await api.environments.deploy({ service: S, environment: 'canary-good', routes: [{ release: 1, weight: 100 }] });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'canary-good', release: 2 });
    const seen = new Set<string>();
    const feed = setInterval(() => {
      void traffic('canary-good', 1, 30, 0, 300).catch(() => undefined);
      void traffic('canary-good', 2, 30, 0, 310).catch(() => undefined);
      void routes('canary-good').then((r) => seen.add(JSON.stringify(r)));
    }, 500);
    try {
      const done = await settled('canary-good', rollout.number, 30_000);
      expect(done.status).toBe('succeeded');
      expect(done.events.filter((e) => e.kind === 'step').map((e) => e.message)).toEqual(['step 1 of 3: 10% to #2', 'step 2 of 3: 50% to #2', 'step 3 of 3: 100% to #2']);
      expect(done.events.filter((e) => e.kind === 'analysis').length).toBe(2);
    } finally {
      clearInterval(feed);
    }
    expect(await routes('canary-good')).toEqual([[2, 100]]);
    expect([...seen]).toContain(JSON.stringify([[1, 50], [2, 50]]));
  });

  it('pauses for a person when there is not enough traffic to decide, and resumes', async () => {
    await api.environments.create({ service: S, name: 'canary-quiet' });
    await configure('canary-quiet', {}, canary(), slos);
    await api.environments.deploy({ service: S, environment: 'canary-quiet', routes: [{ release: 1, weight: 100 }] });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'canary-quiet', release: 2 });
    const paused = await h.until(async () => {
      const r = await api.rollouts.get({ service: S, environment: 'canary-quiet', number: rollout.number });
      return r.status === 'paused' ? r : undefined;
    }, 20_000, 'the rollout to pause');
    expect(paused.reason).toMatch(/inconclusive .*not enough traffic/);
    expect(await routes('canary-quiet')).toEqual([
      [1, 90],
      [2, 10],
    ]);
    // A person promotes it now: the remaining steps are skipped.
    await expect(engineer.rollouts.resume({ service: S, environment: 'canary-quiet', number: rollout.number })).resolves.toMatchObject({ status: 'running' });
    await engineer.rollouts.promoteNow({ service: S, environment: 'canary-quiet', number: rollout.number, reason: 'quiet hours' });
    const done = await settled('canary-quiet', rollout.number);
    expect(done.status).toBe('succeeded');
    expect(await routes('canary-quiet')).toEqual([[2, 100]]);
    const audit = JSON.stringify(await api.audit.list({ limit: 200 }));
    for (const action of ['rollout.pause', 'rollout.resume', 'rollout.promote-now']) expect(audit).toContain(action);
  });
});

describe('abort and rollback', () => {
  it('abort returns the environment to what it ran before', async () => {
    await api.environments.create({ service: S, name: 'abort-env' });
    await configure('abort-env', {}, { strategy: 'canary', steps: [{ weight: 20, bakeMinutes: 5 }], autoRollback: true, analysis: DEFAULT_ANALYSIS });
    await api.environments.deploy({ service: S, environment: 'abort-env', routes: [{ release: 1, weight: 100 }] });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'abort-env', release: 2 });
    await h.until(async () => (await routes('abort-env'))?.length === 2, 10_000, 'the canary step');
    await engineer.rollouts.pause({ service: S, environment: 'abort-env', number: rollout.number });
    await expect(engineer.rollouts.pause({ service: S, environment: 'abort-env', number: rollout.number })).rejects.toThrow(/only a running rollout can be paused/);
    await engineer.rollouts.abort({ service: S, environment: 'abort-env', number: rollout.number, reason: 'wrong release' });
    const done = await settled('abort-env', rollout.number);
    expect(done).toMatchObject({ status: 'aborted' });
    expect(await routes('abort-env')).toEqual([[1, 100]]);
  });

  it('one-click rollback needs an approver, goes to the previous release or any earlier one, and ends a rollout in progress', async () => {
    await api.environments.create({ service: S, name: 'rb-env' });
    await configure('rb-env', {});
    await api.environments.deploy({ service: S, environment: 'rb-env', routes: [{ release: 1, weight: 100 }] });
    await api.environments.deploy({ service: S, environment: 'rb-env', routes: [{ release: 2, weight: 100 }] });
    await api.environments.deploy({ service: S, environment: 'rb-env', routes: [{ release: 3, weight: 100 }] });
    await expect(engineer.rollouts.rollback({ service: S, environment: 'rb-env' })).rejects.toThrow(/environments:rollback/);
    expect(await approverA.rollouts.rollback({ service: S, environment: 'rb-env', reason: 'errors' })).toMatchObject({ routes: [{ releaseNumber: 2, weight: 100 }] });
    expect(await approverA.rollouts.rollback({ service: S, environment: 'rb-env', to: 1 })).toMatchObject({ routes: [{ releaseNumber: 1, weight: 100 }] });
    await expect(approverA.rollouts.rollback({ service: S, environment: 'rb-env', to: 1 })).rejects.toThrow(/already runs #1 100%/);
    await expect(approverA.rollouts.rollback({ service: S, environment: 'rb-env', to: 4 })).rejects.toThrow(/never served/);
    // A rollout in progress ends as rolled back.
    await configure('rb-env', {}, { strategy: 'canary', steps: [{ weight: 30, bakeMinutes: 5 }], autoRollback: true, analysis: DEFAULT_ANALYSIS });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'rb-env', release: 3 });
    await h.until(async () => (await routes('rb-env'))?.length === 2, 10_000, 'the canary step');
    await approverA.rollouts.rollback({ service: S, environment: 'rb-env' });
    const done = await settled('rb-env', rollout.number);
    expect(done.status).toBe('rolled-back');
    expect(await routes('rb-env')).toEqual([[1, 100]]);
    const history = await api.environments.history({ service: S, environment: 'rb-env' });
    expect(JSON.stringify(history)).toContain('"kind":"rollback"');
  });
});

describe('blue-green', () => {
  let upstream: TestUpstream;
  // Releases on a model endpoint that answers, and on one that answers 500 to everything.
  let healthy: number;
  let broken: number;
  beforeAll(async () => {
    upstream = await startTestUpstream();
    for (const upstreamModel of ['ok-1', 'fail-1']) {
      await api.models.register({ model: 'bg-model', providerKind: 'openai-compatible', baseUrl: upstream.url, upstreamModel });
    }
    healthy = (await api.releases.create({ service: S, model: 'bg-model@1', prompts: ['answer@1'], notes: 'blue-green healthy' })).number;
    broken = (await api.releases.create({ service: S, model: 'bg-model@2', prompts: ['answer@1'], notes: 'blue-green broken' })).number;
  });
  afterAll(() => upstream?.close());

  const blueGreen = (rollbackWindowMinutes: number): RolloutPolicy => ({
    strategy: 'blue-green',
    bakeMinutes: 0.05,
    rollbackWindowMinutes,
    autoRollback: true,
    analysis: { ...DEFAULT_ANALYSIS, minSamples: 20, intervalSeconds: 1 },
  });
  const slos = { ...DEFAULT_ENVIRONMENTS.dev.slos, maxErrorRate: 0.05, p95LatencyMs: 2000 };

  it('rolls back before the switch when the warmed release fails its smoke check, having served no one', async () => {
    await api.environments.create({ service: S, name: 'bg-smoke' });
    await configure('bg-smoke', {}, blueGreen(1), slos);
    await api.environments.deploy({ service: S, environment: 'bg-smoke', routes: [{ release: healthy, weight: 100 }] });
    const seen = new Set<string>();
    const watch = setInterval(() => void routes('bg-smoke').then((r) => seen.add(JSON.stringify(r))), 100);
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'bg-smoke', release: broken });
    const done = await settled('bg-smoke', rollout.number).finally(() => clearInterval(watch));
    expect(done.status).toBe('rolled-back');
    expect(done.reason).toMatch(new RegExp(`smoke check of #${broken} failed: request 1 answered 500; request 2 answered 500; request 3 answered 500`));
    expect(upstream.calls.filter((c) => c.model === 'fail-1')).toHaveLength(3);
    expect(await routes('bg-smoke')).toEqual([[healthy, 100]]);
    // Warmed at 0%, never switched: no routing table ever gave the broken release a share.
    expect([...seen].every((r) => !JSON.parse(r).some(([n, w]: [number, number]) => n === broken && w > 0))).toBe(true);
  });

  it('rolls back inside the rollback window when the new release breaches its objectives, to the old one kept warm', async () => {
    await api.environments.create({ service: S, name: 'bg-window' });
    await configure('bg-window', {}, blueGreen(0.5), slos);
    await api.environments.deploy({ service: S, environment: 'bg-window', routes: [{ release: 1, weight: 100 }] });
    const rollout = await engineer.rollouts.promote({ service: S, environment: 'bg-window', release: healthy });
    // The smoke check passed and all traffic switched; the old release is held at 0% for the window.
    await h.until(async () => JSON.stringify(await routes('bg-window')) === JSON.stringify([[healthy, 100]]), 15_000, 'the switch');
    const during = await api.rollouts.get({ service: S, environment: 'bg-window', number: rollout.number });
    expect(during.status).toBe('running');
    expect(during.events.map((e) => e.kind)).toContain('smoke-check');
    const env = await api.environments.get({ service: S, environment: 'bg-window' });
    expect(env.current?.routes.map((r) => [r.releaseNumber, r.weight])).toEqual([
      [healthy, 100],
      [1, 0],
    ]);
    // Past the bake, inside the window: the rollout still holds the old release, and a breach now rolls back.
    const bakeEnds = during.stepStartedAt!.getTime() + 3_000;
    await h.until(async () => h.clock.now().getTime() > bakeEnds + 200, 10_000, 'the end of the bake');
    expect((await api.rollouts.get({ service: S, environment: 'bg-window', number: rollout.number })).status).toBe('running');
    await traffic('bg-window', healthy, 40, 12, 300);
    const done = await settled('bg-window', rollout.number);
    expect(done.status).toBe('rolled-back');
    expect(done.reason).toMatch(/analysis at step 2 failed: .*error rate 30\.0% is above the SLO of 5\.0%/);
    expect(await routes('bg-window')).toEqual([[1, 100]]);
    const history = await api.environments.history({ service: S, environment: 'bg-window' });
    expect(history.items[0]).toMatchObject({ kind: 'rollback' });
  });
});

