// Starts eval runs: the suite's newest version on a candidate release, beside a baseline (by default the release
// the environment's stable arm serves now), estimated first and refused when the estimate passes the budget. The
// run is recorded queued; the workflow engine is told once the transaction commits.
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { evalRuns, evalSuites, services, SUITE_TYPES, type Environment, type EvalRun, type Release, type Service } from '@/db/schema';
import { estimateRun, type RunEstimate } from '@/server/services/evals/estimate';
import { evalDispatcher } from './dispatch';
import { invalid, precondition } from '@/server/errors';
import { logger } from '@/server/logger';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { engineOf, kindOf, RUNNABLE_SUITE_TYPES, suiteTypeOf } from '@/server/evals/kinds';
import { runCases } from './run-cases';
import { latestSuiteVersion, releaseByNumber, stableRelease, suiteByName, suiteVersion } from './shared';

const baselineSchema = z.union([z.number().int().positive('must be a release number'), z.literal('none')]);

export const startRunInput = z.object({
  service: slugSchema,
  suite: slugSchema,
  release: z.number().int().positive('must be a release number'),
  /** A release number, `none`, or left out: the stable release of the environment (none without an environment). */
  baseline: baselineSchema.optional(),
  environment: slugSchema.optional(),
  budgetUsd: z.number().positive('must be greater than 0').max(1_000_000).optional(),
  pipelineRunId: z.uuid().optional(),
});
export type StartRunInput = z.input<typeof startRunInput>;

interface Plan {
  service: Service;
  suite: Awaited<ReturnType<typeof suiteByName>>;
  version: Awaited<ReturnType<typeof suiteVersion>>;
  release: Release;
  baseline: Release | null;
  env: Environment | null;
  budgetUsd: number | null;
  estimate: RunEstimate;
}

/** Everything a run needs decided, with the estimate; nothing written. */
async function plan(ctx: ServiceContext, data: z.output<typeof startRunInput>): Promise<Plan> {
  const service = await serviceByName(ctx.db, data.service);
  const suite = await suiteByName(ctx.db, service, data.suite);
  const version = await suiteVersion(ctx.db, suite);
  const release = await releaseByNumber(ctx.db, service, data.release);
  const env = data.environment ? await environmentByName(ctx.db, service, data.environment) : null;
  const spec = version.spec;
  const engine = engineOf(spec);
  const scope = spec.environments;
  if (env && scope?.length && !scope.includes(env.name)) throw invalid('environment', `suite ${suite.name} decides the ${engine.type} gate of ${scope.join(', ')}, not ${env.name}`);
  let baseline: Release | null = null;
  if (typeof data.baseline === 'number') {
    baseline = await releaseByNumber(ctx.db, service, data.baseline, 'baseline');
  } else if (data.baseline === undefined && env && engine.callsModel) {
    const stable = await stableRelease(ctx.db, env.id);
    // A release is not compared with itself: when it already serves the environment there is no baseline.
    if (stable && stable.releaseId !== release.id) baseline = await releaseByNumber(ctx.db, service, stable.number, 'baseline');
  }
  if (baseline && baseline.id === release.id) throw invalid('baseline', `#${release.number} cannot be its own baseline`);
  if (baseline && !engine.callsModel) throw invalid('baseline', `a ${engine.type} suite calls no model, so it has no baseline`);
  const cases = await runCases(ctx.db, { serviceId: service.id, spec, datasetVersionId: version.datasetVersionId, releaseId: release.id, environmentId: env?.id ?? null });
  if (!cases.length) throw precondition(spec.dataset ? `dataset ${spec.dataset.name}@${spec.dataset.version} has no cases` : `suite ${suite.name} has no cases`);
  const estimate = engine.callsModel
    ? await estimateRun(ctx.db, { serviceId: service.id, cases, assertions: spec.assertions, candidate: release, baseline, rewrite: engine.rewrite ? (req, c) => engine.rewrite!(req, c, spec) : undefined })
    : { cases: cases.length, totalCalls: cases.length, calls: 0, cachedCalls: 0, unrenderable: 0, costUsd: 0 };
  return { service, suite, version, release, baseline, env, budgetUsd: data.budgetUsd ?? version.spec.budgetUsd, estimate };
}

const usd = (n: number) => `$${n < 0.01 ? n.toFixed(6) : n.toFixed(4)}`;

export const estimateInput = startRunInput.omit({ pipelineRunId: true });

/** What a run would call and cost, and whether its budget lets it start. */
export async function estimateEvalRun(ctx: ServiceContext, input: z.input<typeof estimateInput>) {
  requireScope(ctx, 'services:read');
  const p = await plan(ctx, estimateInput.parse(input));
  return {
    suite: { name: p.suite.name, version: p.version.version },
    release: p.release.number,
    baseline: p.baseline?.number ?? null,
    environment: p.env?.name ?? null,
    ...p.estimate,
    budgetUsd: p.budgetUsd,
    withinBudget: p.budgetUsd === null || p.estimate.costUsd <= p.budgetUsd,
  };
}

