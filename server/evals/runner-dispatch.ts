// How eval runs reach the workflow engine: events naming the run, sent once its rows are committed. The engine's
// client registers itself at start-up (connectEvals); a run recorded while none is registered stays queued and is
// dispatched by the sweep of queued runs.
import { and, eq, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { evalRuns } from '@/db/schema';
import { inngest } from '@/inngest/client';
import { evalRunCancelledEvent, evalRunFinishedEvent, evalRunRequestedEvent } from '@/inngest/events';
import { logger } from '@/server/logger';

export interface EvalRunEnd {
  runId: string;
  serviceId: string;
  status: string;
  passed: boolean;
}

export interface EvalDispatcher {
  start(runId: string): Promise<void>;
  cancel(runId: string): Promise<void>;
  /** Announces the end of a run (`slipway/eval-run.finished`): gates and pipeline steps waiting on it go on. */
  finished(end: EvalRunEnd): Promise<void>;
}

const KEY = Symbol.for('slipway.evalDispatcher');
type Holder = { [KEY]?: EvalDispatcher };

export function setEvalDispatcher(d: EvalDispatcher | undefined): void {
  (globalThis as Holder)[KEY] = d;
}

export function evalDispatcher(): EvalDispatcher | undefined {
  return (globalThis as Holder)[KEY];
}

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
    .where(and(eq(evalRuns.status, 'queued'), lt(evalRuns.createdAt, new Date(Date.now() - olderThanMs))));
  for (const run of stale) await inngest.send(requested(run.id));
  if (stale.length) logger.info({ runs: stale.length }, 'dispatched eval runs left queued');
  return stale.length;
}

export function sweepQueuedEvalRuns(db: Db, everyMs = 30_000): () => void {
  const timer = setInterval(() => void redispatchQueuedEvalRuns(db).catch((err: unknown) => logger.warn({ err }, 'queued eval-run sweep failed')), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
