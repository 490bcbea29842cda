// The functions the jobs engine knows: triggers and flow control as synced, with runs of the last day by status,
// the last run and the next cron tick.
import { and, desc, eq, gte, sql } from 'drizzle-orm';
import { executorFunctions, executorRuns } from '@/db/schema';
import { env } from '@/server/env';
import { jobsEngine } from '@/server/executor/settings';
import { INTERNAL_EVENTS } from '@/server/executor/protocol';
import { requireScope, type ServiceContext } from '../context';
import { describeFunction, RUN_STATUSES } from './shared';

export async function listExecutorFunctions(ctx: ServiceContext) {
  requireScope(ctx, 'services:read');
  const fns = await ctx.db.select().from(executorFunctions).orderBy(executorFunctions.appId, executorFunctions.name);
  const since = new Date(Date.now() - 24 * 3600_000);
  const counts = await ctx.db
    .select({ functionId: executorRuns.functionId, status: executorRuns.status, n: sql<number>`count(*)::int` })
    .from(executorRuns)
    .where(gte(executorRuns.createdAt, since))
    .groupBy(executorRuns.functionId, executorRuns.status);
  const last = await ctx.db
    .selectDistinctOn([executorRuns.functionId], { functionId: executorRuns.functionId, id: executorRuns.id, status: executorRuns.status, createdAt: executorRuns.createdAt, endedAt: executorRuns.endedAt })
    .from(executorRuns)
    .where(sql`${executorRuns.status} <> 'queued'`)
    .orderBy(executorRuns.functionId, desc(executorRuns.createdAt));
  const ticks = await ctx.db
    .select({ functionId: executorRuns.functionId, at: sql<Date>`min(${executorRuns.nextRunAt})` })
    .from(executorRuns)
    .where(and(eq(executorRuns.status, 'queued'), sql`${executorRuns.event}->>'name' = ${INTERNAL_EVENTS.cron}`))
    .groupBy(executorRuns.functionId);
  return {
    engine: jobsEngine(env()),
    functions: fns.map((f) => ({
      id: f.id,
      appId: f.appId,
      name: f.name,
      url: f.url,
      syncedAt: f.syncedAt,
      ...describeFunction(f),
      lastDay: Object.fromEntries(RUN_STATUSES.map((s) => [s, counts.find((c) => c.functionId === f.id && c.status === s)?.n ?? 0])) as Record<(typeof RUN_STATUSES)[number], number>,
      lastRun: last.find((l) => l.functionId === f.id) ?? null,
      nextTickAt: (() => {
        const t = ticks.find((x) => x.functionId === f.id)?.at;
        return t ? new Date(t) : null;
      })(),
    })),
  };
}
