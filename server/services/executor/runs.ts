// Runs newest first, for one function or all, filtered by status, with a keyset cursor (run ids sort by time).
import { and, desc, eq, inArray, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { executorRuns } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { errorMessage, RUN_STATUSES } from './shared';

export const listExecutorRunsInput = z.object({
  functionId: z.string().trim().min(1).max(300).optional(),
  status: z.array(z.enum(RUN_STATUSES)).max(RUN_STATUSES.length).optional(),
  cursor: z.string().max(64).optional(),
  limit: z.number().int().min(1).max(200).default(25),
});

export async function listExecutorRuns(ctx: ServiceContext, input: z.input<typeof listExecutorRunsInput>) {
  requireScope(ctx, 'services:read');
  const q = listExecutorRunsInput.parse(input);
  const where: SQL[] = [];
  if (q.functionId) where.push(eq(executorRuns.functionId, q.functionId));
  if (q.status?.length) where.push(inArray(executorRuns.status, q.status));
  if (q.cursor) where.push(lt(executorRuns.id, q.cursor));
  const rows = await ctx.db
    .select({
      id: executorRuns.id,
      functionId: executorRuns.functionId,
      status: executorRuns.status,
      event: executorRuns.event,
      attempt: executorRuns.attempt,
      stack: executorRuns.stack,
      error: executorRuns.error,
      cancelReason: executorRuns.cancelReason,
      parentRunId: executorRuns.parentRunId,
      createdAt: executorRuns.createdAt,
      startedAt: executorRuns.startedAt,
      endedAt: executorRuns.endedAt,
      nextRunAt: executorRuns.nextRunAt,
    })
    .from(executorRuns)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(executorRuns.id))
    .limit(q.limit + 1);
  const items = rows.slice(0, q.limit).map(({ event, stack, error, ...r }) => {
    const e = event as { name?: unknown; id?: unknown };
    return { ...r, eventName: typeof e.name === 'string' ? e.name : null, eventId: typeof e.id === 'string' ? e.id : null, stepsDone: stack.length, error: errorMessage(error) };
  });
  return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
}
