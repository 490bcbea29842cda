// Starting and ending runs: a new run with its idempotency and concurrency keys, and the end of a run —
// completed, failed or cancelled — which releases its waits, hands the result to a parent that invoked it, and
// yields the internal events (`inngest/function.finished`, `.failed`, `.cancelled`) for the caller to ingest.
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorRuns, executorWaits, type ExecutorFunction, type ExecutorRun } from '@/db/schema';
import { keyOf } from './expressions';
import { ulid } from './ids';
import { concurrencyLimits, functionConfigSchema, INTERNAL_EVENTS, type EventPayload, type FunctionConfig, type Memo, type SerializedError } from './protocol';
import { openWait, resolveWait } from './waits';

/** Inngest keeps an idempotency key for a day; after that the same key starts a new run. */
const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

export function configOf(fn: Pick<ExecutorFunction, 'config'>): FunctionConfig {
  return functionConfigSchema.parse(fn.config);
}

export interface NewRun {
  fn: ExecutorFunction;
  event: EventPayload;
  now: Date;
  /** When it should first be called (cron ticks are created ahead of time). */
  runAt?: Date;
  /** The run and step that invoked it with `step.invoke`. */
  parent?: { runId: string; stepId: string };
  /** Overrides the function's own idempotency expression (cron ticks use one key per tick). */
  idempotencyKey?: string;
}

/** Creates a queued run; returns null when the idempotency key already belongs to a run. */
export async function createRun(db: Db, r: NewRun): Promise<string | null> {
  const config = configOf(r.fn);
  const vars = { event: r.event };
  const idempotencyKey = r.idempotencyKey ?? (config.idempotency && !r.parent ? keyOf(config.idempotency, vars) : null);
  if (idempotencyKey) {
    await db
      .update(executorRuns)
      .set({ idempotencyKey: null })
      .where(and(eq(executorRuns.functionId, r.fn.id), eq(executorRuns.idempotencyKey, idempotencyKey), lt(executorRuns.createdAt, new Date(r.now.getTime() - IDEMPOTENCY_WINDOW_MS))));
  }
  const keyed = concurrencyLimits(config).find((l) => l.key);
  const id = ulid(r.now.getTime());
  const [row] = await db
    .insert(executorRuns)
    .values({
      id,
      functionId: r.fn.id,
      event: r.event as unknown as Record<string, unknown>,
      events: [r.event as unknown as Record<string, unknown>],
      status: 'queued',
      nextRunAt: r.runAt ?? r.now,
      concurrencyKey: keyed?.key ? keyOf(keyed.key, vars) : null,
      idempotencyKey,
      parentRunId: r.parent?.runId ?? null,
      parentStepId: r.parent?.stepId ?? null,
      createdAt: r.now,
      updatedAt: r.now,
    })
    .onConflictDoNothing()
    .returning({ id: executorRuns.id });
  return row?.id ?? null;
}

export type RunEnd = { status: 'completed'; output: unknown } | { status: 'failed'; error: SerializedError } | { status: 'cancelled'; reason: string };

function internalEvent(name: string, data: Record<string, unknown>, now: Date): EventPayload {
  return { id: ulid(now.getTime()), name, data, ts: now.getTime() };
}

/** Ends a locked, active run. Returns the internal events to ingest in the same transaction. */
export async function endRun(db: Db, run: ExecutorRun, end: RunEnd, now: Date): Promise<EventPayload[]> {
  await db
    .update(executorRuns)
    .set({
      status: end.status,
      output: end.status === 'completed' ? (end.output ?? null) : null,
      error: end.status === 'failed' ? end.error : null,
      cancelReason: end.status === 'cancelled' ? end.reason : null,
      nextRunAt: null,
      leaseUntil: null,
      pendingStepIds: [],
      endedAt: now,
      updatedAt: now,
    })
    .where(eq(executorRuns.id, run.id));
  // Waits left over (the losing side of a race, say) end with the run.
  await db
    .update(executorWaits)
    .set({ resolvedAt: now })
    .where(and(eq(executorWaits.runId, run.id), isNull(executorWaits.resolvedAt)));

  if (run.parentRunId && run.parentStepId) {
    const wait = await openWait(db, run.parentRunId, run.parentStepId);
    const memo: Memo =
      end.status === 'completed'
        ? { type: 'data', data: end.output ?? null }
        : end.status === 'failed'
          ? { type: 'error', error: end.error }
          : { type: 'error', error: { name: 'Error', message: `The invoked function was cancelled: ${end.reason}` } };
    if (wait) await resolveWait(db, wait, memo, now);
  }

  const base = { function_id: run.functionId, run_id: run.id, event: run.event };
  if (end.status === 'cancelled') return [internalEvent(INTERNAL_EVENTS.cancelled, { ...base, reason: end.reason }, now)];
  const events = [internalEvent(INTERNAL_EVENTS.finished, end.status === 'completed' ? { ...base, result: end.output ?? null } : { ...base, error: end.error }, now)];
  if (end.status === 'failed') events.push(internalEvent(INTERNAL_EVENTS.failed, { ...base, error: end.error }, now));
  return events;
}
