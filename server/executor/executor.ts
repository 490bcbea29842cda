// The embedded executor: syncs the app's functions through the SDK's own sync flow, then loops — ending waits
// whose time is up, leasing due runs (within concurrency limits) and calling the serve endpoint for each, with
// the lease extended while a call is in flight. All state is in the database; the process holds none that a
// restart would need.
import { and, eq, isNotNull } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { executorRuns } from '@/db/schema';
import { metrics } from '@/server/lib/metrics';
import { logger as rootLogger, type Logger } from '@/server/logger';
import { applyResults, failClaimedRun, type CallResult } from './apply';
import { callFunction, type CallBody } from './call';
import { claimDueRuns, nextDueAt, type Claimed } from './claim';
import { ingestEvents, type IngestResult } from './events';
import { registerApp, type SyncResult } from './functions';
import { configOf } from './lifecycle';
import { maxAttempts, stepUrl, type EventPayload } from './protocol';
import { signatureHeader } from './signature';
import { transaction } from './state';
import { expireWaits } from './waits';

/**
 * The longest the embedded executor sleeps when nothing is due: a bound on how late it would see work that reached the
 * database without waking it (every path in this process wakes it: events, syncs, finished calls).
 */
export const MAX_IDLE_MS = 5_000;

export interface ExecutorOptions {
  db: Db;
  /** The serve endpoint the executor syncs (PUT) and, through the registered URLs, calls. */
  serveUrl: string;
  signingKey: string;
  signingKeyFallback?: string;
  /** The key the SDK puts in event URLs (`…/e/<key>`). */
  eventKey: string;
  /**
   * With an embedded database only this process can hold leases, so leases left by a crashed process are released
   * at start instead of waiting for them to expire. Never set it with a database other processes share.
   */
  soleWorker?: boolean;
  /** The executor's clock (tests move it forward to reach cron ticks and timeouts). */
  clock?: () => Date;
  /**
   * How often the loop looks for due work. With `soleWorker` and the real clock this is the shortest sleep: the loop
   * then sleeps until the next run or wait comes due (at most MAX_IDLE_MS), since nothing else can add work unseen.
   */
  pollIntervalMs?: number;
  leaseMs?: number;
  /** Runs called at the same time. */
  maxParallel?: number;
  /** Delay before the retry after the given (zero-based) attempt failed. */
  retryDelayMs?: (attempt: number) => number;
  callTimeoutMs?: number;
  logger?: Logger;
}

