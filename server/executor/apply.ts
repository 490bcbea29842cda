// Applying what a call answered to the run, in one transaction: memoized step results, planned parallel steps,
// sleeps, waits and invocations, retries with backoff (or the SDK's Retry-After), and the end of the run. Results
// of a worker that lost its lease are dropped, so a run never moves on twice.
import { and, desc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorFunctions, executorRuns, executorStepHistory, type ExecutorFunction, type ExecutorRun, type ExecutorRunStatus } from '@/db/schema';
import type { Logger } from '@/server/logger';
import type { CallOutcome } from './call';
import { resolveInstant, retryAfterInstant } from './durations';
import { ingestEvents } from './events';
import { ulid } from './ids';
import { configOf, createRun, endRun, type RunEnd } from './lifecycle';
import { INTERNAL_EVENTS, maxAttempts, toSerializedError, type Memo, type Op, type SerializedError } from './protocol';
import { isActive, lockRun, recordStep, transaction, type StepStatus } from './state';
import { createWait, openWait, openWaits } from './waits';

/** How long an invoked function may run when the caller set no timeout. */
const DEFAULT_INVOKE_TIMEOUT_MS = 365 * 24 * 3600_000;
/** Operations the embedded executor ignores: deferred work is fire-and-forget in the SDK. */
const IGNORED_OPS = new Set(['DeferAdd', 'DeferAbort']);

export interface CallResult {
  /** The planned step the call ran, or null for a discovery call. */
  stepId: string | null;
  outcome: CallOutcome;
}

export interface ApplyInput {
  run: ExecutorRun;
  fn: ExecutorFunction;
  lease: Date;
  results: CallResult[];
  now: Date;
  retryDelayMs: (attempt: number) => number;
  log: Logger;
}

export async function applyResults(db: Db, input: ApplyInput): Promise<ExecutorRunStatus | null> {
  return transaction(db, async (db) => {
    const run = await lockRun(db, input.run.id);
    if (!run || !isActive(run.status) || run.leaseUntil?.getTime() !== input.lease.getTime()) return null;
    return new Application(db, run, input).apply();
  });
}

/** Ends a claimed run outright (its function is gone, say). */
export async function failClaimedRun(db: Db, runId: string, lease: Date, error: SerializedError, now: Date): Promise<void> {
  await transaction(db, async (db) => {
    const run = await lockRun(db, runId);
    if (!run || !isActive(run.status) || run.leaseUntil?.getTime() !== lease.getTime()) return;
    await ingestEvents(db, await endRun(db, run, { status: 'failed', error }, now), now);
  });
}

class Application {
  private steps: Record<string, unknown>;
  private stack: string[];
  private pending: Set<string>;
  private progressed = false;
  private retryAt: Date | null = null;
  private end: RunEnd | null = null;
  private readonly attempts: number;

  constructor(
    private readonly db: Db,
    private readonly run: ExecutorRun,
    private readonly input: ApplyInput,
  ) {
    this.steps = run.steps;
    this.stack = run.stack;
    this.pending = new Set(run.pendingStepIds);
    this.attempts = maxAttempts(configOf(input.fn));
  }

  private get now() {
    return this.input.now;
  }
  private get lastAttempt() {
    return this.run.attempt + 1 >= this.attempts;
  }

  private memo(stepId: string, memo: Memo): void {
    this.pending.delete(stepId);
    if (Object.hasOwn(this.steps, stepId)) return;
    this.steps = { ...this.steps, [stepId]: memo };
    this.stack = [...this.stack, stepId];
    this.progressed = true;
  }

  private retry(retryAfter: string | null): void {
    const at = retryAfterInstant(retryAfter, this.now) ?? new Date(this.now.getTime() + this.input.retryDelayMs(this.run.attempt));
    if (!this.retryAt || at > this.retryAt) this.retryAt = at;
  }

  private history(stepId: string, name: string, op: string, status: StepStatus, extra: { data?: unknown; error?: SerializedError | null } = {}) {
    return recordStep(this.db, { runId: this.run.id, stepId, name, op, status, attempt: this.run.attempt, at: this.now, ...extra });
  }

