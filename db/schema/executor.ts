// The embedded Inngest executor's state, kept in the app database so that a run survives a restart:
// synced functions, received events, runs with their memoized step results, pending waits and timers.
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const executorFunctions = pgTable('executor_functions', {
  /** `<app id>-<function id>`, as the SDK names it in `fnId`. */
  id: text('id').primaryKey(),
  appId: text('app_id').notNull(),
  name: text('name').notNull(),
  /** The function's configuration as the SDK registers it (triggers, steps, retries, concurrency, cancel, idempotency…). */
  config: jsonb('config').$type<Record<string, unknown>>().notNull(),
  /** The serve endpoint that runs it. */
  url: text('url').notNull(),
  syncedAt: timestamp('synced_at', { withTimezone: true }).notNull().defaultNow(),
});

export const executorEvents = pgTable(
  'executor_events',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    user: jsonb('user').$type<Record<string, unknown> | null>(),
    ts: timestamp('ts', { withTimezone: true }).notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('executor_events_name_idx').on(t.name, t.receivedAt)],
);

export type ExecutorRunStatus = 'queued' | 'running' | 'sleeping' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export const executorRuns = pgTable(
  'executor_runs',
  {
    id: text('id').primaryKey(),
    functionId: text('function_id').notNull(),
    /** The triggering event (or the cron tick), and the batch the SDK receives as `events`. */
    event: jsonb('event').$type<Record<string, unknown>>().notNull(),
    events: jsonb('events').$type<Record<string, unknown>[]>().notNull(),
    status: text('status').$type<ExecutorRunStatus>().notNull().default('queued'),
    /** Memoized step results keyed by hashed step id, exactly as sent back to the SDK in `steps`. */
    steps: jsonb('steps').$type<Record<string, unknown>>().notNull().default({}),
    /** Hashed step ids in the order they completed (`ctx.stack.stack`). */
    stack: jsonb('stack').$type<string[]>().notNull().default([]),
    /** Attempt of the step (or function) being retried. */
    attempt: integer('attempt').notNull().default(0),
    /** A step the SDK asked to run by itself on the next call (a planned parallel step). */
    pendingStepIds: jsonb('pending_step_ids').$type<string[]>().notNull().default([]),
    nextRunAt: timestamp('next_run_at', { withTimezone: true }),
    /** Lease: a worker owns the run until then; a crashed worker's lease simply expires. */
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    concurrencyKey: text('concurrency_key'),
    idempotencyKey: text('idempotency_key'),
    /** For `step.invoke`: the parent run and step waiting for this run's result. */
    parentRunId: text('parent_run_id'),
    parentStepId: text('parent_step_id'),
    output: jsonb('output'),
    error: jsonb('error').$type<Record<string, unknown> | null>(),
    cancelReason: text('cancel_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('executor_runs_due_idx').on(t.status, t.nextRunAt),
    index('executor_runs_function_idx').on(t.functionId, t.createdAt),
    uniqueIndex('executor_runs_idempotency_key').on(t.functionId, t.idempotencyKey),
  ],
);

/** A readable history of each step of a run: what ran, how often, how long, and its result or error. */
export const executorStepHistory = pgTable(
  'executor_step_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    name: text('name').notNull(),
    op: text('op').notNull(),
    status: text('status', { enum: ['running', 'completed', 'failed', 'retrying', 'waiting', 'sleeping'] }).notNull(),
    attempt: integer('attempt').notNull().default(0),
    data: jsonb('data'),
    error: jsonb('error').$type<Record<string, unknown> | null>(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('executor_step_history_run_idx').on(t.runId, t.id)],
);

/** A run paused on `step.waitForEvent` (or on an invoked run): resumed by a matching event or its timeout. */
export const executorWaits = pgTable(
  'executor_waits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: text('run_id').notNull(),
    stepId: text('step_id').notNull(),
    kind: text('kind', { enum: ['event', 'invoke'] }).notNull(),
    eventName: text('event_name'),
    /** The wait's condition: an `if` expression over `event` and `async`, or a `match` field path. */
    condition: text('condition'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (t) => [index('executor_waits_event_idx').on(t.eventName, t.resolvedAt), index('executor_waits_run_idx').on(t.runId)],
);

export type ExecutorRun = typeof executorRuns.$inferSelect;
export type ExecutorFunction = typeof executorFunctions.$inferSelect;
