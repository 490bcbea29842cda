// The gateway's own records: per-service API keys for applications, one telemetry row per request (and per
// shadow request), and feedback scores that applications send back for a request.
import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { services } from './registry';

export const gatewayKeys = pgTable(
  'gateway_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id),
    name: text('name').notNull(),
    /** sha256 of the key; the key itself (`sgw_…`) is shown once. */
    keyHash: text('key_hash').notNull(),
    prefix: text('prefix').notNull(),
    /** May pin a release with the X-Slipway-Release header (for smoke tests and debugging). */
    allowPin: boolean('allow_pin').notNull().default(false),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('gateway_keys_hash_key').on(t.keyHash), index('gateway_keys_service_idx').on(t.serviceId)],
);

export interface RequestFeatures {
  inputChars: number;
  outputChars: number;
  messages: number;
  finishReason: string | null;
  /** The answer reads as a refusal (server/lib/refusal.ts); absent on rows written before it was recorded. */
  refusal?: boolean;
  /** The answer parses as JSON (null when it does not look like JSON at all); absent on older rows. */
  json?: boolean | null;
}

/**
 * Partitioned by day on `at` (migration 0013_request_logs_partitions; partitions are made ahead and dropped past
 * the retention by server/services/monitoring/partitions.ts), so the key holds `at` as PostgreSQL requires.
 */
export const requestLogs = pgTable(
  'request_logs',
  {
    id: bigserial('id', { mode: 'number' }).notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    requestId: text('request_id').notNull(),
    serviceId: uuid('service_id').notNull(),
    environment: text('environment').notNull(),
    releaseId: uuid('release_id'),
    releaseNumber: integer('release_number'),
    modelVersionId: uuid('model_version_id'),
    promptVersionId: uuid('prompt_version_id'),
    keyId: uuid('key_id'),
    shadow: boolean('shadow').notNull().default(false),
    /** A smoke test's request: kept apart from user metrics, cost, alerts, analysis, drift and online evals. */
    synthetic: boolean('synthetic').notNull().default(false),
    fallback: boolean('fallback').notNull().default(false),
    stream: boolean('stream').notNull().default(false),
    status: integer('status').notNull(),
    errorClass: text('error_class'),
    latencyMs: real('latency_ms').notNull(),
    ttftMs: real('ttft_ms'),
    inputTokens: integer('input_tokens').notNull().default(0),
    outputTokens: integer('output_tokens').notNull().default(0),
    costUsd: doublePrecision('cost_usd').notNull().default(0),
    stickyHash: text('sticky_hash'),
    /**
     * The OpenAI endpoint called (chat/completions, completions, responses, embeddings), so latency and drift
     * figures compare like with like.
     */
    endpoint: text('endpoint').notNull().default('chat/completions'),
    features: jsonb('features').$type<RequestFeatures>().notNull(),
    /** Opt-in, truncated and redacted. */
    sample: jsonb('sample').$type<{ input: string; output: string } | null>(),
  },
  (t) => [
    primaryKey({ name: 'request_logs_pkey', columns: [t.id, t.at] }),
    index('request_logs_env_at_idx').on(t.serviceId, t.environment, t.at),
    index('request_logs_request_idx').on(t.requestId),
  ],
);

export const feedback = pgTable(
  'feedback',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    requestId: text('request_id').notNull(),
    serviceId: uuid('service_id').notNull(),
    environment: text('environment').notNull(),
    score: real('score').notNull(),
    comment: text('comment'),
    keyId: uuid('key_id'),
  },
  (t) => [index('feedback_request_idx').on(t.requestId), index('feedback_env_at_idx').on(t.serviceId, t.environment, t.at)],
);

export type GatewayKey = typeof gatewayKeys.$inferSelect;
export type RequestLog = typeof requestLogs.$inferInsert;