/** Records a run inside the caller's transaction and tells the engine after it commits. */
async function createRun(ctx: ServiceContext, p: Plan, pipelineRunId: string | null): Promise<EvalRun> {
  if (p.budgetUsd !== null && p.estimate.costUsd > p.budgetUsd) {
    throw precondition(
      `the estimated cost ${usd(p.estimate.costUsd)} (${p.estimate.calls} call(s), ${p.estimate.cachedCalls} answered by the cache) exceeds the budget of ${usd(p.budgetUsd)}; raise budgetUsd in suite ${p.suite.name} or give a larger budget`,
    );
  }
  await ctx.db.select({ id: services.id }).from(services).where(eq(services.id, p.service.id)).for('update');
  const [{ next } = { next: 1 }] = await ctx.db
    .select({ next: sql<number>`coalesce(max(${evalRuns.number}), 0)::int + 1` })
    .from(evalRuns)
    .where(eq(evalRuns.serviceId, p.service.id));
  const [run] = await ctx.db
    .insert(evalRuns)
    .values({
      serviceId: p.service.id,
      number: next,
      kind: suiteTypeOf(p.version.spec),
      suiteVersionId: p.version.id,
      releaseId: p.release.id,
      baselineReleaseId: p.baseline?.id ?? null,
      environmentId: p.env?.id ?? null,
      pipelineRunId,
      estimate: { calls: p.estimate.calls, cachedCalls: p.estimate.cachedCalls, costUsd: p.estimate.costUsd },
      budgetUsd: p.budgetUsd === null ? null : String(p.budgetUsd),
      totalCalls: p.estimate.totalCalls,
      createdBy: by(ctx),
    })
    .returning();
  const against = p.baseline ? ` against #${p.baseline.number}` : ' without a baseline';
  await recordAudit(ctx, {
    action: 'eval-run.start',
    target: { kind: 'eval_run', id: run!.id, label: `${p.service.name} eval run ${next}` },
    summary: `Started eval run ${next}: ${suiteTypeOf(p.version.spec) === 'eval' ? '' : `${suiteTypeOf(p.version.spec)} `}suite ${p.suite.name} v${p.version.version} on ${p.service.name}#${p.release.number}${against}${p.env ? ` for ${p.env.name}` : ''} (${p.estimate.calls} call(s), ${p.estimate.cachedCalls} cached, about ${usd(p.estimate.costUsd)})`,
    changes: { suiteVersion: p.version.version, release: p.release.number, baseline: p.baseline?.number ?? null, environment: p.env?.name ?? null, estimate: p.estimate, budgetUsd: p.budgetUsd },
  });
  await onCommit(ctx, async () => {
    await evalDispatcher()
      ?.start(run!.id)
      .catch((err: unknown) => logger.error({ err, runId: run!.id }, 'could not dispatch an eval run; it stays queued until the next sweep'));
  });
  return run!;
}

export async function startEvalRun(ctx: ServiceContext, input: StartRunInput): Promise<EvalRun> {
  requireScope(ctx, 'evals:run');
  const data = startRunInput.parse(input);
  return withTransaction(ctx, async (tx) => createRun(tx, await plan(tx, data), data.pipelineRunId ?? null));
}

export const startGateRunsInput = z.object({
  service: slugSchema,
  release: z.number().int().positive('must be a release number'),
  environment: slugSchema,
  /** The gate whose suites run (their type); eval when left out. */
  gate: z.enum(SUITE_TYPES).default('eval'),
  baseline: baselineSchema.optional(),
  pipelineRunId: z.uuid().optional(),
});

const SUITE_SOURCES = 'slipway.yaml evalSuites, or the Evals page';

/** One run per suite of the gate's type that decides the environment's gate (its newest version names it, or names none). */
export async function startGateRuns(ctx: ServiceContext, input: z.input<typeof startGateRunsInput>): Promise<EvalRun[]> {
  requireScope(ctx, 'evals:run');
  const data = startGateRunsInput.parse(input);
  if (!RUNNABLE_SUITE_TYPES.includes(data.gate)) throw precondition(`the ${data.gate} gate is not built yet; an admin may override`);
  // A type that calls no model has no baseline arm.
  const baseline = kindOf(data.gate).callsModel ? data.baseline : 'none';
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    await environmentByName(tx.db, service, data.environment);
    const suites = await tx.db.select().from(evalSuites).where(eq(evalSuites.serviceId, service.id)).orderBy(evalSuites.name);
    const applying: string[] = [];
    for (const s of suites) {
      const v = await latestSuiteVersion(tx.db, s.id);
      if (v && suiteTypeOf(v.spec) === data.gate && (!v.spec.environments || v.spec.environments.includes(data.environment))) applying.push(s.name);
    }
    if (!applying.length) {
      throw precondition(`${service.name} has no ${data.gate} suite for ${data.environment}; save one (${SUITE_SOURCES})${data.gate === 'eval' ? '' : ` of type ${data.gate}`} whose environments include it or are left out`);
    }
    const runs: EvalRun[] = [];
    for (const suite of applying) {
      const p = await plan(tx, { service: data.service, suite, release: data.release, baseline, environment: data.environment });
      runs.push(await createRun(tx, p, data.pipelineRunId ?? null));
    }
    return runs;
  });
}
