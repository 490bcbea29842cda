// Request telemetry, off the request path: records go into a bounded in-memory queue and are written in
// batches. A failed write keeps its batch and retries, so nothing is lost while the database is up; only
// a full queue (the database far behind) drops records, and drops are counted.
import { getTableColumns, inArray, sql } from 'drizzle-orm';
import { csvLoaderOf, type Db } from '@/db/client';
import { gatewayKeys, requestLogs, type RequestLog } from '@/db/schema';
import { metrics } from '@/server/lib/metrics';
import { logger } from '@/server/logger';

export interface TelemetryStats {
  enqueued: number;
  written: number;
  dropped: number;
  failedWrites: number;
  queued: number;
  /** Records the database refused on their own (a bad value), set aside so they cannot block the rest. */
  rejected: number;
}

/**
 * How often queued records are written (also at every `batchSize` records). A hard kill (SIGKILL, out of
 * memory, power loss) loses at most the records of this window and of a write in progress; a graceful stop
 * writes everything first.
 */
export const TELEMETRY_FLUSH_INTERVAL_MS = 20;

/**
 * How often the one writer behind gateway workers writes (the app's process, which serves no gateway requests):
 * larger batches cost the database far less per row (the embedded database: about 40 µs a row in batches of 200
 * against 100 µs in batches of 20), and no request waits on this process while it writes. A hard kill of the app's
 * process loses at most this window's records.
 */
export const TELEMETRY_WRITER_INTERVAL_MS = 200;

/** The writer's options in a process with `workers` gateway workers: without any, it serves and writes often. */
export function writerOptions(workers: number): TelemetryOptions {
  return workers > 0 ? { flushIntervalMs: TELEMETRY_WRITER_INTERVAL_MS } : {};
}

/**
 * How often a gateway worker hands its records to that writer: one message per interval instead of one per 20 ms
 * costs both processes less. A worker killed hard loses at most this window's records.
 */
export const TELEMETRY_HANDOVER_INTERVAL_MS = 50;

/** How often the keys seen since the last time get their `last_used_at` set: one update per interval, not per flush. */
export const KEY_LAST_USED_INTERVAL_MS = 30_000;

export interface TelemetryOptions {
  capacity?: number;
  batchSize?: number;
  flushIntervalMs?: number;
  keysUsedIntervalMs?: number;
  /**
   * Where batches go instead of the database: a gateway worker hands its batches to the main process, whose one
   * writer stores them (and counts them for Prometheus). A batch the sink refuses stays queued for the next flush.
   */
  sink?: (batch: RequestLog[]) => Promise<void>;
}

const COLUMNS = Object.entries(getTableColumns(requestLogs))
  .filter(([key]) => key !== 'id')
  // A value a record leaves out takes its column's plain default (shadow, synthetic: false), as an insert would: the
  // JSON recordset would otherwise carry null into a NOT NULL column.
  .map(([key, column]) => ({ key: key as keyof RequestLog, name: column.name, fallback: column.hasDefault && isPlain(column.default) ? column.default : null }));
function isPlain(v: unknown): boolean {
  return v === null || ['boolean', 'number', 'string'].includes(typeof v);
}
const COLUMN_NAMES = COLUMNS.map((c) => c.name);
const COLUMN_LIST = sql.raw(COLUMN_NAMES.map((c) => `"${c}"`).join(', '));

/**
 * One CSV field: NULL is an unquoted empty field, text (and JSON) is always quoted, so an empty string, a comma, a
 * quote, a line break or a lone `\.` in it is data; a number that is not finite is NULL, as JSON would make it.
 */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return `"${s.replaceAll('"', '""')}"`;
}

function toCsv(batch: RequestLog[]): string {
  let out = '';
  for (const r of batch) {
    for (let i = 0; i < COLUMNS.length; i++) {
      const c = COLUMNS[i]!;
      if (i) out += ',';
      out += csvField(r[c.key] === undefined ? c.fallback : r[c.key]);
    }
    out += '\n';
  }
  return out;
}

