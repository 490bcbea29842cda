// Online quality as a rollout objective, end to end on the embedded executor with the real rollout function: a
// canary whose sampled live answers pass the online evals far less often than the stable release's is rolled back
// by itself (its latency and errors as healthy as the stable arm's), naming the pass rates; one within the limit
// completes.
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { environments, evalSuites, evalSuiteVersions, onlineScores, releases, requestLogs, type RolloutPolicy } from '@/db/schema';
import { createRolloutRun } from '@/inngest/functions/rollout-run';
import { rolloutDispatcherFor } from '@/server/rollouts/connect';
import { setRolloutClock } from '@/server/services/rollouts/clock';
import { setRolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { DEFAULT_ANALYSIS, DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { startHarness, type Harness } from '../helpers/executor';
import { seedRegistry } from '../helpers/registry';

let h: Harness;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
let suiteVersionId: string;
const S = 'quality-bot';

beforeAll(async () => {
  h = await startHarness((inngest) => [createRolloutRun(inngest, async () => h.database.db)]);
  setRolloutClock(h.clock.now);
  setRolloutDispatcher(rolloutDispatcherFor(h.inngest, h.database.db));
  ({ api } = await seedRegistry(h.database.db, S));
  await api.releases.create({ service: S, model: `${S}-model@1`, prompts: ['answer@1'], notes: 'candidate' });
  // Online scores name the suite version that scored them.
  const [svc] = await h.database.db.select().from(releases).where(eq(releases.number, 1));
  const [suite] = await h.database.db.insert(evalSuites).values({ serviceId: svc!.serviceId, name: 'online', createdBy: 'test' }).returning();
  const [version] = await h.database.db
    .insert(evalSuiteVersions)
    .values({ suiteId: suite!.id, version: 1, contentHash: 'x', yaml: '', spec: { description: '', environments: null, dataset: null, assertions: [{ type: 'not-is-refusal' }], threshold: 1, gate: { minScore: null, maxRegression: 0.02, alpha: 0.05 }, concurrency: 4, budgetUsd: null }, createdBy: 'test' })
    .returning();
  suiteVersionId = version!.id;
}, 60_000);

afterAll(async () => {
  setRolloutDispatcher(undefined);
  setRolloutClock(undefined);
  await h?.close();
});

const canary: RolloutPolicy = {
  strategy: 'canary',
  steps: [{ weight: 20, bakeMinutes: 0.05 }],
  autoRollback: true,
  analysis: { ...DEFAULT_ANALYSIS, minSamples: 20, intervalSeconds: 1, inconclusiveWaitMinutes: 0.05, maxQualityDrop: 0.1, minQualitySamples: 20 },
};

/** Healthy gateway telemetry for a release, with an online score for each answer: `passing` of `n` pass. */
async function scoredTraffic(environment: string, releaseNumber: number, n: number, passing: number) {
  const db = h.database.db;
  const [release] = await db.select().from(releases).where(eq(releases.number, releaseNumber));
  const [env] = await db.select().from(environments).where(eq(environments.name, environment));
  const now = h.clock.now();
  const ids = Array.from({ length: n }, (_, i) => `req-${environment}-${releaseNumber}-${now.getTime()}-${i}`);
  await db.insert(requestLogs).values(
    ids.map((requestId) => ({
      at: now,
      requestId,
      serviceId: release!.serviceId,
      environment,
      releaseId: release!.id,
      releaseNumber,
      status: 200,
      latencyMs: 300,
      inputTokens: 10,
      outputTokens: 20,
      costUsd: 0.0001,
      features: { inputChars: 10, outputChars: 20, messages: 1, finishReason: 'stop' },
    })),
  );
  await db.insert(onlineScores).values(
    ids.map((requestId, i) => ({
      at: now,
      requestId,
      serviceId: release!.serviceId,
      environmentId: env!.id,
      environment,
      releaseId: release!.id,
      releaseNumber,
      suiteVersionId,
      score: i < passing ? 1 : 0,
      pass: i < passing,
      outcomes: [],
    })),
  );
}

async function settled(environment: string, number: number) {
  return h.until(
    async () => {
      const r = await api.rollouts.get({ service: S, environment, number });
      return ['succeeded', 'rolled-back', 'aborted', 'failed'].includes(r.status) ? r : undefined;
    },
    30_000,
    `rollout ${number} of ${environment} to end`,
  );
}

async function canaryOf(environment: string) {
  await api.environments.create({ service: S, name: environment });
  await api.environments.update({ service: S, environment, protection: DEFAULT_ENVIRONMENTS.dev.protection, rollout: canary, slos: DEFAULT_ENVIRONMENTS.dev.slos });
  await api.environments.deploy({ service: S, environment, routes: [{ release: 1, weight: 100 }] });
  const rollout = await api.rollouts.promote({ service: S, environment, release: 2 });
  await h.until(async () => (await api.environments.get({ service: S, environment })).current?.routes.some((r) => r.releaseNumber === 2 && r.weight === 20) || undefined, 10_000, 'the canary step');
  return rollout;
}

describe('online quality in canary analysis', { timeout: 60_000 }, () => {
  it('rolls back a candidate whose online pass rate is more than maxQualityDrop below the stable release’s', async () => {
    const rollout = await canaryOf('quality-bad');
    await scoredTraffic('quality-bad', 1, 60, 54);
    await scoredTraffic('quality-bad', 2, 30, 15);
    const done = await settled('quality-bad', rollout.number);
    expect(done.status).toBe('rolled-back');
    expect(done.reason).toContain("online pass rate 50.0% is 40.0 points below the stable arm's 90.0% (limit 10.0 points; 30 and 60 scored answers)");
    expect(done.lastAnalysis?.candidate).toMatchObject({ requests: 30, errors: 0, qualityCount: 30, qualityPassRate: 0.5 });
    expect(done.lastAnalysis?.checks.find((c) => c.metric === 'online-quality')).toMatchObject({ kind: 'relative', passed: false, candidate: 0.5, baseline: 0.9, limit: 0.1 });
    const env = await api.environments.get({ service: S, environment: 'quality-bad' });
    expect(env.current?.routes.filter((r) => r.weight > 0).map((r) => [r.releaseNumber, r.weight])).toEqual([[1, 100]]);
  });

  it('completes a candidate within the limit', async () => {
    const rollout = await canaryOf('quality-good');
    await scoredTraffic('quality-good', 1, 60, 54);
    await scoredTraffic('quality-good', 2, 30, 25);
    const done = await settled('quality-good', rollout.number);
    expect(done.status).toBe('succeeded');
    const analysis = done.events.find((e) => e.kind === 'analysis')?.data as { analysis: { checks: { metric: string; passed: boolean; message: string }[] } } | undefined;
    expect(analysis?.analysis.checks.find((c) => c.metric === 'online-quality')).toMatchObject({ passed: true });
  });

  it('validates the limits, naming the field, and keeps them when a client leaves them out', async () => {
    await api.environments.create({ service: S, name: 'quality-settings' });
    const env = { service: S, environment: 'quality-settings' };
    const err = await api.environments.update({ ...env, rollout: { ...canary, analysis: { ...canary.analysis!, maxQualityDrop: 1.5 } } }).catch((e: unknown) => e as Error);
    expect(String(err)).toMatch(/rollout\.analysis\.maxQualityDrop.*between 0 and 1/);
    await expect(api.environments.update({ ...env, rollout: { ...canary, analysis: { ...canary.analysis!, minQualitySamples: 0 } } })).rejects.toThrow(/minQualitySamples/);
    await api.environments.update({ ...env, rollout: { ...canary, analysis: { ...canary.analysis!, maxQualityDrop: 0.05, minQualitySamples: 50 } } });
    // A client written before these limits existed sends the analysis without them: the saved ones stay.
    const { maxQualityDrop: _d, minQualitySamples: _m, ...older } = canary.analysis!;
    await api.environments.update({ ...env, rollout: { ...canary, analysis: older as typeof canary.analysis } });
    const saved = await api.environments.get(env);
    expect(saved.rollout.analysis).toMatchObject({ maxQualityDrop: 0.05, minQualitySamples: 50 });
  });
});
