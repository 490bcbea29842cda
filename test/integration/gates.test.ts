// Gates are binding: promote, the pipeline deploy step and the direct deploy each refuse a release without a
// passing result of every gate the environment requires, against the release the environment serves now; an
// admin's audited override lets it in; a rollback to a release that served there is not held back.
import { TRPCError } from '@trpc/server';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasets, datasetVersions, environments, evalRuns, evalSuites, evalSuiteVersions, gateResults, releases, services, type EvalSuiteSpec } from '@/db/schema';
import { inlineRollout, runPipelineHere } from '../helpers/inline-rollout';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

const S = 'support-bot';
let database: TestDatabase;
let admin: ReturnType<typeof callerFor>;
let engineer: ReturnType<typeof callerFor>;
let suiteVersionId: string;

const failure = async (p: Promise<unknown>) =>
  p.then(
    () => null,
    (e: unknown) => {
      if (!(e instanceof TRPCError)) throw e;
      return { code: e.code, message: e.message };
    },
  );

async function ids(environment: string, release: number) {
  const [svc] = await database.db.select().from(services).where(eq(services.name, S));
  const [env] = await database.db.select().from(environments).where(and(eq(environments.serviceId, svc!.id), eq(environments.name, environment)));
  const [rel] = await database.db.select().from(releases).where(and(eq(releases.serviceId, svc!.id), eq(releases.number, release)));
  return { serviceId: svc!.id, environmentId: env!.id, releaseId: rel!.id };
}

/** A verdict as an eval run writes it, for the state a test needs. */
async function result(environment: string, release: number, baseline: number | null, passed: boolean, reasons: string[] = []) {
  const { environmentId, releaseId } = await ids(environment, release);
  const baselineReleaseId = baseline === null ? null : (await ids(environment, baseline)).releaseId;
  await database.db.insert(gateResults).values({ releaseId, environmentId, gate: 'eval', baselineReleaseId, suiteVersionId, passed, score: passed ? 0.91 : 0.62, baselineScore: 0.9, pValue: passed ? 0.8 : 0.001, reasons });
}

const serving = async (environment: string) => (await admin.environments.get({ service: S, environment })).current?.routes.map((r) => `#${r.releaseNumber} ${r.weight}%`);

beforeAll(async () => {
  database = await freshDatabase();
  ({ api: admin } = await seedRegistry(database.db, S));
  engineer = callerFor(database.db, await makeUser(database.db, { role: 'engineer' }));
  // #1 and #2 served before the gates were required; #3 to #6 are candidates.
  for (let n = 2; n <= 6; n++) await admin.releases.create({ service: S, model: 'support-bot-model@1', prompts: ['answer@1'], notes: `release ${n}` });
  await admin.pipelines.saveDefinition({ service: S, yaml: 'stages:\n  - name: deliver\n    steps:\n      - name: deploy\n        type: deploy\n' });
  for (const name of ['via-promote', 'via-pipeline', 'via-deploy']) {
    await admin.environments.create({ service: S, name });
    await admin.environments.deploy({ service: S, environment: name, routes: [{ release: 1, weight: 100 }] });
    await admin.environments.deploy({ service: S, environment: name, routes: [{ release: 2, weight: 100 }] });
    const env = await admin.environments.get({ service: S, environment: name });
    await admin.environments.update({ service: S, environment: name, protection: { ...env.protection, requiredGates: ['eval'] } });
  }
  // The suite whose verdicts decide the eval gate (written as the suites verb would; its rows are what matter here).
  const { serviceId } = await ids('via-promote', 1);
  const [ds] = await database.db.insert(datasets).values({ serviceId, name: 'questions', createdBy: 'test' }).returning();
  const [dv] = await database.db.insert(datasetVersions).values({ datasetId: ds!.id, version: 1, contentHash: 'h1', caseCount: 10, source: 'api', createdBy: 'test' }).returning();
  const [suite] = await database.db.insert(evalSuites).values({ serviceId, name: 'answers', createdBy: 'test' }).returning();
  const spec: EvalSuiteSpec = { description: '', environments: null, dataset: { name: 'questions', version: 1 }, assertions: [{ type: 'icontains', value: '{{expected}}' }], threshold: 0.5, gate: { minScore: null, maxRegression: 0.02, alpha: 0.05 }, concurrency: 4, budgetUsd: null };
  const [sv] = await database.db.insert(evalSuiteVersions).values({ suiteId: suite!.id, version: 1, contentHash: 's1', yaml: 'x', spec, datasetVersionId: dv!.id, createdBy: 'test' }).returning();
  suiteVersionId = sv!.id;
});
afterAll(() => database.close());

