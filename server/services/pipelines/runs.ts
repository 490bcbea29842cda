// Reading pipeline runs, and cancelling one.
import { and, asc, desc, eq, inArray, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { ACTIVE_ROLLOUT_STATUSES, pipelineRuns, pipelineStepRuns, releases, rollouts, type PipelineRun } from '@/db/schema';
import { actorLabel } from '@/server/auth/actor';
import { endRollout, loadRollout, signal } from '@/server/services/rollouts/records';
import { cancelApproval } from '../rollouts/control';
import { runDispatcher } from '@/server/services/pipelines/dispatch';
import { notFound, precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { onCommit, requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';

const durationMs = (r: { startedAt: Date | null; endedAt: Date | null }) => (r.startedAt ? (r.endedAt ?? new Date()).getTime() - r.startedAt.getTime() : null);

export const listRunsInput = z.object({ service: slugSchema, cursor: z.number().int().positive().optional(), limit: z.number().int().min(1).max(200).default(50) });

export async function listRuns(ctx: ServiceContext, input: z.input<typeof listRunsInput>) {
  requireScope(ctx, 'pipelines:read');
  const data = listRunsInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const rows = await ctx.db
    .select({ run: pipelineRuns, releaseNumber: releases.number })
    .from(pipelineRuns)
    .leftJoin(releases, eq(releases.id, pipelineRuns.releaseId))
    .where(and(eq(pipelineRuns.serviceId, service.id), data.cursor ? lt(pipelineRuns.number, data.cursor) : undefined))
    .orderBy(desc(pipelineRuns.number))
    .limit(data.limit + 1);
  const items = rows.slice(0, data.limit).map((r) => ({ ...r.run, service: service.name, releaseNumber: r.releaseNumber, durationMs: durationMs(r.run) }));
  return { items, nextCursor: rows.length > data.limit ? items[items.length - 1]!.number : null };
}

export async function loadRun(db: Db, runId: string) {
  const [run] = await db.select().from(pipelineRuns).where(eq(pipelineRuns.id, runId)).limit(1);
  if (!run) throw notFound('Pipeline run');
  return run;
}

export const getRunInput = z.object({ service: slugSchema, number: z.number().int().positive() });

async function runByNumber(db: Db, serviceName: string, number: number): Promise<PipelineRun> {
  const service = await serviceByName(db, serviceName, { allowArchived: true });
  const [run] = await db
    .select()
    .from(pipelineRuns)
    .where(and(eq(pipelineRuns.serviceId, service.id), eq(pipelineRuns.number, number)))
    .limit(1);
  if (!run) throw notFound(`Pipeline run ${number} of ${service.name}`);
  return run;
}

export async function getRun(ctx: ServiceContext, input: z.input<typeof getRunInput>) {
  requireScope(ctx, 'pipelines:read');
  const data = getRunInput.parse(input);
  const run = await runByNumber(ctx.db, data.service, data.number);
  const steps = await ctx.db.select().from(pipelineStepRuns).where(eq(pipelineStepRuns.runId, run.id)).orderBy(asc(pipelineStepRuns.position));
  const [release] = run.releaseId ? await ctx.db.select({ number: releases.number }).from(releases).where(eq(releases.id, run.releaseId)) : [];
  return { ...run, service: data.service, releaseNumber: release?.number ?? null, durationMs: durationMs(run), steps: steps.map((s) => ({ ...s, durationMs: durationMs(s) })) };
}

export const cancelRunInput = getRunInput.extend({ reason: z.string().trim().max(500).default('') });

export async function cancelRun(ctx: ServiceContext, input: z.input<typeof cancelRunInput>) {
  requireScope(ctx, 'pipelines:run');
  const data = cancelRunInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const found = await runByNumber(tx.db, data.service, data.number);
    // Locked, so a run finishing at this moment is either finished or cancelled, never both.
    const [run] = await tx.db.select().from(pipelineRuns).where(eq(pipelineRuns.id, found.id)).for('update');
    if (!run || (run.status !== 'queued' && run.status !== 'running')) throw precondition(`Run ${found.number} has already ${run?.status ?? 'gone'}`);
    const now = new Date();
    const [after] = await tx.db.update(pipelineRuns).set({ status: 'cancelled', endedAt: now, error: data.reason ? `cancelled: ${data.reason}` : 'cancelled' }).where(eq(pipelineRuns.id, run.id)).returning();
    await tx.db
      .update(pipelineStepRuns)
      .set({ status: 'cancelled', endedAt: now })
      .where(and(eq(pipelineStepRuns.runId, run.id), inArray(pipelineStepRuns.status, ['pending', 'running'])));
    // A rollout the run started ends with it, and the environment goes back to what it ran before.
    const [rollout] = await tx.db
      .select({ id: rollouts.id })
      .from(rollouts)
      .where(and(eq(rollouts.pipelineRunId, run.id), inArray(rollouts.status, [...ACTIVE_ROLLOUT_STATUSES])));
    if (rollout) {
      const l = await loadRollout(tx.db, rollout.id, true);
      await cancelApproval(tx, l);
      await endRollout(tx, l, 'aborted', `pipeline run ${run.number} was cancelled by ${actorLabel(tx.actor)}`, { restore: true });
      await signal(tx, rollout.id, 'abort');
    }
    await recordAudit(tx, { action: 'pipeline.cancel', target: { kind: 'pipeline_run', id: run.id, label: `${data.service} run ${run.number}` }, summary: `Cancelled ${data.service} pipeline run ${run.number}${data.reason ? ` — ${data.reason}` : ''}` });
    await onCommit(tx, async () => {
      await runDispatcher()?.cancel(run.id);
    });
    return after!;
  });
}
