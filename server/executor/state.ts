// A run's durable state and the primitives every part of the executor changes it with: locking a run row,
// memoizing a step result (in `steps`, in completion order in `stack`), and the readable step history.
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorRuns, executorStepHistory, type ExecutorRun, type ExecutorRunStatus } from '@/db/schema';
import type { Memo } from './protocol';

export const ACTIVE_STATUSES: ExecutorRunStatus[] = ['queued', 'running', 'sleeping', 'waiting'];
export const isActive = (status: ExecutorRunStatus) => ACTIVE_STATUSES.includes(status);

/** The run row, locked until the transaction ends (every change to a run goes through this). */
export async function lockRun(db: Db, runId: string): Promise<ExecutorRun | null> {
  const [run] = await db.select().from(executorRuns).where(eq(executorRuns.id, runId)).for('update');
  return run ?? null;
}

/** `steps` and `stack` with one more result; a step already memoized keeps its first result. */
export function withMemo(run: Pick<ExecutorRun, 'steps' | 'stack'>, stepId: string, memo: Memo): { steps: Record<string, unknown>; stack: string[] } {
  if (Object.hasOwn(run.steps, stepId)) return { steps: run.steps, stack: run.stack };
  return { steps: { ...run.steps, [stepId]: memo }, stack: [...run.stack, stepId] };
}

export type StepStatus = (typeof executorStepHistory.$inferInsert)['status'];

export async function recordStep(
  db: Db,
  row: { runId: string; stepId: string; name: string; op: string; status: StepStatus; attempt?: number; data?: unknown; error?: Record<string, unknown> | null; at: Date },
): Promise<void> {
  await db.insert(executorStepHistory).values({ ...row, attempt: row.attempt ?? 0, data: row.data === undefined ? null : row.data, error: row.error ?? null });
}

/** Retries a transaction that PostgreSQL aborted to break a deadlock or a serialization conflict. */
export async function transaction<T>(db: Db, fn: (db: Db) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction((tx) => fn(tx as unknown as Db));
    } catch (err) {
      if (attempt >= 4 || !isConflict(err)) throw err;
      await new Promise((r) => setTimeout(r, 5 * 2 ** attempt + Math.random() * 10));
    }
  }
}

function isConflict(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '40P01' || code === '40001') return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