/**
 * One statement per batch. The embedded database loads the batch as CSV through COPY (about a quarter less of the
 * app's time per row than the JSON statement, whose one large parameter PGlite encodes in JavaScript); PostgreSQL
 * takes the rows as a single JSON parameter: building and binding thousands of parameters would cost the event loop
 * far more than the database's JSON parsing costs it.
 */
async function insertBatch(db: Db, batch: RequestLog[]): Promise<void> {
  const load = csvLoaderOf(db);
  if (load) return load('request_logs', COLUMN_NAMES, toCsv(batch));
  const rows = batch.map((r) => {
    const o: Record<string, unknown> = {};
    for (const c of COLUMNS) o[c.name] = r[c.key] === undefined ? c.fallback : r[c.key];
    return o;
  });
  await db.execute(sql`insert into request_logs (${COLUMN_LIST}) select ${COLUMN_LIST} from json_populate_recordset(null::request_logs, ${JSON.stringify(rows)}::json)`);
}

export class TelemetryWriter {
  /**
   * Records waiting to be written. A batch is taken out of it as a new array and the queue started anew, rather than
   * spliced: a queue array living long enough to reach V8's old generation keeps every record it held alive through
   * the young generation's collections once it is dropped, until the next full collection (see gatewayCall in chat.ts).
   */
  private queue: RequestLog[] = [];
  /** Records taken out of the queue for the write in progress: still counted as queued until written. */
  private pending = 0;
  private keysUsed = new Set<string>();
  /** Records still being built (token counting after the response); flushes wait for them. */
  private building = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | null = null;
  readonly stats: TelemetryStats = { enqueued: 0, written: 0, dropped: 0, failedWrites: 0, queued: 0, rejected: 0 };
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly interval: number;
  private readonly keysInterval: number;
  private keysWrittenAt = 0;
  private readonly sink: ((batch: RequestLog[]) => Promise<void>) | undefined;
  private readonly log = logger.child({ part: 'telemetry' });
  private unwatch: (() => void) | undefined;

