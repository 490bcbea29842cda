// Connects rollouts to the jobs engine: starts and signals are events, the end of a rollout is announced for a
// pipeline run waiting on it, notifications go out in the background, and active rollouts are dispatched again
// every so often (a start lost to a crash between commit and send; the engine ignores a repeat).
import { and, gt, inArray, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { ACTIVE_ROLLOUT_STATUSES, rollouts } from '@/db/schema';
import type { Inngest } from 'inngest';
import { inngest } from '@/inngest/client';
import { rolloutFinishedEvent, rolloutRequestedEvent, rolloutSignalEvent } from '@/inngest/events';
import { logger } from '@/server/logger';
import { rolloutDispatcher, setRolloutDispatcher, type RolloutDispatcher } from '@/server/services/rollouts/dispatch';
import { notifyRollout } from './notify';

const started = (rolloutId: string) => ({ ...rolloutRequestedEvent.create({ rolloutId }), id: `rollout-${rolloutId}` });

/** The dispatcher that sends rollouts' events with `client`: the app's, or a test harness's. */
export function rolloutDispatcherFor(client: Pick<Inngest, 'send'>, db: Db): RolloutDispatcher {
  return {
    start: async (rolloutId) => {
      await client.send(started(rolloutId));
    },
    signal: async (rolloutId, reason) => {
      await client.send(rolloutSignalEvent.create({ rolloutId, reason }));
    },
    finished: async (rolloutId, status) => {
      await client.send(rolloutFinishedEvent.create({ rolloutId, status }));
    },
    notify: (rolloutId, status) => {
      void notifyRollout(db, rolloutId, status).catch((err: unknown) => logger.warn({ rolloutId, problem: (err as Error).message }, 'rollout notification failed'));
    },
  };
}

export function connectRollouts(db: Db): void {
  setRolloutDispatcher(rolloutDispatcherFor(inngest, db));
}

/** Engines forget event ids after a day; a start sent again later would begin a second run of the same rollout. */
const DEDUPE_WINDOW_MS = 23 * 3600_000;

/**
 * Sends the start of every active rollout of the last day again; its event id makes this a no-op for rollouts
 * already running. Older ones were started long ago (the loss this covers is a crash between commit and send).
 */
export async function redispatchActiveRollouts(db: Db, olderThanMs = 5_000): Promise<number> {
  const now = Date.now();
  const rows = await db
    .select({ id: rollouts.id })
    .from(rollouts)
    .where(and(inArray(rollouts.status, [...ACTIVE_ROLLOUT_STATUSES]), lt(rollouts.createdAt, new Date(now - olderThanMs)), gt(rollouts.createdAt, new Date(now - DEDUPE_WINDOW_MS))));
  const dispatcher = rolloutDispatcher();
  if (!dispatcher) return 0;
  for (const r of rows) await dispatcher.start(r.id);
  return rows.length;
}

