// Monitoring rollups: gateway telemetry summed per minute, hour and day for each service × environment × release
// (shadow traffic apart), kept after raw request_logs partitions are dropped; and the rollup job's watermark.
import { bigint, boolean, doublePrecision, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/**
 * One table per grain, same columns. Histograms (server/lib/histogram.ts) are stored sparsely: `*_buckets` holds
 * the indexes of the non-empty buckets and `*_counts` their counts, so merging is a sum per index.
 */
function rollupTable<N extends string>(name: N) {
  return pgTable(
    name,
    {
      /** Start of the minute / hour / UTC day. */
      bucket: timestamp('bucket', { withTimezone: true }).notNull(),
      serviceId: uuid('service_id').notNull(),
      environment: text('environment').notNull(),
      /** 0 for traffic no release answered (no route, rejected before routing). */
      releaseNumber: integer('release_number').notNull(),
      shadow: boolean('shadow').notNull(),
      requests: integer('requests').notNull(),
      errors: integer('errors').notNull(),
      /** Error class (the gateway's, or http_<status>) → count. */
      errorsByClass: jsonb('errors_by_class').$type<Record<string, number>>().notNull(),
      latencyBuckets: integer('latency_buckets').array().notNull(),
      latencyCounts: integer('latency_counts').array().notNull(),
      /** Time to first token, streamed answers only. */
      ttftBuckets: integer('ttft_buckets').array().notNull(),
      ttftCounts: integer('ttft_counts').array().notNull(),
      inputTokens: bigint('input_tokens', { mode: 'number' }).notNull(),
      outputTokens: bigint('output_tokens', { mode: 'number' }).notNull(),
      costUsd: doublePrecision('cost_usd').notNull(),
      /** Feedback received in this bucket for answers of this release (joined to request_logs by request_id). */
      feedbackCount: integer('feedback_count').notNull(),
      feedbackSum: doublePrecision('feedback_sum').notNull(),
      fallbacks: integer('fallbacks').notNull(),
    },
    (t) => [primaryKey({ name: `${name}_pkey`, columns: [t.serviceId, t.environment, t.bucket, t.releaseNumber, t.shadow] }), index(`${name}_bucket_idx`).on(t.bucket)],
  );
}

export const rollupsMinute = rollupTable('monitoring_rollups_minute');
export const rollupsHour = rollupTable('monitoring_rollups_hour');
export const rollupsDay = rollupTable('monitoring_rollups_day');

/**
 * How far the rollup job has summed request_logs: minute rollups are complete before `until`, and rows with an id
 * above `lastId` arrived after the last pass (late telemetry, whatever its time), so their minutes are redone.
 */
export const monitoringWatermarks = pgTable('monitoring_watermarks', {
  name: text('name').primaryKey(),
  until: timestamp('until', { withTimezone: true }).notNull(),
  lastId: bigint('last_id', { mode: 'number' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type RollupTable = typeof rollupsMinute | typeof rollupsHour | typeof rollupsDay;
export type RollupRow = typeof rollupsMinute.$inferSelect;