  constructor(
    private readonly db: Db | null,
    opts: TelemetryOptions = {},
  ) {
    if (!db && !opts.sink) throw new Error('a telemetry writer needs a database or a sink');
    this.sink = opts.sink;
    this.keysInterval = opts.keysUsedIntervalMs ?? KEY_LAST_USED_INTERVAL_MS;
    this.capacity = opts.capacity ?? 100_000;
    this.batchSize = opts.batchSize ?? 1_000;
    this.interval = opts.flushIntervalMs ?? TELEMETRY_FLUSH_INTERVAL_MS;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.interval);
    this.timer.unref();
    // A worker's queue is counted where its batches are written, in the main process.
    if (!this.sink) this.unwatch ??= metrics().watchTelemetry(this);
  }

  record(row: RequestLog): void {
    // Counted for Prometheus whether or not the queue has room: the request was answered either way. A smoke
    // test's requests are not user traffic and stay out of the counters. A worker's rows are counted by the main
    // process when they reach its writer.
    if (!row.synthetic && !this.sink) metrics().observeRequest(row);
    if (this.queue.length + this.pending >= this.capacity) {
      this.stats.dropped += 1;
      return;
    }
    this.queue.push(row);
    if (row.keyId) this.keysUsed.add(row.keyId);
    this.stats.enqueued += 1;
    this.stats.queued = this.queue.length + this.pending;
    if (this.queue.length >= this.batchSize && !this.writing) void this.flush();
  }

  /** Queues a record built now, without the promises of `defer`; a record that cannot be built is logged as there. */
  recordFrom(build: () => RequestLog): void {
    let row: RequestLog;
    try {
      row = build();
    } catch (err) {
      this.log.error({ err }, 'could not build a telemetry record');
      return;
    }
    this.record(row);
  }

  /** Queues a record that is still being computed. */
  defer(row: Promise<RequestLog>): void {
    const p = row.then(
      (r) => this.record(r),
      (err: unknown) => this.log.error({ err }, 'could not build a telemetry record'),
    );
    this.building.add(p);
    void p.finally(() => this.building.delete(p));
  }

  /** Writes everything queued so far; concurrent callers share the write in progress. */
  async flush(): Promise<void> {
    if (this.building.size) await Promise.all([...this.building]);
    while (this.writing) await this.writing;
    if (!this.queue.length) {
      if (this.keysUsed.size && Date.now() - this.keysWrittenAt >= this.keysInterval) await this.writeKeysUsed();
      return;
    }
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  /** The next batch, out of the queue (which goes on as a new array). */
  private take(): RequestLog[] {
    let batch = this.queue;
    this.queue = [];
    if (batch.length > this.batchSize) {
      this.queue = batch.slice(this.batchSize);
      batch = batch.slice(0, this.batchSize);
    }
    this.pending = batch.length;
    return batch;
  }

  /** Records of a batch that were not written go back to the front of the queue, in order, for the next flush. */
  private putBack(rows: RequestLog[]): void {
    this.pending = 0;
    if (rows.length) this.queue = this.queue.length ? rows.concat(this.queue) : rows;
    this.stats.queued = this.queue.length;
  }

  private done(written: number): void {
    this.pending = 0;
    this.stats.written += written;
    this.stats.queued = this.queue.length;
  }

  private async writeAll(): Promise<void> {
    while (this.queue.length) {
      const batch = this.take();
      if (this.sink) {
        try {
          await this.sink(batch);
        } catch (err) {
          this.stats.failedWrites += 1;
          this.putBack(batch);
          this.log.warn({ err, pending: this.queue.length }, 'could not hand telemetry to the writer; keeping the batch for the next flush');
          return;
        }
        this.done(batch.length);
        continue;
      }
      let written = batch.length;
      try {
        await insertBatch(this.db!, batch);
      } catch (err) {
        this.stats.failedWrites += 1;
        // Row by row tells a database that is down (keep everything, retry later) from one bad record (set it aside).
        const oneByOne = await this.writeOneByOne(batch);
        if (oneByOne === null) {
          this.log.warn({ err, pending: this.queue.length }, 'telemetry write failed; keeping the batch for the next flush');
          return;
        }
        written = oneByOne;
      }
      this.done(written);
    }
    if (this.keysUsed.size && Date.now() - this.keysWrittenAt >= this.keysInterval) await this.writeKeysUsed();
  }

  /** Marks the keys seen since the last time as used now: a key's last use is shown to the minute, not to the request. */
  private async writeKeysUsed(): Promise<void> {
    // A worker's rows carry their key ids to the main process, whose writer marks them.
    if (!this.db) return this.keysUsed.clear();
    const ids = [...this.keysUsed];
    this.keysUsed.clear();
    this.keysWrittenAt = Date.now();
    await this.db
      .update(gatewayKeys)
      .set({ lastUsedAt: sql`now()` })
      .where(inArray(gatewayKeys.id, ids))
      .catch(() => ids.forEach((id) => this.keysUsed.add(id)));
  }

  /** Writes a batch one record at a time; null when even that fails for a reason other than a bad record. */
  private async writeOneByOne(batch: RequestLog[]): Promise<number | null> {
    let written = 0;
    let refused = 0;
    for (const row of batch) {
      try {
        await insertBatch(this.db!, [row]);
        written += 1;
      } catch (err) {
        const code = (err as { cause?: { code?: string }; code?: string }).cause?.code ?? (err as { code?: string }).code ?? '';
        // Data and constraint errors (classes 22, 23) are the record's fault; anything else is the database's,
        // so stop and retry later.
        if (!code.startsWith('22') && !code.startsWith('23')) {
          this.stats.written += written;
          this.putBack(batch.slice(written + refused));
          return null;
        }
        refused += 1;
        this.stats.rejected += 1;
        this.log.error({ err, requestId: row.requestId }, 'telemetry record refused by the database; set aside');
      }
    }
    return written;
  }

  /** On shutdown: stop the timer and write what is left, retrying a few times. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unwatch?.();
    this.unwatch = undefined;
    if (this.building.size) await Promise.all([...this.building]);
    for (let attempt = 0; attempt < 5 && this.queue.length; attempt++) {
      await this.flush();
      if (this.queue.length) await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
    }
    if (this.keysUsed.size) await this.writeKeysUsed();
    if (this.queue.length) this.log.error({ lost: this.queue.length }, 'telemetry records could not be written before shutdown');
  }
}
