// Leasing due runs. A worker owns a run until its lease ends (it extends the lease while a call is in flight);
// a crashed worker's lease simply runs out and the run is claimed again. Claims are serialised by an advisory
// lock so that concurrency limits hold across processes sharing one database.
import { and, asc, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorFunctions, executorRuns, executorWaits, type ExecutorFunction, type ExecutorRun } from '@/db/schema';
import { queueNextTick, tickCron } from './cron-runs';
import { keyOf } from './expressions';
import { configOf } from './lifecycle';
import { concurrencyLimits } from './protocol';
import { transaction } from './state';

const CLAIM_LOCK = 0x51_1b_e6;

export interface Claimed {
  run: ExecutorRun;
  /** Null when the function is no longer served; the run then fails. */
  fn: ExecutorFunction | null;
  /** The lease's end, which is also the token proving this worker still owns the run. */
  lease: Date;
}

type Active = Pick<ExecutorRun, 'id' | 'functionId' | 'event'>;

/** Whether starting `run` keeps every concurrency limit: runs being called right now count, paused ones do not. */
export function concurrencyAllows(run: Active, functions: Map<string, ExecutorFunction>, active: Active[]): boolean {
  const fn = functions.get(run.functionId);
  if (!fn) return true;
  for (const limit of concurrencyLimits(configOf(fn))) {
    const key = limit.key ? keyOf(limit.key, { event: run.event }) : null;
    const sharing = active.filter((other) => {
      if (limit.scope === 'fn') {
        if (other.functionId !== run.functionId) return false;
        return !limit.key || keyOf(limit.key, { event: other.event }) === key;
      }
      // Account and environment scopes group runs of any function that declares the same kind of limit with an equal key.
      const otherFn = functions.get(other.functionId);
      if (!otherFn) return false;
      return concurrencyLimits(configOf(otherFn)).some((l) => l.scope === limit.scope && (l.key ? keyOf(l.key, { event: other.event }) : null) === key);
    }).length;
    if (sharing >= limit.limit) return false;
  }
  return true;
}

export async function claimDueRuns(db: Db, now: Date, max: number, leaseMs: number): Promise<Claimed[]> {
  if (max <= 0) return [];
  return transaction(db, async (db) => {
    await db.execute(sql`select pg_advisory_xact_lock(${CLAIM_LOCK})`);
    const due = await db
      .select()
      .from(executorRuns)
      .where(
        and(
          inArray(executorRuns.status, ['queued', 'running']),
          lte(executorRuns.nextRunAt, now),
          or(isNull(executorRuns.leaseUntil), lte(executorRuns.leaseUntil, now)),
        ),
      )
      .orderBy(asc(executorRuns.nextRunAt), asc(executorRuns.id))
      .limit(max * 4);
    if (!due.length) return [];
    const functions = new Map((await db.select().from(executorFunctions)).map((f) => [f.id, f]));
    const active: Active[] = await db
      .select({ id: executorRuns.id, functionId: executorRuns.functionId, event: executorRuns.event })
      .from(executorRuns)
      .where(and(eq(executorRuns.status, 'running'), gt(executorRuns.leaseUntil, now)));
    const chosen: ExecutorRun[] = [];
    for (const run of due) {
      if (chosen.length >= max) break;
      if (!concurrencyAllows(run, functions, active)) continue;
      chosen.push(run);
      active.push(run);
    }
    if (!chosen.length) return [];
    const lease = new Date(now.getTime() + leaseMs);
    await db
      .update(executorRuns)
      .set({ leaseUntil: lease, status: 'running', startedAt: sql`coalesce(${executorRuns.startedAt}, ${now.toISOString()}::timestamptz)`, updatedAt: now })
      .where(inArray(
        executorRuns.id,
        chosen.map((r) => r.id),
      ));
    for (const run of chosen) {
      const fn = functions.get(run.functionId);
      const cron = tickCron(run);
      // A tick that starts queues the next one (from now, so a long outage does not replay every missed tick).
      if (fn && cron && run.status === 'queued') {
        const fired = new Date(Number((run.event as { ts?: number }).ts ?? now.getTime()));
        await queueNextTick(db, fn, cron, fired > now ? fired : now, now);
      }
    }
    return chosen.map((run) => ({ run: { ...run, leaseUntil: lease, status: 'running' as const }, fn: functions.get(run.functionId) ?? null, lease }));
  });
}

/**
 * When the executor next has work that nothing will wake it for: the earliest moment a queued or running run comes
 * due (its next run time, or its lease's end when that is later) or an open wait times out; null when there is none.
 */
export async function nextDueAt(db: Db): Promise<Date | null> {
  const [runs] = await db
    .select({ at: sql<number | null>`extract(epoch from min(greatest(${executorRuns.nextRunAt}, ${executorRuns.leaseUntil}))) * 1000`.mapWith(Number) })
    .from(executorRuns)
    .where(inArray(executorRuns.status, ['queued', 'running']));
  const [waits] = await db
    .select({ at: sql<number | null>`extract(epoch from min(${executorWaits.expiresAt})) * 1000`.mapWith(Number) })
    .from(executorWaits)
    .where(isNull(executorWaits.resolvedAt));
  const times = [runs?.at, waits?.at].filter((t): t is number => typeof t === 'number' && Number.isFinite(t));
  return times.length ? new Date(Math.min(...times)) : null;
}
