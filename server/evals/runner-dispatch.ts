// How eval runs reach the workflow engine: events naming the run, sent once its rows are committed. The engine's
// client registers itself at start-up (connectEvals); a run recorded while none is registered stays queued and is
// dispatched by the sweep of queued runs.
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalRuns } from '@/db/schema';
import { inngest } from '@/inngest/client';
import { evalRunCancelledEvent, evalRunFinishedEvent, evalRunRequestedEvent } from '@/inngest/events';
import { logger } from '@/server/logger';
import { setEvalDispatcher } from '@/server/services/evals/dispatch';

// The event id makes a second dispatch of the same run a duplicate the engine ignores.
const requested = (runId: string) => ({ ...evalRunRequestedEvent.create({ runId }), id: `eval-run-${runId}` });

export function connectEvals(): void {
  setEvalDispatcher({
    start: async (runId) => {
      await inngest.send(requested(runId));
    },
    cancel: async (runId) => {
      await inngest.send(evalRunCancelledEvent.create({ runId }));
    },
    finished: async (end) => {
      await inngest.send(evalRunFinishedEvent.create(end));
    },
  });
}

/** Runs still queued a while after they were recorded never reached the engine (a crash between commit and send). */
export async function redispatchQueuedEvalRuns(db: Db, olderThanMs = 5_000): Promise<number> {
  const stale = await db
    .select({ id: evalRuns.id })
    .from(evalRuns)
    .where(and(eq(evalRuns.kind, 'eval'), eq(evalRuns.status, 'queued'), lt(evalRuns.createdAt, new Date(Date.now() - olderThanMs))));
  for (const run of stale) await inngest.send(requested(run.id));
  if (stale.length) logger.info({ runs: stale.length }, 'dispatched eval runs left queued');
  return stale.length;
}

