import { actorUserId } from '@/server/auth/actor';
// Starts a pipeline run: manual from the UI or the CLI, or from a verified webhook. The run and its steps are
// recorded first (numbered per service); the engine is told once they are committed.
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { pipelineRuns, pipelineStepRuns, releases, services, type PipelineTrigger } from '@/db/schema';
import { branchPolicy } from '@/server/services/pipelines/parse';
import { runDispatcher } from '@/server/services/pipelines/dispatch';
import { invalid, precondition } from '@/server/errors';
import { logger } from '@/server/logger';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { by, environmentByName, gitShaSchema, serviceByName, slugSchema } from '../registry-shared';
import { currentDefinition } from './definition';

export const startRunInput = z.object({
  service: slugSchema,
  branch: z.string().trim().min(1).max(200).regex(/^[A-Za-z0-9._\-/]+$/, 'must be a branch name').optional(),
  commit: gitShaSchema.optional(),
  /** Without a commit to build from, a run tests an existing release (default: the newest). */
  release: z.number().int().positive().optional(),
  /** Overrides the branch policy: evaluate only, or deploy to this environment. */
  environment: slugSchema.optional(),
  evaluateOnly: z.boolean().default(false),
});

export async function startRun(ctx: ServiceContext, input: z.input<typeof startRunInput> & { trigger?: PipelineTrigger }) {
  requireScope(ctx, 'pipelines:run');
  const data = startRunInput.parse(input);
  const trigger: PipelineTrigger = input.trigger ?? { kind: 'manual', provider: null, branch: data.branch ?? null, commit: data.commit ?? null, author: by(ctx), message: null, deliveryId: null };
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const definition = await currentDefinition(tx.db, service);
    if (!definition) throw precondition(`${service.name} has no pipeline yet; save one on the Pipelines page or with slipway pipelines define`);
    const policy = branchPolicy(definition.definition, trigger.branch);
    // A pull or merge request is code nobody has merged (maybe from a fork): it is evaluated, never deployed.
    const proposal = trigger.kind === 'pull_request' || trigger.kind === 'merge_request';
    const evaluateOnly = data.evaluateOnly || proposal;
    const mode = evaluateOnly ? 'evaluate' : data.environment ? 'deploy' : policy.mode;
    const target = evaluateOnly ? null : (data.environment ?? policy.environment);
    if (target) await environmentByName(tx.db, service, target);
    let releaseId: string | null = null;
    if (!trigger.commit) {
      const [r] = await tx.db
        .select({ id: releases.id })
        .from(releases)
        .where(and(eq(releases.serviceId, service.id), data.release ? eq(releases.number, data.release) : undefined))
        .orderBy(sql`${releases.number} desc`)
        .limit(1);
      if (!r) throw invalid('release', data.release ? `${service.name} has no release #${data.release}` : `${service.name} has no release to test; give a commit to build one`);
      releaseId = r.id;
    }
    await tx.db.select({ id: services.id }).from(services).where(eq(services.id, service.id)).for('update');
    const [{ next } = { next: 1 }] = await tx.db
      .select({ next: sql<number>`coalesce(max(${pipelineRuns.number}), 0)::int + 1` })
      .from(pipelineRuns)
      .where(eq(pipelineRuns.serviceId, service.id));
    const [run] = await tx.db
      .insert(pipelineRuns)
      .values({ serviceId: service.id, number: next, definitionId: definition.id, trigger, mode, targetEnvironment: target, releaseId, createdBy: by(ctx), createdByUserId: actorUserId(ctx.actor) })
      .returning();
    const steps = definition.definition.stages.flatMap((stage) => stage.steps.map((step) => ({ stage: stage.name, step })));
    await tx.db.insert(pipelineStepRuns).values([
      { runId: run!.id, position: 0, stage: 'source', name: 'candidate', type: 'candidate', continueOnFailure: false },
      ...steps.map(({ stage, step }, i) => ({ runId: run!.id, position: i + 1, stage, name: step.name, type: step.type, continueOnFailure: step.continueOnFailure })),
    ]);
    await recordAudit(tx, {
      action: 'pipeline.run',
      target: { kind: 'pipeline_run', id: run!.id, label: `${service.name} run ${next}` },
      summary: `Started ${service.name} pipeline run ${next} (${trigger.kind}${trigger.branch ? ` on ${trigger.branch}` : ''}${trigger.commit ? ` at ${trigger.commit.slice(0, 7)}` : ''}; ${mode === 'deploy' ? `deploys to ${target}` : 'evaluates only'})`,
    });
    await onCommit(tx, async () => {
      // The run is recorded either way; if the engine cannot be told now, the queued-run sweep tells it later.
      await runDispatcher()
        ?.start(run!.id)
        .catch((err: unknown) => logger.error({ err, runId: run!.id }, 'could not dispatch a pipeline run; it stays queued until the next sweep'));
    });
    return run!;
  });
}

export const retryRunInput = z.object({ service: slugSchema, number: z.number().int().positive() });

/** Starts a new run with the same trigger, target and candidate source as an earlier one. */
export async function retryRun(ctx: ServiceContext, input: z.input<typeof retryRunInput>) {
  requireScope(ctx, 'pipelines:run');
  const data = retryRunInput.parse(input);
  const service = await serviceByName(ctx.db, data.service);
  const [earlier] = await ctx.db
    .select({ run: pipelineRuns, releaseNumber: releases.number })
    .from(pipelineRuns)
    .leftJoin(releases, eq(releases.id, pipelineRuns.releaseId))
    .where(and(eq(pipelineRuns.serviceId, service.id), eq(pipelineRuns.number, data.number)));
  if (!earlier) throw invalid('number', `${service.name} has no pipeline run ${data.number}`);
  const { run } = earlier;
  // A run built from a commit builds again from it; one that tested a release tests the same release.
  return startRun(ctx, {
    service: service.name,
    release: run.trigger.commit ? undefined : (earlier.releaseNumber ?? undefined),
    environment: run.mode === 'deploy' ? (run.targetEnvironment ?? undefined) : undefined,
    evaluateOnly: run.mode === 'evaluate',
    trigger: { ...run.trigger, kind: run.trigger.kind, message: `retry of run ${run.number}${run.trigger.message ? `: ${run.trigger.message}` : ''}` },
  });
}
