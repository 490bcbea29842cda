// One run in full: its event, result or error, every step from the step history, open waits, and the runs it
// invoked or was invoked by.
import { and, asc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { executorFunctions, executorRuns, executorStepHistory, executorWaits } from '@/db/schema';
import { notFound } from '@/server/errors';
import { requireScope, type ServiceContext } from '../context';
import { errorMessage } from './shared';

export const getExecutorRunInput = z.object({ runId: z.string().trim().min(1).max(64) });

export async function getExecutorRun(ctx: ServiceContext, input: z.input<typeof getExecutorRunInput>) {
  requireScope(ctx, 'services:read');
  const { runId } = getExecutorRunInput.parse(input);
  const [run] = await ctx.db.select().from(executorRuns).where(eq(executorRuns.id, runId));
  if (!run) throw notFound(`Run ${runId}`);
  const [fn] = await ctx.db.select({ name: executorFunctions.name }).from(executorFunctions).where(eq(executorFunctions.id, run.functionId));
  const steps = await ctx.db.select().from(executorStepHistory).where(eq(executorStepHistory.runId, run.id)).orderBy(asc(executorStepHistory.id));
  const waits = await ctx.db
    .select({ stepId: executorWaits.stepId, kind: executorWaits.kind, eventName: executorWaits.eventName, condition: executorWaits.condition, expiresAt: executorWaits.expiresAt })
    .from(executorWaits)
    .where(and(eq(executorWaits.runId, run.id), isNull(executorWaits.resolvedAt)));
  const children = await ctx.db
    .select({ id: executorRuns.id, functionId: executorRuns.functionId, status: executorRuns.status })
    .from(executorRuns)
    .where(eq(executorRuns.parentRunId, run.id));
  return {
    id: run.id,
    functionId: run.functionId,
    functionName: fn?.name ?? null,
    status: run.status,
    event: run.event,
    attempt: run.attempt,
    output: run.output ?? null,
    error: run.error,
    errorMessage: errorMessage(run.error),
    cancelReason: run.cancelReason,
    parentRunId: run.parentRunId,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    nextRunAt: run.nextRunAt,
    steps: steps.map((s) => ({ id: s.id, stepId: s.stepId, name: s.name, op: s.op, status: s.status, attempt: s.attempt, data: s.data, error: errorMessage(s.error), at: s.at })),
    waits,
    children,
  };
}