  async apply(): Promise<ExecutorRunStatus> {
    // Waits that ended while the call was in flight: the SDK has not seen them yet, so call again.
    const newerMemo = this.run.stack.length > this.input.run.stack.length;
    let planned = false;
    for (const { stepId, outcome } of this.input.results) {
      if (outcome.kind === 'done') {
        this.end = { status: 'completed', output: outcome.output };
      } else if (outcome.kind === 'error') {
        await this.callFailed(stepId, outcome);
      } else {
        for (const op of outcome.ops) planned = (await this.applyOp(op, outcome.retryAfter)) || planned;
      }
    }
    if (this.end) {
      await ingestEvents(this.db, await endRun(this.db, this.run, this.end, this.now), this.now);
      return this.end.status;
    }
    let status: ExecutorRunStatus = 'running';
    let nextRunAt: Date | null = this.now;
    if (this.retryAt) {
      nextRunAt = this.retryAt;
    } else if (!this.progressed && !planned && !this.pending.size && !newerMemo) {
      const waits = await openWaits(this.db, this.run.id);
      if (waits.length) {
        status = waits.every((w) => w.kind === 'event' && !w.eventName) ? 'sleeping' : 'waiting';
        nextRunAt = null;
      } else {
        // The SDK reported nothing new and nothing is pending: calling again at once would spin.
        const error = { name: 'Error', message: 'the function reported no new step and did not finish' };
        if (this.lastAttempt) {
          await ingestEvents(this.db, await endRun(this.db, this.run, { status: 'failed', error }, this.now), this.now);
          return 'failed';
        }
        this.retry(null);
        nextRunAt = this.retryAt;
      }
    }
    await this.db
      .update(executorRuns)
      .set({
        steps: this.steps,
        stack: this.stack,
        pendingStepIds: [...this.pending],
        // Each step gets its own attempts: progress resets the counter, a retry advances it.
        attempt: this.retryAt ? this.run.attempt + 1 : this.progressed ? 0 : this.run.attempt,
        status,
        nextRunAt,
        leaseUntil: null,
        updatedAt: this.now,
      })
      .where(eq(executorRuns.id, this.run.id));
    return status;
  }

  private async callFailed(stepId: string | null, outcome: Extract<CallOutcome, { kind: 'error' }>): Promise<void> {
    const name = stepId ? await this.stepName(stepId) : 'function';
    if (outcome.retriable && !this.lastAttempt) {
      await this.history(stepId ?? 'function', name, stepId ? 'StepRun' : 'Function', 'retrying', { error: outcome.error });
      this.retry(outcome.retryAfter);
      return;
    }
    if (stepId) {
      // A planned step that cannot run: the function sees the error where it awaits the step.
      await this.history(stepId, name, 'StepRun', 'failed', { error: outcome.error });
      this.memo(stepId, { type: 'error', error: outcome.error });
    } else {
      this.end = { status: 'failed', error: outcome.error };
    }
  }

  private async stepName(stepId: string): Promise<string> {
    const [row] = await this.db
      .select({ name: executorStepHistory.name })
      .from(executorStepHistory)
      .where(and(eq(executorStepHistory.runId, this.run.id), eq(executorStepHistory.stepId, stepId)))
      .orderBy(desc(executorStepHistory.id))
      .limit(1);
    return row?.name ?? stepId;
  }

  /** Applies one operation; returns true when it planned a step. */
  private async applyOp(op: Op, retryAfter: string | null): Promise<boolean> {
    // A step whose result is already known can be reported again by a call that started before it ended.
    if (Object.hasOwn(this.steps, op.id)) return false;
    const name = op.displayName ?? op.name ?? op.id;
    const opts = (op.opts ?? {}) as Record<string, unknown>;
    switch (op.op) {
      case 'StepRun':
        await this.history(op.id, name, op.op, 'completed', { data: op.data ?? null });
        this.memo(op.id, { type: 'data', data: op.data ?? null });
        return false;
      case 'StepError': {
        const error = toSerializedError(op.error);
        if (this.lastAttempt) {
          await this.history(op.id, name, op.op, 'failed', { error });
          this.memo(op.id, { type: 'error', error });
        } else {
          await this.history(op.id, name, op.op, 'retrying', { error });
          this.retry(retryAfter);
        }
        return false;
      }
      case 'StepFailed': {
        const error = toSerializedError(op.error);
        await this.history(op.id, name, op.op, 'failed', { error });
        this.memo(op.id, { type: 'error', error });
        return false;
      }
      case 'StepPlanned':
        if (!this.pending.has(op.id)) {
          this.pending.add(op.id);
          await this.history(op.id, name, op.op, 'running');
        }
        return true;
      case 'Sleep':
        return this.sleep(op, name);
      case 'WaitForEvent':
        return this.waitForEvent(op, name, opts);
      case 'InvokeFunction':
        return this.invoke(op, name, opts);
      case 'RunComplete':
        this.end = { status: 'completed', output: op.data ?? null };
        return false;
      case 'StepNotFound':
        await this.history(op.id, name, op.op, 'retrying', { error: { name: 'Error', message: 'the SDK could not find the planned step' } });
        this.retry(retryAfter);
        return false;
      default:
        if (IGNORED_OPS.has(op.op)) return false;
        await this.unsupported(op, name, `${op.op} steps are not supported by the embedded executor; use Inngest for them`);
        return false;
    }
  }

