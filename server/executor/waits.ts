// Paused steps: `step.sleep`/`sleepUntil` (a wait for no event that ends at its time), `step.waitForEvent` (ended
// by a matching event, or by its timeout with null) and `step.invoke` (ended by the invoked run, or by its timeout
// with an error). Resolving a wait memoizes the step and makes the run due again.
import { and, asc, desc, eq, isNull, lte } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorRuns, executorStepHistory, executorWaits } from '@/db/schema';
import type { Memo } from './protocol';
import { isActive, lockRun, recordStep, transaction, withMemo } from './state';

export type Wait = typeof executorWaits.$inferSelect;

export async function openWait(db: Db, runId: string, stepId: string): Promise<Wait | null> {
  const [w] = await db
    .select()
    .from(executorWaits)
    .where(and(eq(executorWaits.runId, runId), eq(executorWaits.stepId, stepId), isNull(executorWaits.resolvedAt)))
    .limit(1);
  return w ?? null;
}

export async function openWaits(db: Db, runId: string): Promise<Wait[]> {
  return db
    .select()
    .from(executorWaits)
    .where(and(eq(executorWaits.runId, runId), isNull(executorWaits.resolvedAt)))
    .orderBy(asc(executorWaits.id));
}

/** Registers a wait unless the step already has one (the SDK reports a pending wait again on every call). */
export async function createWait(db: Db, w: { runId: string; stepId: string; kind: 'event' | 'invoke'; eventName: string | null; condition: string | null; expiresAt: Date }): Promise<boolean> {
  if (await openWait(db, w.runId, w.stepId)) return false;
  await db.insert(executorWaits).values(w);
  return true;
}

/** What a wait leaves behind when its time is up. */
export function timeoutMemo(wait: Wait): Memo {
  if (wait.kind === 'invoke') return { type: 'error', error: { name: 'InngestInvokeTimeoutError', message: 'Timed out waiting for the invoked function to complete' } };
  return { type: 'data', data: null };
}

/**
 * Ends a wait with a result: memoizes it on the run and makes the run due. Returns false when the wait had
 * already ended (two events racing for one wait: the first one wins).
 */
export async function resolveWait(db: Db, wait: Wait, memo: Memo, now: Date): Promise<boolean> {
  const run = await lockRun(db, wait.runId);
  const [ended] = await db
    .update(executorWaits)
    .set({ resolvedAt: now })
    .where(and(eq(executorWaits.id, wait.id), isNull(executorWaits.resolvedAt)))
    .returning({ id: executorWaits.id });
  if (!ended || !run || !isActive(run.status)) return Boolean(ended);
  const { steps, stack } = withMemo(run, wait.stepId, memo);
  // A run whose call is in flight stays leased; the call's result sees the new memo and calls again at once.
  const nextRunAt = run.nextRunAt && run.nextRunAt < now ? run.nextRunAt : now;
  await db
    .update(executorRuns)
    .set({ steps, stack, status: 'running', nextRunAt, updatedAt: now })
    .where(eq(executorRuns.id, run.id));
  const [planned] = await db
    .select({ name: executorStepHistory.name, op: executorStepHistory.op })
    .from(executorStepHistory)
    .where(and(eq(executorStepHistory.runId, run.id), eq(executorStepHistory.stepId, wait.stepId)))
    .orderBy(desc(executorStepHistory.id))
    .limit(1);
  const op = planned?.op ?? (wait.kind === 'invoke' ? 'InvokeFunction' : wait.eventName ? 'WaitForEvent' : 'Sleep');
  await recordStep(db, {
    runId: run.id,
    stepId: wait.stepId,
    name: planned?.name ?? wait.stepId,
    op,
    status: memo.type === 'error' ? 'failed' : 'completed',
    data: memo.type === 'data' ? memo.data : undefined,
    error: memo.type === 'error' ? memo.error : null,
    at: now,
  });
  return true;
}

/** Ends every wait whose time is up: sleeps and event timeouts with null, invoke timeouts with an error. */
export async function expireWaits(db: Db, now: Date, limit = 100): Promise<number> {
  const due = await db
    .select()
    .from(executorWaits)
    .where(and(isNull(executorWaits.resolvedAt), lte(executorWaits.expiresAt, now)))
    .orderBy(asc(executorWaits.expiresAt))
    .limit(limit);
  let n = 0;
  for (const wait of due) {
    if (await transaction(db, (tx) => resolveWait(tx, wait, timeoutMemo(wait), now))) n++;
  }
  return n;
}