/** The three ways into an environment, each ending with the release there (or the refusal). */
const paths = {
  promote: {
    env: 'via-promote',
    async enter(release: number, as = admin) {
      const rollout = await as.rollouts.promote({ service: S, environment: 'via-promote', release });
      const { rollouts } = await import('@/db/schema');
      const [row] = await database.db.select({ id: rollouts.id }).from(rollouts).where(eq(rollouts.id, rollout.id));
      await inlineRollout(database.db)(row!.id, 0);
    },
  },
  'pipeline deploy': {
    env: 'via-pipeline',
    async enter(release: number, as = admin) {
      const run = await as.pipelines.start({ service: S, release, environment: 'via-pipeline' });
      const outcome = await runPipelineHere(database.db, run.id);
      if (outcome.status !== 'passed') {
        const view = await admin.pipelines.run({ service: S, number: run.number });
        throw new TRPCError({ code: 'PRECONDITION_FAILED', message: view.steps.at(-1)!.error ?? 'failed' });
      }
    },
  },
  'direct deploy': {
    env: 'via-deploy',
    async enter(release: number, as = admin) {
      await as.environments.deploy({ service: S, environment: 'via-deploy', routes: [{ release, weight: 100 }] });
    },
  },
} as const;

describe.each(Object.entries(paths))('%s', (_name, path) => {
  const { env } = path;
  const status = async (release: number) => admin.gates.status({ service: S, release, environment: env });

  it('refuses a release without the required gate, or with a failing one, and changes nothing', async () => {
    expect((await status(3)).gates).toMatchObject([{ gate: 'eval', state: 'missing', message: 'answers@1 has not run on #3 for ' + env }]);
    expect(await failure(path.enter(3))).toMatchObject({ message: expect.stringContaining(`support-bot#3 may not enter ${env} until its required gates pass — eval gate missing: answers@1 has not run on #3 for ${env}`) });
    await result(env, 3, 2, false, ['score 62.0% is below the minimum 80.0%']);
    expect((await status(3)).gates[0]).toMatchObject({ state: 'failed', suites: [{ state: 'failed', result: { score: 0.62, baselineRelease: 2, reasons: ['score 62.0% is below the minimum 80.0%'] } }] });
    expect((await failure(path.enter(3)))?.message).toContain('eval gate failed: answers@1 failed: score 62.0% is below the minimum 80.0%');
    expect(await serving(env)).toEqual(['#2 100%']);
  });

  it('lets a release in after a passing result against what the environment serves now; refuses a result whose baseline moved', async () => {
    await result(env, 3, 2, true);
    await result(env, 5, 2, true);
    expect(await status(3)).toMatchObject({ passed: true, baseline: { number: 2 }, gates: [{ state: 'passed', suites: [{ result: { baselineRelease: 2, pValue: 0.8 } }] }] });
    await path.enter(3);
    expect(await serving(env)).toEqual(['#3 100%']);
    // #5 passed against #2, but the environment serves #3 now.
    expect((await status(5)).gates[0]).toMatchObject({ state: 'stale', message: `answers@1 ran against #2, but ${env} now serves #3: the baseline moved; run the gate again` });
    expect((await failure(path.enter(5)))?.message).toContain('eval gate stale');
    expect(await serving(env)).toEqual(['#3 100%']);
  });

  it('lets a release in with an admin override given with a reason, audited and noted; an engineer may not override', async () => {
    const override = { service: S, release: 4, environment: env, gate: 'eval', reason: 'hotfix for incident 7; evals are down' };
    expect(await failure(engineer.gates.override(override))).toMatchObject({ code: 'FORBIDDEN' });
    expect(await failure(admin.gates.override({ ...override, reason: 'because' }))).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('must say why') });
    expect(await failure(admin.gates.override({ ...override, gate: 'safety' }))).toMatchObject({ message: `gate: ${env} does not require the safety gate (it requires eval)` });
    expect((await failure(path.enter(4)))?.message).toContain('eval gate missing');
    await admin.gates.override(override);
    expect((await status(4)).gates[0]).toMatchObject({ state: 'overridden', override: { reason: override.reason } });
    await path.enter(4);
    expect(await serving(env)).toEqual(['#4 100%']);
    const [audit] = (await admin.audit.list({ action: 'gate.override', limit: 50 })).items.filter((e) => e.summary.includes(env));
    expect(audit).toMatchObject({ targetLabel: 'support-bot#4', summary: `Overrode the eval gate of ${env} for support-bot#4 — ${override.reason}` });
    // The environment's history says which entry relied on the override.
    const history = (await admin.environments.history({ service: S, environment: env })).items;
    const entry = history.find((h) => h.gateOverrides.length);
    expect(entry?.routes.map((r) => r.releaseNumber)).toEqual([4]);
    expect(entry?.gateOverrides).toMatchObject([{ release: 4, gate: 'eval', reason: override.reason }]);
    expect((await admin.gates.forRelease({ service: S, release: 4 })).overrides).toContainEqual(expect.objectContaining({ environment: env, gate: 'eval', reason: override.reason }));
  });

  it('does not hold back a rollback to a release that served the environment', async () => {
    // #2 never passed a gate here, but it served the environment before #3 and #4.
    await path.enter(2);
    expect(await serving(env)).toEqual(['#2 100%']);
  });
});

