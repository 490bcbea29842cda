// When smoke tests run by themselves: each environment's cron slot (the `smoke-tests` function looks every minute
// and runs the latest slot that came due, once: its key is the slot's time), and after a rollback of an
// environment whose smoke tests also run after rollouts (the rollback's history entry is the key). A run cut off
// by a stopped process is closed as an error and fires the smoke triggers.
import { and, desc, eq, gte, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { environmentHistory, environments, services, smokeRuns, type SmokeRun } from '@/db/schema';
import { parseCron } from '@/server/executor/cron';
import { logger } from '@/server/logger';
import { checksOf } from '../checks/settings';
import { entryAt } from '../environments/state';
import { onSmokeRun } from '../triggers/fire';
import { runSmoke } from './run';

/** A slot missed by more than this (the app was down) is skipped: a smoke test says how things are now. */
export const SLOT_GRACE_MS = 5 * 60_000;
/** Rollbacks this recent get their smoke test (the function looks every minute; this covers a few missed looks). */
export const ROLLBACK_LOOKBACK_MS = 15 * 60_000;
/** A run still `running` after this was cut off (its process stopped): it is closed as an error, so it does not show as running forever. */
export const STALE_RUN_MS = 15 * 60_000;

const log = logger.child({ part: 'smoke' });

/** The latest slot of `schedule` in (now − grace, now], or null when none is due. */
export function dueSlot(schedule: string, now: Date, graceMs = SLOT_GRACE_MS): Date | null {
  const { cron } = parseCron(schedule);
  let due: Date | null = null;
  let from = new Date(now.getTime() - graceMs);
  for (let i = 0; i < 1000; i++) {
    const next = cron.nextRun(from);
    if (!next || next.getTime() > now.getTime()) break;
    due = next;
    from = next;
  }
  return due;
}

/** The next slot after `now`, for the page that shows the schedule. */
export function nextSlot(schedule: string, now: Date): Date | null {
  try {
    return parseCron(schedule).cron.nextRun(now);
  } catch {
    return null;
  }
}

export interface DueRun {
  environment: string;
  key: string;
  status: SmokeRun['status'];
  created: boolean;
}

/**
 * Closes the runs still `running` with no progress for STALE_RUN_MS (the process running them stopped: a live run
 * records progress after every call, each bounded by its timeout) as errors that say so, and hands each to the
 * environment's smoke triggers, as a run that could not finish is: otherwise a crash in the middle of a smoke test
 * would never alert. A long run that keeps calling is never cut off.
 */
export async function closeStaleRuns(db: Db, now: Date): Promise<SmokeRun[]> {
  const closed = await db
    .update(smokeRuns)
    .set({
      status: 'error',
      error: `the smoke test was cut off before it finished: no call made for ${Math.round(STALE_RUN_MS / 60_000)} min (the process running it stopped)`,
      finishedAt: now,
    })
    .where(and(eq(smokeRuns.status, 'running'), lt(sql`coalesce(${smokeRuns.progressAt}, ${smokeRuns.startedAt})`, new Date(now.getTime() - STALE_RUN_MS))))
    .returning();
  for (const run of closed) {
    await onSmokeRun(db, run).catch((err: unknown) => log.error({ err, run: run.id }, 'could not fire the triggers of a cut-off smoke test'));
  }
  return closed;
}

/** Runs every smoke test that is due at `now` (scheduled slots and recent rollbacks); each key once. */
export async function runDueSmokeTests(db: Db, now: Date = new Date(), opts: { gatewayOrigin?: string | null } = {}): Promise<DueRun[]> {
  await closeStaleRuns(db, now);
  const rows = await db.select({ env: environments, service: services.name }).from(environments).innerJoin(services, eq(services.id, environments.serviceId)).where(and(isNotNull(environments.checks), isNull(services.archivedAt)));
  const out: DueRun[] = [];
  for (const { env, service } of rows) {
    const smoke = checksOf(env).smoke;
    if (!smoke.enabled || !smoke.suite) continue;
    const label = `${service}/${env.name}`;
    const due: { key: string; trigger: SmokeRun['trigger'] }[] = [];
    try {
      const slot = dueSlot(smoke.schedule, now);
      // Nothing deployed yet: nothing to test.
      if (slot && (await entryAt(db, env.id))) due.push({ key: `schedule:${slot.toISOString()}`, trigger: 'schedule' });
    } catch (err) {
      log.warn({ err, environment: label }, 'smoke test schedule is not valid');
    }
    if (smoke.afterRollouts) {
      const rollbacks = await db
        .select({ id: environmentHistory.id })
        .from(environmentHistory)
        .where(and(eq(environmentHistory.environmentId, env.id), inArray(environmentHistory.kind, ['rollback']), gte(environmentHistory.at, new Date(now.getTime() - ROLLBACK_LOOKBACK_MS))))
        .orderBy(desc(environmentHistory.id))
        .limit(1);
      // Only the latest rollback: the one whose routes serve now.
      for (const r of rollbacks) due.push({ key: `rollback:${r.id}`, trigger: 'rollback' });
    }
    for (const d of due) {
      try {
        const { run, created } = await runSmoke(db, { environmentId: env.id, trigger: d.trigger, key: d.key, gatewayOrigin: opts.gatewayOrigin });
        out.push({ environment: label, key: d.key, status: run.status, created });
      } catch (err) {
        log.error({ err, environment: label, key: d.key }, 'could not run a smoke test');
      }
    }
  }
  return out;
}
