// What the executor's queries share: reading a function's stored configuration into what the UI shows.
import { functionConfigSchema, maxAttempts, concurrencyLimits } from '@/server/executor/protocol';
import type { ExecutorFunction } from '@/db/schema';

export const RUN_STATUSES = ['queued', 'running', 'sleeping', 'waiting', 'completed', 'failed', 'cancelled'] as const;

/** Triggers and flow control of a function, as plain fields (a configuration that no longer parses shows none). */
export function describeFunction(fn: Pick<ExecutorFunction, 'config'>) {
  const parsed = functionConfigSchema.safeParse(fn.config);
  if (!parsed.success) return { events: [], crons: [], retries: null, concurrency: [], cancelOn: [], idempotency: null };
  const c = parsed.data;
  return {
    events: c.triggers.flatMap((t) => ('event' in t ? [{ name: t.event, if: t.expression ?? null }] : [])),
    crons: c.triggers.flatMap((t) => ('cron' in t ? [t.cron] : [])),
    retries: maxAttempts(c) - 1,
    concurrency: concurrencyLimits(c),
    cancelOn: (c.cancel ?? []).map((x) => ({ event: x.event, if: x.if ?? null, timeout: x.timeout ?? null })),
    idempotency: c.idempotency ?? null,
  };
}

/** A stored error as one line for tables. */
export function errorMessage(error: unknown): string | null {
  if (!error || typeof error !== 'object') return null;
  const e = error as { name?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : null;
  const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : null;
  return message ? (name ? `${name}: ${message}` : message) : name;
}
