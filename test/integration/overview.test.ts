// The overview's reads: approvals listed only for those who may decide them (not the requester, not twice, not
// engineers or viewers), what is rolling out at which step, recent failures and rollbacks (and nothing that went
// well or long ago), SLO status of production environments and today's spend from the rollups; and the context
// lists carry (where a release runs, the rollout in progress in an environment).
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipelineDefinitions, pipelineRuns, rollupsMinute, services } from '@/db/schema';
import { bucketOf } from '@/server/lib/histogram';
import { DEFAULT_ANALYSIS, DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { asEngine, setRollout } from '@/server/services/rollouts/records';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

const S = 'support-bot';
let database: TestDatabase;
let api: ReturnType<typeof callerFor>;
let serviceId: string;

beforeAll(async () => {
  database = await freshDatabase();
  ({ api } = await seedRegistry(database.db, S));
  await api.releases.create({ service: S, model: 'support-bot-model@1', prompts: ['answer@1'], notes: 'second' });
  await api.releases.create({ service: S, model: 'support-bot-model@1', prompts: ['answer@1'], notes: 'third' });
  const [service] = await database.db.select({ id: services.id }).from(services).where(eq(services.name, S));
  serviceId = service!.id;
  for (const environment of ['staging', 'production'] as const) {
    await api.environments.update({ service: S, environment, protection: { ...DEFAULT_ENVIRONMENTS[environment].protection, requiredGates: [], allowedBranches: [] } });
  }
}, 60_000);
afterAll(async () => {
  await database?.close();
});

describe('pending approvals for me', () => {
  it('lists a request only to approvers who may decide it and have not', async () => {
    const db = database.db;
    const [requester, first, second, engineer, viewer] = await Promise.all([
      makeUser(db, { role: 'approver' }),
      makeUser(db, { role: 'approver' }),
      makeUser(db, { role: 'approver' }),
      makeUser(db, { role: 'engineer' }),
      makeUser(db, { role: 'viewer' }),
    ]);
    await api.environments.update({ service: S, environment: 'production', protection: { ...DEFAULT_ENVIRONMENTS.production.protection, requiredGates: [], allowedBranches: [], requiredApprovals: 2, preventSelfApproval: true } });
    const rollout = await callerFor(db, requester).rollouts.promote({ service: S, environment: 'production', release: 2, reason: 'better answers' });
    expect(rollout.status).toBe('awaiting-approval');
    const mine = (actor: typeof requester) => callerFor(db, actor).overview.myApprovals();

    expect(await mine(requester)).toEqual([]);
    expect(await mine(engineer)).toEqual([]);
    expect(await mine(viewer)).toEqual([]);
    const [request] = await mine(first);
    expect(request).toMatchObject({ service: S, environment: 'production', release: { ref: `${S}#2` }, approvals: 0, required: 2, canDecide: true });
    expect((await mine(second)).map((a) => a.id)).toEqual([request!.id]);

    // One approval of two: the request stays open, but not for the one who already approved.
    await callerFor(db, first).approvals.decide({ id: request!.id, decision: 'approve' });
    expect(await mine(first)).toEqual([]);
    expect(await mine(second)).toMatchObject([{ id: request!.id, approvals: 1 }]);

    // Rolling out now shows it waiting for approval, with the approvals so far.
    const live = await callerFor(db, viewer).overview.rollingOut();
    expect(live.find((r) => r.environment === 'production')).toMatchObject({ status: 'awaiting-approval', release: { number: 2 }, approval: { approvals: 1, required: 2 }, step: null });
  });
});

describe('rolling out now', () => {
  it('says which step a rollout has reached, of how many, and its weight', async () => {
    await api.environments.update({ service: S, environment: 'staging', rollout: { strategy: 'canary', steps: [{ weight: 10, bakeMinutes: 30 }, { weight: 50, bakeMinutes: 30 }], autoRollback: true, analysis: DEFAULT_ANALYSIS } });
    await api.environments.deploy({ service: S, environment: 'staging', routes: [{ release: 1, weight: 100 }], bypass: { reason: 'the stable release' } });
    const rollout = await api.rollouts.promote({ service: S, environment: 'staging', release: 3 });
    expect((await api.overview.rollingOut()).find((r) => r.environment === 'staging')).toMatchObject({ number: rollout.number, status: 'waiting', step: null, steps: 3, weight: 0 });
    // The engine reaches the first step: 10% to #3.
    await asEngine(database.db, rollout.id, (ctx) => setRollout(ctx, rollout.id, { status: 'running', stepIndex: 0, weight: 10, stepStartedAt: new Date() }));
    expect((await api.overview.rollingOut()).find((r) => r.environment === 'staging')).toMatchObject({
      service: S,
      status: 'running',
      strategy: 'canary',
      release: { number: 3, ref: `${S}#3` },
      step: { number: 1, of: 3, description: '10% to #3' },
      weight: 10,
    });
    // Lists carry the same context: the environment's rollout in progress, where each release runs, and which
    // releases pin a model version.
    const [listed] = await api.services.list({});
    expect(listed!.environments.find((e) => e.name === 'staging')!.activeRollout).toMatchObject({ number: rollout.number, status: 'running', releaseNumber: 3, weight: 10 });
    expect(listed!.environments.find((e) => e.name === 'dev')!.activeRollout).toBeNull();
    const releases = await api.releases.list({ service: S });
    expect(releases.map((r) => [r.number, r.runningIn])).toEqual([
      [3, []],
      [2, []],
      [1, [{ environment: 'staging', weight: 100 }]],
    ]);
    expect((await api.releases.get({ service: S, number: 1 })).runningIn).toEqual([{ environment: 'staging', weight: 100 }]);
    const model = await api.models.get({ name: 'support-bot-model' });
    expect(model.versions[0]!.releases.map((r) => [r.ref, r.runningIn.map((p) => p.environment)])).toEqual([
      [`${S}#3`, []],
      [`${S}#2`, []],
      [`${S}#1`, ['staging']],
    ]);
  });
});

describe('recent failures and rollbacks', () => {
  it('lists failed runs, aborted rollouts and rollbacks newest first, and leaves out what succeeded or is too old', async () => {
    const db = database.db;
    // The staging canary is aborted; dev is rolled back from #2 to #1 in one click.
    const staging = await api.rollouts.current({ service: S, environment: 'staging' });
    await api.rollouts.abort({ service: S, environment: 'staging', number: staging!.rollout.number, reason: 'wrong build' });
    await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 1, weight: 100 }] });
    await api.environments.deploy({ service: S, environment: 'dev', routes: [{ release: 2, weight: 100 }] });
    await api.rollouts.rollback({ service: S, environment: 'dev', reason: 'answers got worse' });
    // A pipeline run that failed today, one that failed long ago and one that passed, as the pipeline engine records them.
    const [definition] = await db.insert(pipelineDefinitions).values({ serviceId, version: 1, yaml: 'stages: []', definition: { stages: [], branches: [] }, createdBy: 'test' }).returning();
    const run = (number: number, status: 'failed' | 'passed', endedAt: Date) => ({
      serviceId,
      number,
      definitionId: definition!.id,
      status,
      trigger: { kind: 'manual' as const, provider: null, branch: 'main', commit: null, author: null, message: null, deliveryId: null },
      mode: 'evaluate' as const,
      error: status === 'failed' ? `step "unit" failed (run ${number})` : null,
      createdBy: 'test',
      createdAt: new Date(endedAt.getTime() - 60_000),
      endedAt,
    });
    await db.insert(pipelineRuns).values([run(1, 'failed', new Date(Date.now() - 30 * 86_400_000)), run(2, 'passed', new Date()), run(3, 'failed', new Date(Date.now() - 3_600_000))]);

    const failures = await callerFor(db, await makeUser(db, { role: 'viewer' })).overview.failures({ days: 7 });
    expect(failures.map((f) => [f.kind, f.environment, f.number, f.status])).toEqual([
      ['rollback', 'dev', 1, 'succeeded'],
      ['rollout', 'staging', staging!.rollout.number, 'aborted'],
      ['pipeline-run', null, 3, 'failed'],
    ]);
    expect(failures[0]!.message).toContain('answers got worse');
    expect(failures[1]!.message).toContain('wrong build');
    expect(failures[2]).toMatchObject({ service: S, message: 'step "unit" failed (run 3)' });
    // The limit keeps the newest.
    expect((await api.overview.failures({ days: 7, limit: 1 })).map((f) => f.kind)).toEqual(['rollback']);
    await expect(api.overview.failures({ days: 0 })).rejects.toThrow(/days/);
  });
});

