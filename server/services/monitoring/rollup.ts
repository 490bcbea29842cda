// The rollup job: sums request_logs (and feedback) into minute rollups, minutes into hours and hours into days.
// A smoke test's requests (synthetic) are not user traffic and are left out, so charts, alerts and cost ignore them.
// Every pass recomputes whole buckets from their sources (delete + insert in one transaction), so running it twice
// gives the same rows; a watermark says how far it got, so after downtime it catches up in chunks, and each pass
// re-does the minutes since the last one (on PostgreSQL a short look-back too), going further back for telemetry
// written since with an older time.
import { eq, gt, sql } from 'drizzle-orm';
import { isEmbedded, type Db } from '@/db/client';
import { monitoringWatermarks, requestLogs } from '@/db/schema';
import { bucketSql } from '@/server/lib/histogram';
import { mergedRollups } from './merge-sql';

const WATERMARK = 'rollups';
const MINUTE = 60_000;
const HOUR = 3600_000;
const DAY = 86_400_000;

const COLUMNS = `bucket, service_id, environment, release_number, shadow, requests, errors, errors_by_class, latency_buckets, latency_counts,
  ttft_buckets, ttft_counts, input_tokens, output_tokens, cost_usd, feedback_count, feedback_sum, fallbacks`;
const KEY = 'bucket, service_id, environment, release_number, shadow';

const floorTo = (d: Date, unit: number) => new Date(Math.floor(d.getTime() / unit) * unit);
const ceilTo = (d: Date, unit: number) => new Date(Math.ceil(d.getTime() / unit) * unit);

/** The select that joins per-key figures with their error classes and histograms into rollup rows. */
function assemble(classes: string, latency: string, ttft: string, keys = 'base'): string {
  return `
  cls as (select ${KEY}, jsonb_object_agg(c, n) as m from (${classes}) x group by ${KEY}),
  lat as (select ${KEY}, array_agg(b order by b) as bs, array_agg(n order by b) as ns from (${latency}) x group by ${KEY}),
  tt as (select ${KEY}, array_agg(b order by b) as bs, array_agg(n order by b) as ns from (${ttft}) x group by ${KEY})
  select ${KEY}, coalesce(base.requests, 0), coalesce(base.errors, 0), coalesce(cls.m, '{}'::jsonb),
    coalesce(lat.bs, '{}'), coalesce(lat.ns, '{}'), coalesce(tt.bs, '{}'), coalesce(tt.ns, '{}'),
    coalesce(base.input_tokens, 0), coalesce(base.output_tokens, 0), coalesce(base.cost_usd, 0),
    coalesce(base.feedback_count, 0), coalesce(base.feedback_sum, 0), coalesce(base.fallbacks, 0)
  from ${keys} left join cls using (${KEY}) left join lat using (${KEY}) left join tt using (${KEY})`;
}

/** Minute rollups of [from, to) (whole minutes) from request_logs and feedback. */
async function minutesFromRaw(db: Db, from: Date, to: Date): Promise<void> {
  await db.execute(sql`delete from monitoring_rollups_minute where bucket >= ${from} and bucket < ${to}`);
  const query = `
  insert into monitoring_rollups_minute (${COLUMNS})
  with r as (
    select date_trunc('minute', at, 'UTC') as bucket, service_id, environment, coalesce(release_number, 0) as release_number, shadow,
      status, error_class, fallback, input_tokens, output_tokens, cost_usd,
      -- Latency histograms are of generated answers: embeddings (a different, much faster call) count as requests only.
      case when endpoint <> 'embeddings' then ${bucketSql('latency_ms')} end as lb, case when stream and ttft_ms is not null then ${bucketSql('ttft_ms')} end as tb
    from request_logs where at >= $1 and at < $2 and not synthetic
  ),
  -- Feedback counts in the minute it arrived, for the release whose live answer it scores (as telemetry.summary).
  f as (
    select date_trunc('minute', fb.at, 'UTC') as bucket, fb.service_id, fb.environment, coalesce(l.release_number, 0) as release_number,
      false as shadow, count(*)::int as feedback_count, sum(fb.score)::float8 as feedback_sum
    from feedback fb
    join request_logs l on l.request_id = fb.request_id and l.service_id = fb.service_id and not l.shadow and not l.synthetic and l.status = 200
    where fb.at >= $1 and fb.at < $2
    group by 1, 2, 3, 4
  ),
  req as (
    select ${KEY}, count(*)::int as requests, (count(*) filter (where status <> 200))::int as errors,
      (count(*) filter (where fallback))::int as fallbacks, sum(input_tokens)::bigint as input_tokens,
      sum(output_tokens)::bigint as output_tokens, sum(cost_usd)::float8 as cost_usd
    from r group by ${KEY}
  ),
  base as (select * from req full join f using (${KEY})),
  ${assemble(
    `select ${KEY}, coalesce(error_class, 'http_' || status) as c, count(*)::int as n from r where status <> 200 group by ${KEY}, c`,
    `select ${KEY}, lb as b, count(*)::int as n from r where lb is not null group by ${KEY}, lb`,
    `select ${KEY}, tb as b, count(*)::int as n from r where tb is not null group by ${KEY}, tb`,
  )}`;
  await db.execute(sql`${sql.raw(query.replaceAll('$1', `'${from.toISOString()}'::timestamptz`).replaceAll('$2', `'${to.toISOString()}'::timestamptz`))}`);
}

