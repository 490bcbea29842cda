// The SQL that sums rollup rows into coarser ones: scalar figures added, error classes merged, sparse histograms
// merged bucket by bucket. The rollup job writes hours from minutes and days from hours with it.
import { sql, type SQL } from 'drizzle-orm';

export type MergeKey = 'service_id' | 'environment' | 'release_number' | 'shadow';

export interface MergeSpec {
  /** Rollup table to read. */
  source: string;
  /** Bucket of each output row, from the source's `bucket`. */
  bucket: SQL;
  keys: MergeKey[];
  where: SQL;
  /** Leave out what a caller does not draw (the columns come back empty). */
  ttft?: boolean;
  classes?: boolean;
}

/**
 * Selects bucket, the keys, then requests, errors, errors_by_class, latency_buckets, latency_counts, ttft_buckets,
 * ttft_counts, input_tokens, output_tokens, cost_usd, feedback_count, feedback_sum, fallbacks.
 */
export function mergedRollups(spec: MergeSpec): SQL {
  const key = sql.raw(['bucket', ...spec.keys].join(', '));
  const hist = (name: 'latency' | 'ttft') =>
    sql`select ${key}, array_agg(b order by b) as bs, array_agg(n order by b) as ns from (
      select ${key}, u.b, sum(u.n)::int as n from m, unnest(m.${sql.raw(name)}_buckets, m.${sql.raw(name)}_counts) u(b, n) group by ${key}, u.b) x group by ${key}`;
  const none = sql`select ${key}, null::int[] as bs, null::int[] as ns from m where false`;
  const classes =
    spec.classes === false
      ? sql`select ${key}, null::jsonb as c from m where false`
      : sql`select ${key}, jsonb_object_agg(c, n) as c from (
          select ${key}, e.key as c, sum(e.value::int)::int as n from m, jsonb_each_text(m.errors_by_class) e group by ${key}, e.key) x group by ${key}`;
  return sql`with m as (
      select ${spec.bucket} as bucket, ${sql.raw(spec.keys.join(', ') || 'null as _')}, requests, errors, errors_by_class, latency_buckets, latency_counts,
        ttft_buckets, ttft_counts, input_tokens, output_tokens, cost_usd, feedback_count, feedback_sum, fallbacks
      from ${sql.raw(spec.source)} where ${spec.where}
    ),
    base as (
      select ${key}, sum(requests)::int as requests, sum(errors)::int as errors, sum(input_tokens)::bigint as input_tokens,
        sum(output_tokens)::bigint as output_tokens, sum(cost_usd)::float8 as cost_usd, sum(feedback_count)::int as feedback_count,
        sum(feedback_sum)::float8 as feedback_sum, sum(fallbacks)::int as fallbacks
      from m group by ${key}
    ),
    cls as (${classes}),
    lat as (${hist('latency')}),
    tt as (${spec.ttft === false ? none : hist('ttft')})
    select ${key}, base.requests, base.errors, coalesce(cls.c, '{}'::jsonb) as errors_by_class,
      coalesce(lat.bs, '{}') as latency_buckets, coalesce(lat.ns, '{}') as latency_counts,
      coalesce(tt.bs, '{}') as ttft_buckets, coalesce(tt.ns, '{}') as ttft_counts,
      base.input_tokens, base.output_tokens, base.cost_usd, base.feedback_count, base.feedback_sum, base.fallbacks
    from base left join cls using (${key}) left join lat using (${key}) left join tt using (${key})`;
}
