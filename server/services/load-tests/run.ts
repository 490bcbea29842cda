// Starting and running a load test. `startLoadTest` (loadTests.run, `slipway loadtest run`, the load-test pipeline
// step) checks everything it can before anything is sent, writes the test's row and audit event, and runs it once
// the transaction commits: in the background for the API (the caller follows loadTests.get), awaited for the step.
// The requests go through the environment's own gateway on this process's listener, with short-lived smoke tokens,
// so the gateway records them as synthetic traffic (left out of rollups, charts, alerts, analysis, drift and online
// evals) and pins each to its arm's release.
import { startReleaseContainers } from '../containers/deploy';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { loadTests, releases, type Environment, type LoadTest, type LoadTestSettings, type Service } from '@/db/schema';
import { conflict, invalid, precondition } from '@/server/errors';
import { localGatewayOrigin } from '@/server/gateway/local';
import { logger } from '@/server/logger';
import { mintSmokeToken } from '@/server/secrets/smoke-token';
import type { EvalCase } from '@/server/evals/types';
import { releasePromptsOf } from '@/server/evals/kinds/release-prompts';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { casesOfVersion } from '../evals/datasets';
import { latestSuiteVersion, stableRelease, suiteByName } from '../evals/shared';
import { entryAt } from '../environments/state';
import { releaseByNumber } from '../gates/queries';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { requestBody } from '../smoke/run';
import { runLoad, type EngineArm } from './engine';
import { loadTestBudgetSeconds, loadTestSettingsSchema } from './settings';
import { judgeLoadTest } from './verdict';

const log = logger.child({ part: 'load-test' });

export const startLoadTestInput = z.object({
  service: slugSchema,
  environment: slugSchema,
  release: z.number({ error: 'must be a release number' }).int('must be a release number').positive('must be a release number'),
  settings: loadTestSettingsSchema.default(loadTestSettingsSchema.parse({})),
});

/**
 * Tests running in this process, so a test's end can be awaited and a test cut off by a stopped process told apart.
 * Kept on a global: Next bundles each route apart, and the API and the pipeline steps must see the same map.
 */
const KEY = Symbol.for('slipway.runningLoadTests');
const running: Map<string, Promise<LoadTest>> = ((globalThis as { [KEY]?: Map<string, Promise<LoadTest>> })[KEY] ??= new Map());

export function isRunningHere(id: string): boolean {
  return running.has(id);
}

/** Waits for a test started in this process (background runs of the API); the stored row otherwise. */
export async function loadTestSettled(db: Db, id: string): Promise<LoadTest> {
  const pending = running.get(id);
  if (pending) return pending;
  const [row] = await db.select().from(loadTests).where(eq(loadTests.id, id));
  return row!;
}

export interface StartOptions {
  pipelineRunId?: string | null;
  /** Run it within the call and answer with the finished test (the pipeline step); otherwise in the background. */
  wait?: boolean;
  signal?: AbortSignal;
  /** The gateway's origin; by default the listener this process serves `/gw/*` on. */
  gatewayOrigin?: string | null;
}

export async function startLoadTest(ctx: ServiceContext, input: z.input<typeof startLoadTestInput>, opts: StartOptions = {}): Promise<LoadTest> {
  requireScope(ctx, 'environments:deploy');
  const data = startLoadTestInput.parse(input);
  const origin = opts.gatewayOrigin ?? localGatewayOrigin();
  if (!origin) throw precondition('no gateway listener in this process to send through (load tests run in the server that serves /gw/*)');
  let answer: LoadTest | null = null;
  let started: Promise<LoadTest> | null = null;
  const created = await withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const env = await environmentByName(tx.db, service, data.environment);
    const label = `${service.name}/${env.name}`;
    const candidate = await releaseByNumber(tx.db, service, data.release);
    if (!(await entryAt(tx.db, env.id))?.routes.some((r) => r.weight > 0)) throw precondition(`${label} routes no release yet, so its gateway has nothing to serve: deploy one first`);
    if (data.settings.input.kind === 'suite') await suiteCases(tx.db, service, data.settings.input.suite, data.settings.input.cases);
    // One test at a time per environment: two would measure each other.
    const [current] = await tx.db.select().from(loadTests).where(and(eq(loadTests.environmentId, env.id), eq(loadTests.status, 'running'))).limit(1);
    const busy = current ? await closeAbandoned(tx.db, current) : null;
    if (busy?.status === 'running') throw conflict(`a load test of ${label} is running (${busy.id}); wait for it to end`);
    const stable = await stableRelease(tx.db, env.id);
    // The candidate against itself measures nothing: then only the objectives judge it.
    const baseline = stable && stable.releaseId !== candidate.id ? stable : null;
    const [row] = await tx.db
      .insert(loadTests)
      .values({
        serviceId: service.id,
        environmentId: env.id,
        environment: env.name,
        candidateReleaseId: candidate.id,
        baselineReleaseId: baseline?.releaseId ?? null,
        settings: data.settings,
        objectives: { p95LatencyMs: env.slos.p95LatencyMs ?? null, p95TtftMs: env.slos.p95TtftMs ?? null, maxErrorRate: env.slos.maxErrorRate ?? null },
        status: 'running',
        pipelineRunId: opts.pipelineRunId ?? null,
        requestedBy: by(tx),
      })
      .returning();
    const s = data.settings;
    await recordAudit(tx, {
      action: 'loadtest.run',
      target: { kind: 'environment', id: env.id, label },
      summary: `Load-tested ${service.name}#${candidate.number} in ${label}${baseline ? ` against #${baseline.number}` : ''}: ${s.ratePerSecond} req/s for ${s.durationSeconds} s`,
      changes: { loadTest: row!.id, settings: s as unknown as Record<string, unknown> },
    });
    const db = tx.outerDb ?? tx.db;
    await onCommit(tx, () => {
      started = executeLoadTest(db, row!, service, env, { origin, signal: opts.signal });
    });
    return row!;
  });
  if (started && opts.wait) answer = await (started as Promise<LoadTest>);
  // In the background nobody awaits it: a failure to store the result is logged, never an unhandled rejection.
  else if (started) (started as Promise<LoadTest>).catch((err: unknown) => log.error({ err, test: created.id }, 'could not store the result of a load test'));
  return answer ?? created;
}

