// The shapes the SDK and the executor exchange: sync payloads with function configurations, events, memoized
// step results, and the operations a call answers with. Parsed leniently (unknown fields kept), because newer
// SDKs add fields the executor does not need.
import { z } from 'zod';

const concurrencyOption = z.object({ limit: z.number().int(), key: z.string().optional(), scope: z.enum(['fn', 'env', 'account']).optional() });

export const functionConfigSchema = z.looseObject({
  id: z.string().min(1),
  name: z.string().optional(),
  triggers: z
    .array(z.union([z.object({ event: z.string().min(1), expression: z.string().nullish() }), z.object({ cron: z.string().min(1), jitter: z.string().optional() })]))
    .default([]),
  steps: z.record(
    z.string(),
    z.looseObject({
      id: z.string(),
      name: z.string().optional(),
      runtime: z.looseObject({ type: z.string(), url: z.string() }),
      retries: z.looseObject({ attempts: z.number().int().min(0).optional() }).optional(),
    }),
  ),
  idempotency: z.string().optional(),
  cancel: z.array(z.looseObject({ event: z.string(), if: z.string().optional(), timeout: z.string().optional() })).optional(),
  concurrency: z.union([z.number().int(), concurrencyOption, z.array(concurrencyOption)]).optional(),
});
export type FunctionConfig = z.infer<typeof functionConfigSchema>;

export const registerBodySchema = z.looseObject({
  url: z.url(),
  appName: z.string().min(1),
  functions: z.array(z.unknown()).default([]),
  sdk: z.string().optional(),
  framework: z.string().optional(),
});

/** Options the embedded executor accepts but does not enforce; a sync logs them so nobody relies on them unknowingly. */
export const UNENFORCED_OPTIONS = ['batchEvents', 'rateLimit', 'throttle', 'debounce', 'singleton', 'priority', 'timeouts'] as const;

export const DEFAULT_RETRIES = 3;

/** Attempts per step (and per function call): the configured retries plus the first try. */
export function maxAttempts(config: FunctionConfig): number {
  const step = Object.values(config.steps)[0];
  return (step?.retries?.attempts ?? DEFAULT_RETRIES) + 1;
}

export interface ConcurrencyLimit {
  limit: number;
  key?: string;
  scope: 'fn' | 'env' | 'account';
}

export function concurrencyLimits(config: FunctionConfig): ConcurrencyLimit[] {
  const c = config.concurrency;
  if (c === undefined) return [];
  const list = typeof c === 'number' ? [{ limit: c }] : Array.isArray(c) ? c : [c];
  // A limit of 0 means "no limit" in Inngest's configuration.
  return list.filter((l) => l.limit > 0).map((l) => ({ limit: l.limit, key: l.key, scope: l.scope ?? 'fn' }));
}

export function stepUrl(config: FunctionConfig): string | null {
  return Object.values(config.steps)[0]?.runtime.url ?? null;
}

/** An event as the executor stores it and the SDK receives it. */
export interface EventPayload {
  id: string;
  name: string;
  data: Record<string, unknown>;
  user?: Record<string, unknown>;
  ts: number;
  v?: string;
}

export const incomingEventSchema = z.looseObject({
  id: z.string().min(1).max(200).optional(),
  name: z.string().min(1).max(400),
  data: z.record(z.string(), z.unknown()).nullish(),
  user: z.record(z.string(), z.unknown()).nullish(),
  ts: z.number().optional(),
  v: z.string().optional(),
});

/** A step's error as the SDK serializes it. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  [key: string]: unknown;
}

/** A memoized step result, as sent back to the SDK in `steps`. */
export type Memo = { type: 'data'; data: unknown } | { type: 'error'; error: SerializedError };

/** One operation of a 206 answer. */
export const opSchema = z.looseObject({
  id: z.string().min(1),
  op: z.string(),
  name: z.string().nullish(),
  displayName: z.string().nullish(),
  opts: z.record(z.string(), z.unknown()).nullish(),
  data: z.unknown().optional(),
  error: z.unknown().optional(),
});
export type Op = z.infer<typeof opSchema>;

export function toSerializedError(value: unknown, fallback = 'Unknown error'): SerializedError {
  if (value && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return {
      ...v,
      name: typeof v.name === 'string' && v.name ? v.name : 'Error',
      message: typeof v.message === 'string' ? v.message : typeof v.error === 'string' ? v.error : fallback,
    };
  }
  return { name: 'Error', message: typeof value === 'string' && value ? value : fallback };
}

/** Internal events the executor emits, with the names the SDK uses for them. */
export const INTERNAL_EVENTS = {
  invoked: 'inngest/function.invoked',
  finished: 'inngest/function.finished',
  failed: 'inngest/function.failed',
  cancelled: 'inngest/function.cancelled',
  cron: 'inngest/scheduled.timer',
} as const;
