// Keeps request_logs' day partitions: makes today's and the next days' ahead of the telemetry, drops the days past
// the retention (SLIPWAY_REQUEST_LOG_RETENTION_DAYS) whole, and trims the rollups past theirs. Rollups of dropped
// days stay: hour rollups for SLIPWAY_HOUR_ROLLUP_RETENTION_DAYS, day rollups for good.
import { lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { rollupsHour, rollupsMinute } from '@/db/schema';
import { rowsOf } from './read';

const DAY = 86_400_000;
const PARTITION = /^request_logs_p(\d{4})(\d{2})(\d{2})$/;

export interface Retention {
  requestLogDays: number;
  minuteRollupDays: number;
  hourRollupDays: number;
}

export interface PartitionPass {
  created: string[];
  dropped: string[];
}

const utcDay = (d: Date) => new Date(Math.floor(d.getTime() / DAY) * DAY);
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/** Names of request_logs' day partitions, oldest first. */
export async function requestLogPartitions(db: Db): Promise<string[]> {
  const result = await db.execute(
    sql`select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'request_logs'::regclass order by c.relname`,
  );
  return rowsOf<{ name: string }>(result).map((r) => r.name).filter((n) => PARTITION.test(n));
}

export async function maintainPartitions(db: Db, retention: Retention, opts: { now?: Date; aheadDays?: number } = {}): Promise<PartitionPass> {
  const today = utcDay(opts.now ?? new Date());
  const created: string[] = [];
  for (let i = 0; i <= (opts.aheadDays ?? 3); i++) {
    const day = isoDay(new Date(today.getTime() + i * DAY));
    const result = await db.execute(sql`select slipway_request_logs_partition(${day}::date) as made`);
    const [row] = rowsOf<{ made: boolean }>(result);
    if (row?.made) created.push(`request_logs_p${day.replaceAll('-', '')}`);
  }
  // The oldest day kept is today less the retention; older partitions go whole, stray rows of the default one too.
  const oldestKept = new Date(today.getTime() - retention.requestLogDays * DAY);
  const dropped: string[] = [];
  for (const name of await requestLogPartitions(db)) {
    const [, y, m, d] = PARTITION.exec(name)!;
    if (Date.UTC(Number(y), Number(m) - 1, Number(d)) < oldestKept.getTime()) {
      await db.execute(sql`drop table if exists ${sql.identifier(name)}`);
      dropped.push(name);
    }
  }
  await db.execute(sql`delete from request_logs_default where at < ${oldestKept}`);
  await db.delete(rollupsMinute).where(lt(rollupsMinute.bucket, new Date(today.getTime() - retention.minuteRollupDays * DAY)));
  await db.delete(rollupsHour).where(lt(rollupsHour.bucket, new Date(today.getTime() - retention.hourRollupDays * DAY)));
  return { created, dropped };
}