/** The cases a suite's dataset gives a test (cycled when the test sends more), with a field-named error when it has none. */
async function suiteCases(db: Db, service: Service, name: string, count: number): Promise<EvalCase[]> {
  const suite = await suiteByName(db, service, name).catch(() => null);
  if (!suite) throw invalid('settings.input.suite', `${service.name} has no eval suite "${name}"`);
  const version = await latestSuiteVersion(db, suite.id);
  if (!version?.datasetVersionId) throw invalid('settings.input.suite', `eval suite "${name}" has no dataset to take cases from`);
  const cases = await casesOfVersion(db, version.datasetVersionId, { from: 0, to: count });
  if (!cases.length) throw invalid('settings.input.suite', `the dataset of eval suite "${name}" has no cases`);
  return cases;
}

/** Runs a test whose row exists (status running) and stores its figures and verdict; never throws for what it found. */
function executeLoadTest(db: Db, test: LoadTest, service: Service, env: Environment, opts: { origin: string; signal?: AbortSignal }): Promise<LoadTest> {
  const p = (async () => {
    let patch: Partial<LoadTest>;
    try {
      patch = await measure(db, test, service, env, opts);
    } catch (err) {
      log.error({ err, test: test.id, environment: `${service.name}/${env.name}` }, 'load test failed to run');
      patch = { status: 'error', error: `the load test could not run: ${err instanceof Error ? err.message : String(err)}` };
    }
    const [done] = await db
      .update(loadTests)
      .set({ ...patch, finishedAt: new Date() })
      .where(eq(loadTests.id, test.id))
      .returning();
    return done!;
  })().finally(() => running.delete(test.id));
  running.set(test.id, p);
  return p;
}

async function measure(db: Db, test: LoadTest, service: Service, env: Environment, opts: { origin: string; signal?: AbortSignal }): Promise<Partial<LoadTest>> {
  const settings: LoadTestSettings = test.settings;
  const ids = [test.candidateReleaseId, ...(test.baselineReleaseId ? [test.baselineReleaseId] : [])];
  const numbers = new Map((await db.select({ id: releases.id, number: releases.number }).from(releases).where(inArray(releases.id, ids))).map((r) => [r.id, r.number]));
  const arms: EngineArm[] = [{ arm: 'candidate', releaseNumber: numbers.get(test.candidateReleaseId)! }];
  if (test.baselineReleaseId) arms.push({ arm: 'baseline', releaseNumber: numbers.get(test.baselineReleaseId)! });
  const prompts = new Map<string, string[]>();
  for (const arm of arms) prompts.set(arm.arm, (await releasePromptsOf(db, arm.arm === 'candidate' ? test.candidateReleaseId : test.baselineReleaseId!)).map((p) => p.name));
  const cases = settings.input.kind === 'suite' ? await suiteCases(db, service, settings.input.suite, settings.input.cases) : null;
  const prompt = settings.input.kind === 'prompt' ? settings.input.prompt : '';
  // A container candidate in a Docker environment is started there (health-checked, no traffic routed to it) so the
  // pinned requests reach it, as a blue-green preview; it is kept for the environment's window after the test.
  for (const id of ids) await startReleaseContainers(db, env.id, id);
  await db.update(loadTests).set({ startedAt: new Date() }).where(eq(loadTests.id, test.id));
  const result = await runLoad({
    url: `${opts.origin}/gw/${encodeURIComponent(service.name)}/${encodeURIComponent(env.name)}/v1/chat/completions`,
    token: () => mintSmokeToken({ serviceId: service.id, environment: env.name }),
    arms,
    // A suite's cases as smoke tests send them (the release's prompt rendered with the case's variables); or the fixed message.
    body: (n, arm) => (cases ? requestBody(cases[n % cases.length]!, prompts.get(arm.arm) ?? []) : { messages: [{ role: 'user', content: prompt }] }),
    settings,
    signal: opts.signal,
  });
  const candidate = result.arms.candidate!;
  const baseline = result.arms.baseline;
  const results = { candidate, baseline };
  if (result.stopped) return { status: 'error', results, series: result.series, error: 'stopped before its end (its step timed out or was cancelled)' };
  const verdict = judgeLoadTest(settings, test.objectives, candidate, baseline);
  return { status: verdict.outcome, results, series: result.series, verdict, error: null };
}

/** Marks a test that no process runs any more (its process stopped) once its time is long past. */
export async function closeAbandoned(db: Db, test: LoadTest, now = Date.now()): Promise<LoadTest> {
  if (test.status !== 'running' || isRunningHere(test.id)) return test;
  const since = (test.startedAt ?? test.createdAt).getTime();
  if (now - since < (loadTestBudgetSeconds(test.settings) + 60) * 1000) return test;
  const [closed] = await db
    .update(loadTests)
    .set({ status: 'error', error: 'cut off: the process running it stopped before it ended', finishedAt: new Date(now) })
    .where(and(eq(loadTests.id, test.id), eq(loadTests.status, 'running')))
    .returning();
  return closed ?? test;
}