describe('SLO status and spend today', () => {
  it('compares each production environment with its objectives over the last hour of rollups, and sums today', async () => {
    const db = database.db;
    await api.environments.update({ service: S, environment: 'production', slos: { ...DEFAULT_ENVIRONMENTS.production.slos, maxErrorRate: 0.05, p95LatencyMs: 1000, maxCostPerRequestUsd: null, p95TtftMs: null } });
    const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const midnight = new Date(Date.UTC(minute.getUTCFullYear(), minute.getUTCMonth(), minute.getUTCDate()));
    const row = (bucket: Date, environment: string, requests: number, errors: number, costUsd: number): typeof rollupsMinute.$inferInsert => ({
      bucket,
      serviceId,
      environment,
      releaseNumber: 1,
      shadow: false,
      requests,
      errors,
      errorsByClass: errors ? { upstream_error: errors } : ({} as Record<string, number>),
      latencyBuckets: [bucketOf(200)],
      latencyCounts: [requests],
      ttftBuckets: [],
      ttftCounts: [],
      inputTokens: requests * 100,
      outputTokens: requests * 50,
      costUsd,
      feedbackCount: 0,
      feedbackSum: 0,
      fallbacks: 0,
    });
    await db.insert(rollupsMinute).values([
      // Production: 10% errors in the last hour (above 5%), p95 about 200 ms (within 1000 ms).
      row(minute, 'production', 100, 10, 0.25),
      // Yesterday's traffic counts for neither: before midnight and more than an hour ago (just after midnight, the
      // minute before it is still within the last hour).
      row(new Date(Math.min(midnight.getTime(), minute.getTime() - 3_600_000) - 60_000), 'production', 1000, 0, 9),
      row(minute, 'dev', 20, 0, 0.05),
    ]);
    const [production] = await api.overview.slos();
    expect(production).toMatchObject({ service: S, environment: 'production', requests: 100, errors: 10, errorRate: 0.1, state: 'breached' });
    expect(production!.objectives.map((o) => [o.metric, o.limit, o.met])).toEqual([
      ['error-rate', 0.05, false],
      ['p95-latency', 1000, true],
    ]);
    // Within the histogram's bucket width (10%) of the 200 ms every request took.
    expect(Math.abs(production!.p95LatencyMs! - 200)).toBeLessThanOrEqual(20);

    const spend = await api.overview.spend();
    expect(spend.totalUsd).toBeCloseTo(0.3, 10);
    expect(spend).toMatchObject({ requests: 120, services: [{ service: S, requests: 120 }] });
  });

  it('says when production has had no traffic', async () => {
    await api.services.create({ name: 'quiet-bot' });
    const quiet = (await api.overview.slos()).find((e) => e.service === 'quiet-bot');
    expect(quiet).toMatchObject({ environment: 'production', requests: 0, errorRate: null, p95LatencyMs: null });
    // The default production SLOs set objectives; what is missing is traffic.
    expect(quiet!.state).toBe('no-traffic');
  });
});
