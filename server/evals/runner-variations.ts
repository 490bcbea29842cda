// Connects prompt-variations runs to the workflow engine: a started run is sent as an event once committed; the
// event id makes a second dispatch of the same run a duplicate the engine ignores. A run recorded but never begun
// (a crash between commit and send, an engine that was down) is sent again at start and by a periodic sweep.
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalRuns } from '@/db/schema';
import { inngest } from '@/inngest/client';
import { variationsRequestedEvent } from '@/inngest/events';
import { logger } from '@/server/logger';
import { setVariationsDispatcher } from '@/server/services/evals/variations-dispatch';

const requested = (runId: string) => ({ ...variationsRequestedEvent.create({ runId }), id: `variations-run-${runId}` });

export function connectVariations(): void {
  setVariationsDispatcher({
    start: async (runId) => {
      await inngest.send(requested(runId));
    },
  });
}

/** Variations runs recorded a while ago whose function never began them. */
export async function redispatchUnstartedVariations(db: Db, olderThanMs = 30_000): Promise<number> {
  const stale = await db
    .select({ id: evalRuns.id })
    .from(evalRuns)
    .where(and(eq(evalRuns.kind, 'prompt-variations'), eq(evalRuns.status, 'running'), isNull(evalRuns.startedAt), lt(evalRuns.createdAt, new Date(Date.now() - olderThanMs))));
  for (const run of stale) await inngest.send(requested(run.id));
  if (stale.length) logger.info({ runs: stale.length }, 'dispatched prompt-variations runs never begun');
  return stale.length;
}