/** Exponential backoff with jitter: about 1 s, 2 s, 4 s… up to 5 minutes. */
export function defaultRetryDelay(attempt: number): number {
  const base = Math.min(1000 * 2 ** attempt, 300_000);
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

export class Executor {
  readonly db: Db;
  readonly log: Logger;
  private readonly now: () => Date;
  private readonly leaseMs: number;
  private readonly maxParallel: number;
  private readonly pollIntervalMs: number;
  private readonly inFlight = new Map<string, { done: Promise<void>; abort: AbortController; lease: () => Date }>();
  private loopDone: Promise<void> | null = null;
  private stopping = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;

  constructor(readonly opts: ExecutorOptions) {
    this.db = opts.db;
    this.log = (opts.logger ?? rootLogger).child({ part: 'executor' });
    this.now = opts.clock ?? (() => new Date());
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.maxParallel = opts.maxParallel ?? 8;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
  }

  get keys(): { signingKey: string; signingKeyFallback?: string; eventKey: string } {
    return { signingKey: this.opts.signingKey, signingKeyFallback: this.opts.signingKeyFallback, eventKey: this.opts.eventKey };
  }

  /**
   * Syncs the app's functions, then starts the loop: runs resumed after a restart are called at the URLs of this
   * start (the port may have changed). If the sync keeps failing, runs of functions synced before still run.
   */
  async start(): Promise<void> {
    if (this.loopDone) return;
    this.loopDone = Promise.resolve();
    if (this.opts.soleWorker) {
      const released = await this.db.update(executorRuns).set({ leaseUntil: null }).where(isNotNull(executorRuns.leaseUntil)).returning({ id: executorRuns.id });
      if (released.length) this.log.info({ runs: released.length }, 'resuming runs that were in flight when the app stopped');
    }
    for (let attempt = 1; !this.stopping; attempt++) {
      try {
        const res = await this.sync();
        this.log.info({ message: res.message, modified: res.modified }, 'synced the app’s functions');
        break;
      } catch (err) {
        if (attempt >= 5) {
          this.log.error({ err }, 'could not sync the app’s functions; runs of functions synced before still run');
          break;
        }
        await new Promise((r) => setTimeout(r, 500 * attempt));
      }
    }
    if (!this.stopping) this.loopDone = this.loop();
    metrics().watchExecutor(() => this.inFlight.size);
  }

  /**
   * The SDK's sync flow: a PUT to the serve endpoint makes the SDK post its function configurations to the
   * executor's register endpoint. The PUT is signed, because the serve endpoint refuses unsigned syncs. It goes to
   * the app's own serve endpoint, which is internal: not under the outbound policy.
   */
  async sync(): Promise<{ message: string; modified: boolean }> {
    const res = await fetch(this.opts.serveUrl, { method: 'PUT', headers: { 'x-inngest-signature': signatureHeader('', this.opts.signingKey), 'x-inngest-server-kind': 'cloud' } });
    const body = (await res.json().catch(() => ({}))) as { message?: string; modified?: boolean };
    if (!res.ok) throw new Error(`sync failed with ${res.status}: ${body.message ?? 'no message'}`);
    return { message: body.message ?? 'synced', modified: Boolean(body.modified) };
  }

  /** What the register endpoint does with a sync payload. */
  async register(body: unknown): Promise<SyncResult> {
    const result = await registerApp(this.db, body, this.now(), this.log);
    this.wake();
    return result;
  }

  /** What the event endpoint does with a batch. */
  async receive(events: EventPayload[]): Promise<IngestResult> {
    const now = this.now();
    const result = await transaction(this.db, (db) => ingestEvents(db, events, now));
    // New runs, resumed waits and cancellations are all picked up at once rather than at the next poll.
    this.wake();
    return result;
  }

  clockNow(): Date {
    return this.now();
  }

  /** Runs the loop's next round now instead of at the next poll. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /**
   * How long to sleep before the next round. Another process sharing the database can add or free work at any time,
   * and a test's clock can jump, so then the loop polls; an embedded database's executor is the only writer of its
   * runs, so it sleeps until the next due time instead of querying four times a second for nothing.
   */
  private async sleepMs(): Promise<number> {
    if (!this.opts.soleWorker || this.opts.clock) return this.pollIntervalMs;
    try {
      const due = await nextDueAt(this.db);
      const wait = due ? due.getTime() - Date.now() : MAX_IDLE_MS;
      return Math.min(MAX_IDLE_MS, Math.max(this.pollIntervalMs, wait));
    } catch (err) {
      this.log.warn({ err }, 'could not read when work is next due; polling');
      return this.pollIntervalMs;
    }
  }

  private async idle(): Promise<void> {
    const ms = this.woken ? 0 : await this.sleepMs();
    // Woken while reading the next due time: the work that woke it may be due now.
    if (this.woken || this.stopping) {
      this.woken = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.wakeUp = null;
    this.woken = false;
  }

  private async loop(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.tick();
      } catch (err) {
        this.log.error({ err }, 'executor round failed; trying again');
      }
      if (!this.stopping) await this.idle();
    }
  }

  /** One round: end due waits, then lease and start as many due runs as there are free slots. */
  async tick(): Promise<void> {
    const now = this.now();
    await expireWaits(this.db, now);
    const free = this.maxParallel - this.inFlight.size;
    for (const claimed of await claimDueRuns(this.db, now, free, this.leaseMs)) {
      const abort = new AbortController();
      let lease = claimed.lease;
      const entry = {
        abort,
        lease: () => lease,
        done: this.process(claimed, abort.signal, (l) => (lease = l))
          .catch((err: unknown) => this.log.error({ err, runId: claimed.run.id }, 'run step failed in the executor'))
          .finally(() => {
            this.inFlight.delete(claimed.run.id);
            this.wake();
          }),
      };
      this.inFlight.set(claimed.run.id, entry);
    }
  }

  private async process({ run, fn, lease: claimedLease }: Claimed, signal: AbortSignal, setLease: (l: Date) => void): Promise<void> {
    const now = this.now();
    const url = fn ? stepUrl(configOf(fn)) : null;
    if (!fn || !url) {
      await failClaimedRun(this.db, run.id, claimedLease, { name: 'Error', message: `function ${run.functionId} is no longer served by any synced app` }, now);
      metrics().observeRunEnd(run.functionId, 'failed');
      return;
    }
    let lease = claimedLease;
    let renewing: Promise<void> = Promise.resolve();
    const heartbeat = setInterval(() => {
      renewing = renewing.then(async () => {
        const next = new Date(this.now().getTime() + this.leaseMs);
        const [kept] = await this.db
          .update(executorRuns)
          .set({ leaseUntil: next })
          .where(and(eq(executorRuns.id, run.id), eq(executorRuns.leaseUntil, lease)))
          .returning({ id: executorRuns.id });
        if (kept) {
          lease = next;
          setLease(next);
        }
      }).catch((err: unknown) => this.log.warn({ err, runId: run.id }, 'could not extend a lease'));
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    let results: CallResult[];
    try {
      const body: CallBody = {
        event: run.event,
        events: run.events,
        steps: run.steps,
        ctx: {
          run_id: run.id,
          attempt: run.attempt,
          max_attempts: maxAttempts(configOf(fn)),
          disable_immediate_execution: false,
          use_api: false,
          stack: { stack: run.stack, current: run.stack.length },
        },
      };
      // Planned parallel steps run at the same time, each in its own call; otherwise the SDK discovers what is next.
      const targets: (string | null)[] = run.pendingStepIds.length ? run.pendingStepIds : [null];
      results = await Promise.all(
        targets.map(async (stepId) => ({
          stepId,
          outcome: await callFunction({ url, stepId, body, signingKey: this.opts.signingKey, signingKeyFallback: this.opts.signingKeyFallback, timeoutMs: this.opts.callTimeoutMs ?? 2 * 3600_000, signal }),
        })),
      );
    } finally {
      clearInterval(heartbeat);
      await renewing;
    }
    if (signal.aborted) return;
    const status = await applyResults(this.db, { run, fn, lease, results, now: this.now(), retryDelayMs: this.opts.retryDelayMs ?? defaultRetryDelay, log: this.log });
    // Counted once committed, so a transaction that rolled back counts nothing.
    if (status === 'completed' || status === 'failed' || status === 'cancelled') metrics().observeRunEnd(run.functionId, status);
  }

  /**
   * Stops taking work and waits for calls in flight (up to `graceMs`); calls still running then are abandoned and
   * their leases released, so the next start (or another process) resumes those runs at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.wake();
    await this.loopDone;
    const pending = [...this.inFlight.values()].map((e) => e.done);
    const timedOut = await Promise.race([Promise.all(pending).then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (!timedOut) return;
    const abandoned = [...this.inFlight.entries()];
    for (const [, e] of abandoned) e.abort.abort();
    for (const [runId, e] of abandoned) {
      await this.db
        .update(executorRuns)
        .set({ leaseUntil: null })
        .where(and(eq(executorRuns.id, runId), eq(executorRuns.leaseUntil, e.lease())))
        .catch(() => undefined);
    }
    this.log.warn({ runs: abandoned.length }, 'stopped with calls still in flight; their runs resume at the next start');
  }

  /** Runs currently being called (for tests and health). */
  inFlightRuns(): string[] {
    return [...this.inFlight.keys()];
  }
}