  private async unsupported(op: Op, name: string, message: string): Promise<void> {
    const error = { name: 'Error', message };
    await this.history(op.id, name, op.op, 'failed', { error });
    this.memo(op.id, { type: 'error', error });
  }

  private async sleep(op: Op, name: string): Promise<boolean> {
    const until = resolveInstant(op.name ?? '', this.now);
    if (!until) {
      await this.unsupported(op, name, `cannot read the sleep duration "${op.name}"`);
      return false;
    }
    if (await createWait(this.db, { runId: this.run.id, stepId: op.id, kind: 'event', eventName: null, condition: null, expiresAt: until })) {
      await this.history(op.id, name, op.op, 'sleeping', { data: { until: until.toISOString() } });
    }
    return false;
  }

  private async waitForEvent(op: Op, name: string, opts: Record<string, unknown>): Promise<boolean> {
    const timeout = typeof opts.timeout === 'string' ? resolveInstant(opts.timeout, this.now) : null;
    const event = op.name ?? (typeof opts.event === 'string' ? opts.event : null);
    if (!event || !timeout) {
      await this.unsupported(op, name, `waitForEvent needs an event name and a readable timeout (got ${JSON.stringify({ event, timeout: opts.timeout })})`);
      return false;
    }
    const condition = typeof opts.if === 'string' ? opts.if : null;
    if (await createWait(this.db, { runId: this.run.id, stepId: op.id, kind: 'event', eventName: event, condition, expiresAt: timeout })) {
      await this.history(op.id, name, op.op, 'waiting', { data: { event, if: condition, until: timeout.toISOString() } });
    }
    return false;
  }

  private async invoke(op: Op, name: string, opts: Record<string, unknown>): Promise<boolean> {
    if (await openWait(this.db, this.run.id, op.id)) return false;
    const functionId = typeof opts.function_id === 'string' ? opts.function_id : '';
    const [target] = await this.db.select().from(executorFunctions).where(eq(executorFunctions.id, functionId)).limit(1);
    if (!target) {
      await this.unsupported(op, name, `cannot invoke "${functionId}": no synced app serves that function`);
      return false;
    }
    const payload = (opts.payload ?? {}) as { data?: Record<string, unknown>; v?: string };
    const expiresAt = (typeof opts.timeout === 'string' ? resolveInstant(opts.timeout, this.now) : null) ?? new Date(this.now.getTime() + DEFAULT_INVOKE_TIMEOUT_MS);
    await createWait(this.db, { runId: this.run.id, stepId: op.id, kind: 'invoke', eventName: null, condition: null, expiresAt });
    const [existing] = await this.db
      .select({ id: executorRuns.id })
      .from(executorRuns)
      .where(and(eq(executorRuns.parentRunId, this.run.id), eq(executorRuns.parentStepId, op.id)))
      .limit(1);
    const childId =
      existing?.id ??
      (await createRun(this.db, {
        fn: target,
        event: { id: ulid(this.now.getTime()), name: INTERNAL_EVENTS.invoked, data: payload.data ?? {}, ts: this.now.getTime(), ...(payload.v ? { v: payload.v } : {}) },
        now: this.now,
        parent: { runId: this.run.id, stepId: op.id },
      }));
    await this.history(op.id, name, op.op, 'waiting', { data: { function: functionId, run: childId, until: expiresAt.toISOString() } });
    return false;
  }
}