describe('gate states', () => {
  it('a required gate that is not built yet blocks with its message until an admin overrides it', async () => {
    await admin.environments.create({ service: S, name: 'strict' });
    const env = await admin.environments.get({ service: S, environment: 'strict' });
    await admin.environments.update({ service: S, environment: 'strict', protection: { ...env.protection, requiredGates: ['eval', 'webhook'] } });
    await result('strict', 6, null, true);
    const status = await admin.gates.status({ service: S, release: 6, environment: 'strict' });
    expect(status.gates.map((g) => [g.gate, g.state])).toEqual([
      ['eval', 'passed'],
      ['webhook', 'not-built'],
    ]);
    expect(await failure(admin.environments.deploy({ service: S, environment: 'strict', routes: [{ release: 6, weight: 100 }] }))).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: 'support-bot#6 may not enter strict until its required gates pass — webhook gate: the webhook gate is not built yet; an admin may override',
    });
    await admin.gates.override({ service: S, release: 6, environment: 'strict', gate: 'webhook', reason: 'webhook checks arrive in the next release' });
    await admin.environments.deploy({ service: S, environment: 'strict', routes: [{ release: 6, weight: 100 }] });
    expect(await serving('strict')).toEqual(['#6 100%']);
  });

  it('shows a run under way as running, and a suite with no verdict for the newest version as missing', async () => {
    const { releaseId, environmentId, serviceId } = await ids('via-promote', 6);
    await database.db.insert(evalRuns).values({ serviceId, number: 1, suiteVersionId, releaseId, environmentId, status: 'running', estimate: { calls: 10, cachedCalls: 0, costUsd: 0 }, createdBy: 'test' });
    expect((await admin.gates.status({ service: S, release: 6, environment: 'via-promote' })).gates[0]).toMatchObject({ state: 'running', message: 'answers@1: run 1 is running' });
    // A new version of the suite needs its own verdict.
    const [sv] = await database.db.select().from(evalSuiteVersions).where(eq(evalSuiteVersions.id, suiteVersionId));
    await database.db.insert(evalSuiteVersions).values({ ...sv!, id: undefined, version: 2, contentHash: 's2' });
    expect((await admin.gates.status({ service: S, release: 3, environment: 'via-promote' })).gates[0]).toMatchObject({ state: 'missing', message: 'answers@2 has not run on #3 for via-promote' });
  });
});
