// Cron triggers as a chain of queued runs: each cron function always has its next tick waiting in
// executor_runs (due at the fire time, keyed so that no tick is created twice), and starting a tick queues the
// one after it. A restart therefore loses no schedule, and a missed tick runs once when the app is back.
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorRuns, type ExecutorFunction, type ExecutorRun } from '@/db/schema';
import { nextFire, parseCron } from './cron';
import { ulid } from './ids';
import { configOf, createRun, endRun } from './lifecycle';
import { INTERNAL_EVENTS, type EventPayload } from './protocol';
import type { Logger } from '@/server/logger';

export function cronsOf(fn: Pick<ExecutorFunction, 'config'>): string[] {
  return configOf(fn).triggers.flatMap((t) => ('cron' in t ? [t.cron] : []));
}

/** The cron expression a queued tick belongs to, or null for runs that are not cron ticks. */
export function tickCron(run: Pick<ExecutorRun, 'event'>): string | null {
  const e = run.event as { name?: unknown; data?: { cron?: unknown } };
  return e.name === INTERNAL_EVENTS.cron && typeof e.data?.cron === 'string' ? e.data.cron : null;
}

/** Queues the first tick of `cron` after `after`. */
export async function queueNextTick(db: Db, fn: ExecutorFunction, cron: string, after: Date, now: Date): Promise<void> {
  const fire = nextFire(parseCron(cron), after);
  const event: EventPayload = { id: ulid(fire.getTime()), name: INTERNAL_EVENTS.cron, data: { cron }, ts: fire.getTime() };
  await createRun(db, { fn, event, now, runAt: fire, idempotencyKey: `cron:${cron}:${fire.toISOString()}` });
}

async function queuedTicks(db: Db, functionId: string): Promise<ExecutorRun[]> {
  return db
    .select()
    .from(executorRuns)
    .where(and(eq(executorRuns.functionId, functionId), eq(executorRuns.status, 'queued'), sql`${executorRuns.event}->>'name' = ${INTERNAL_EVENTS.cron}`))
    .for('update');
}

/**
 * After a sync: every cron of every function has exactly one queued tick; ticks of schedules that changed or of
 * functions that are gone are cancelled. Returns the internal events of those cancellations.
 */
export async function reconcileCronTicks(db: Db, functions: ExecutorFunction[], removedIds: string[], now: Date, log: Logger): Promise<EventPayload[]> {
  const emitted: EventPayload[] = [];
  const cancel = async (tick: ExecutorRun, reason: string) => {
    emitted.push(...(await endRun(db, tick, { status: 'cancelled', reason }, now)));
    // The tick's key is released, so that a schedule put back later can queue the same tick again.
    await db.update(executorRuns).set({ idempotencyKey: null }).where(eq(executorRuns.id, tick.id));
  };
  for (const id of removedIds) {
    for (const tick of await queuedTicks(db, id)) await cancel(tick, 'the function is no longer served');
  }
  for (const fn of functions) {
    const crons = cronsOf(fn);
    const ticks = await queuedTicks(db, fn.id);
    for (const tick of ticks) {
      if (!crons.includes(tickCron(tick) ?? '')) await cancel(tick, 'the cron schedule changed');
    }
    for (const cron of crons) {
      if (ticks.some((t) => tickCron(t) === cron)) continue;
      try {
        await queueNextTick(db, fn, cron, now, now);
      } catch (err) {
        log.error({ err, functionId: fn.id, cron }, 'cannot schedule this cron trigger');
      }
    }
  }
  return emitted;
}
