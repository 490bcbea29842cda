// The telemetry writer keeps every record while the database is up: one record the database refuses is set
// aside instead of blocking the queue, and samples are cleaned so they are never that record.
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatewayKeys, requestLogs, type RequestLog } from '@/db/schema';
import { sampleText } from '@/server/lib/redact';
import { TelemetryWriter } from '@/server/gateway/telemetry';
import { callerFor, makeUser } from '../helpers/actors';
import { freshDatabase, type TestDatabase } from '../helpers/db';

let database: TestDatabase;
beforeAll(async () => {
  database = await freshDatabase();
});
afterAll(() => database.close());

const row = (requestId: string, sample: RequestLog['sample'] = null): RequestLog => ({
  at: new Date(),
  requestId,
  serviceId: randomUUID(),
  environment: 'dev',
  releaseId: null,
  releaseNumber: 1,
  modelVersionId: null,
  promptVersionId: null,
  keyId: null,
  shadow: false,
  fallback: false,
  stream: false,
  status: 200,
  errorClass: null,
  latencyMs: 1,
  ttftMs: null,
  inputTokens: 1,
  outputTokens: 1,
  costUsd: 0,
  stickyHash: null,
  features: { inputChars: 1, outputChars: 1, messages: 1, finishReason: 'stop' },
  sample,
});

