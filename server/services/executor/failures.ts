// What went wrong lately: failed runs, and step attempts that failed or are being retried, newest first.
import { and, desc, eq, gte, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { storableDate } from '@/server/lib/storable';
import { executorRuns, executorStepHistory } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { errorMessage } from './shared';

export const listExecutorFailuresInput = z.object({
  functionId: z.string().trim().min(1).max(300).optional(),
  since: storableDate().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export async function listExecutorFailures(ctx: ServiceContext, input: z.input<typeof listExecutorFailuresInput>) {
  requireScope(ctx, 'services:read');
  const q = listExecutorFailuresInput.parse(input);
  const since = q.since ?? new Date(Date.now() - 7 * 24 * 3600_000);
  const runs = await ctx.db
    .select({ id: executorRuns.id, functionId: executorRuns.functionId, error: executorRuns.error, endedAt: executorRuns.endedAt, createdAt: executorRuns.createdAt })
    .from(executorRuns)
    .where(and(eq(executorRuns.status, 'failed'), gte(executorRuns.createdAt, since), q.functionId ? eq(executorRuns.functionId, q.functionId) : undefined))
    .orderBy(desc(executorRuns.id))
    .limit(q.limit);
  const steps = await ctx.db
    .select({
      id: executorStepHistory.id,
      runId: executorStepHistory.runId,
      functionId: executorRuns.functionId,
      name: executorStepHistory.name,
      status: executorStepHistory.status,
      attempt: executorStepHistory.attempt,
      error: executorStepHistory.error,
      at: executorStepHistory.at,
    })
    .from(executorStepHistory)
    .innerJoin(executorRuns, eq(executorRuns.id, executorStepHistory.runId))
    .where(and(inArray(executorStepHistory.status, ['failed', 'retrying']), gte(executorStepHistory.at, since), q.functionId ? eq(executorRuns.functionId, q.functionId) : undefined))
    .orderBy(desc(executorStepHistory.id))
    .limit(q.limit);
  return {
    since,
    runs: runs.map((r) => ({ ...r, error: errorMessage(r.error) })),
    steps: steps.map((s) => ({ ...s, error: errorMessage(s.error) })),
  };
}