/** Rollups of `target` over [from, to) (whole units) summed from the finer `source` rollups. */
async function coarserFromFiner(db: Db, source: string, target: string, unit: 'hour' | 'day', from: Date, to: Date): Promise<void> {
  await db.execute(sql`delete from ${sql.raw(target)} where bucket >= ${from} and bucket < ${to}`);
  const merged = mergedRollups({ source, bucket: sql.raw(`date_trunc('${unit}', bucket, 'UTC')`), keys: ['service_id', 'environment', 'release_number', 'shadow'], where: sql`bucket >= ${from} and bucket < ${to}` });
  await db.execute(sql`insert into ${sql.raw(target)} (${sql.raw(COLUMNS)}) ${merged}`);
}

/** Recomputes every grain over [from, to) (whole minutes): the minutes, then the hours and days holding them. */
export async function rollupRange(db: Db, from: Date, to: Date): Promise<void> {
  await db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    await minutesFromRaw(t, from, to);
    await coarserFromFiner(t, 'monitoring_rollups_minute', 'monitoring_rollups_hour', 'hour', floorTo(from, HOUR), ceilTo(to, HOUR));
    await coarserFromFiner(t, 'monitoring_rollups_hour', 'monitoring_rollups_day', 'day', floorTo(from, DAY), ceilTo(to, DAY));
  });
}

export interface RollupPass {
  from: string | null;
  to: string | null;
  chunks: number;
}

/**
 * One pass of the job: from the watermark (less `lateMinutes`, or from the oldest row that arrived since the last
 * pass if that is older, as after a database outage the gateway's queue writes old rows) to the end of the current
 * minute, in chunks of `chunkHours`, moving the watermark after each chunk so a crash loses at most one chunk of
 * work. With no watermark yet it starts at the oldest raw row.
 */
export async function runRollups(db: Db, opts: { now?: Date; lateMinutes?: number; chunkHours?: number } = {}): Promise<RollupPass> {
  const now = opts.now ?? new Date();
  // Rows that arrive late with an older time are found by id (`seen`); the look-back only covers writes that
  // took their ids before the last pass read the highest one and committed after it (seconds), so it stays short:
  // at 1,000 requests a second a pass (the look-back and the minutes since) re-reads about 180,000 rows, not 360,000.
  // The embedded database runs one statement at a time, so no write can straddle that read and none is needed: a
  // pass then re-reads only the minutes since the last (about 60,000 rows at that rate; a third of the work).
  const late = (opts.lateMinutes ?? (isEmbedded(db) ? 0 : 2)) * MINUTE;
  const chunk = (opts.chunkHours ?? 6) * HOUR;
  const [mark] = await db.select().from(monitoringWatermarks).where(eq(monitoringWatermarks.name, WATERMARK));
  const [seen] = await db
    .select({ lastId: sql<number | null>`max(${requestLogs.id})`.mapWith(Number), oldest: sql<Date | null>`min(${requestLogs.at})`.mapWith(requestLogs.at) })
    .from(requestLogs)
    .where(mark?.lastId != null ? gt(requestLogs.id, mark.lastId) : undefined);
  const lastId = seen?.lastId ?? mark?.lastId ?? null;
  const candidates = [mark ? new Date(mark.until.getTime() - late) : null, seen?.oldest ?? null].filter((d): d is Date => d !== null);
  const end = new Date(floorTo(now, MINUTE).getTime() + MINUTE);
  if (!candidates.length) {
    await setWatermark(db, floorTo(now, MINUTE), lastId);
    return { from: null, to: null, chunks: 0 };
  }
  const start = floorTo(new Date(Math.min(...candidates.map((d) => d.getTime()))), MINUTE);
  let chunks = 0;
  for (let s = start; s < end; chunks++) {
    // Chunks end on hour boundaries where they can, so an hour is summed from all its minutes at once.
    let e = floorTo(new Date(s.getTime() + chunk), HOUR);
    if (e <= s) e = new Date(s.getTime() + chunk);
    if (e > end) e = end;
    await rollupRange(db, s, e);
    // Rows that arrived after `seen` are found by id next pass; until then the last id stays where it was.
    const done = e >= end;
    await setWatermark(db, new Date(Math.min(e.getTime(), floorTo(now, MINUTE).getTime())), done ? lastId : (mark?.lastId ?? null));
    s = e;
  }
  return { from: start.toISOString(), to: end.toISOString(), chunks };
}

async function setWatermark(db: Db, until: Date, lastId: number | null): Promise<void> {
  await db
    .insert(monitoringWatermarks)
    .values({ name: WATERMARK, until, lastId, updatedAt: new Date() })
    .onConflictDoUpdate({ target: monitoringWatermarks.name, set: { until, lastId, updatedAt: new Date() } });
}