describe('the telemetry writer', () => {
  it('sets aside a record the database refuses and writes the others', async () => {
    const writer = new TelemetryWriter(database.db, { flushIntervalMs: 10_000 });
    writer.record(row('good-1'));
    writer.record(row('poison', { input: 'nul \u0000 here', output: '' }));
    writer.record(row('good-2'));
    await writer.flush();
    const ids = (await database.db.select({ id: requestLogs.requestId }).from(requestLogs)).map((r) => r.id).sort();
    expect(ids).toEqual(['good-1', 'good-2']);
    expect(writer.stats).toMatchObject({ written: 2, rejected: 1, queued: 0 });
    writer.record(row('after'));
    await writer.close();
    expect((await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, 'after'))).length).toBe(1);
  });

  it('stores every value as recorded: text with commas, quotes, line breaks and empty strings, nulls, numbers, JSON', async () => {
    const writer = new TelemetryWriter(database.db, { flushIntervalMs: 10_000 });
    const at = new Date('2026-12-05T10:11:12.345Z');
    const odd: RequestLog = {
      ...row('odd, "quoted"\nline'),
      at,
      releaseId: randomUUID(),
      keyId: null,
      shadow: true,
      synthetic: undefined,
      stream: true,
      status: 502,
      errorClass: '',
      latencyMs: 12.5,
      ttftMs: 0.25,
      inputTokens: 0,
      outputTokens: 7,
      costUsd: 1.5e-7,
      stickyHash: '\\.',
      endpoint: 'responses',
      features: { inputChars: 3, outputChars: 0, messages: 2, finishReason: null, refusal: true, json: null },
      sample: { input: 'a,b\n"c"\r\n\\.', output: '' },
    };
    const plain = { ...row('plain'), at, releaseNumber: null, latencyMs: Number.NaN, features: { inputChars: 1, outputChars: 1, messages: 1, finishReason: 'stop' } };
    writer.record(odd);
    writer.record(plain);
    await writer.close();
    // The one whose latency is not a number is refused (the column needs one), as the JSON statement refuses it.
    expect(writer.stats).toMatchObject({ written: 1, rejected: 1 });
    const [stored] = await database.db.select().from(requestLogs).where(eq(requestLogs.requestId, odd.requestId));
    const { id: _id, ...rest } = stored!;
    expect(rest).toEqual({ ...odd, synthetic: false, fallback: false });
  });

  it('keeps every record while its writes fail for the database’s reasons, and writes them all once it can', async () => {
    const writer = new TelemetryWriter(database.db, { flushIntervalMs: 10_000 });
    // The table is out of reach (as when the database is down or being migrated): an error that is not the record's.
    await database.db.execute(sql`alter table request_logs rename to request_logs_away`);
    try {
      for (const id of ['down-1', 'down-2', 'down-3']) writer.record(row(id));
      await writer.flush();
      expect(writer.stats).toMatchObject({ queued: 3, rejected: 0 });
      expect(writer.stats.failedWrites).toBeGreaterThan(0);
      writer.record(row('down-4'));
      await writer.flush();
      expect(writer.stats.queued).toBe(4);
    } finally {
      await database.db.execute(sql`alter table request_logs_away rename to request_logs`);
    }
    await writer.flush();
    expect(writer.stats).toMatchObject({ queued: 0, rejected: 0 });
    const ids = (await database.db.select({ id: requestLogs.requestId }).from(requestLogs).where(sql`${requestLogs.requestId} like 'down-%'`)).map((r) => r.id).sort();
    expect(ids).toEqual(['down-1', 'down-2', 'down-3', 'down-4']);
    await writer.close();
  });

  it('hands batches to its sink in order, puts a refused batch back before newer records, and counts one in flight as queued', async () => {
    const handed: string[][] = [];
    let refuse = true;
    let hold: Promise<void> | null = null;
    const writer = new TelemetryWriter(null, {
      flushIntervalMs: 10_000,
      batchSize: 2,
      capacity: 4,
      sink: async (batch) => {
        if (refuse) throw new Error('the main process is busy');
        if (hold) await hold;
        handed.push(batch.map((r) => r.requestId));
      },
    });
    for (const id of ['a', 'b', 'c']) writer.record(row(id));
    await writer.flush();
    expect(writer.stats).toMatchObject({ queued: 3, written: 0 });
    expect(writer.stats.failedWrites).toBeGreaterThan(0);
    writer.record(row('d'));
    refuse = false;
    await writer.flush();
    expect(handed).toEqual([['a', 'b'], ['c', 'd']]);
    expect(writer.stats).toMatchObject({ queued: 0, written: 4, dropped: 0 });

    // A batch being handed over still takes room in the queue: with two in flight and two waiting, a fifth is dropped.
    let release!: () => void;
    hold = new Promise((r) => (release = r));
    writer.record(row('e'));
    writer.record(row('f'));
    const flushing = writer.flush();
    writer.record(row('g'));
    writer.record(row('h'));
    expect(writer.stats.queued).toBe(4);
    writer.record(row('i'));
    expect(writer.stats.dropped).toBe(1);
    release();
    await flushing;
    await writer.flush();
    expect(handed.slice(2)).toEqual([['e', 'f'], ['g', 'h']]);
    expect(writer.stats).toMatchObject({ queued: 0, written: 8, dropped: 1 });
    await writer.close();
  });

  it('marks a key used at its first request, then at most once per interval, and on close', async () => {
    const api = callerFor(database.db, await makeUser(database.db, { role: 'admin' }));
    await api.services.create({ name: 'tw-svc' });
    const { gatewayKey } = await api.gatewayKeys.create({ service: 'tw-svc', name: 'k' });
    const lastUsed = async () => (await database.db.select({ at: gatewayKeys.lastUsedAt }).from(gatewayKeys).where(eq(gatewayKeys.id, gatewayKey.id)))[0]!.at;
    const writer = new TelemetryWriter(database.db, { flushIntervalMs: 10_000, keysUsedIntervalMs: 60_000 });
    writer.record({ ...row(randomUUID()), keyId: gatewayKey.id });
    await writer.flush();
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await new Promise((r) => setTimeout(r, 20));
    writer.record({ ...row(randomUUID()), keyId: gatewayKey.id });
    await writer.flush();
    // Within the interval the row is written, the key is not touched again.
    expect(await lastUsed()).toEqual(first);
    await writer.close();
    expect((await lastUsed())!.getTime()).toBeGreaterThan(first!.getTime());
  });

  it('cleans samples: no NUL, never half a character, redacted', async () => {
    expect(sampleText('a\u0000b mail x@y.io')).toBe('ab mail [email]');
    const emoji = '😀'.repeat(2500);
    const cut = sampleText(emoji);
    expect(Array.from(cut)).toHaveLength(2001);
    expect(cut.endsWith('😀…')).toBe(true);
    const writer = new TelemetryWriter(database.db);
    writer.record(row('clean', { input: sampleText('zero \u0000 width'), output: cut }));
    await writer.close();
    const [stored] = await database.db.execute(sql`select sample->>'output' as out from request_logs where request_id = 'clean'`).then((r) => ((Array.isArray(r) ? r : (r as { rows: unknown[] }).rows) as { out: string }[]));
    expect(stored!.out).toBe(cut);
  });
});
