// Monitoring rollups on real telemetry rows: percentiles from the merged histograms agree with exact ones, the job
// is idempotent and catches up after a gap, retention drops old request_logs partitions but keeps the rollups, the
// partitioning migration keeps existing rows, and the dashboard queries agree with the traffic table.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { and, asc, desc, eq, sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { isEmbedded, MIGRATIONS_DIR } from '@/db/client';
import { auditEvents, feedback, monitoringWatermarks, requestLogs, rollupsDay, rollupsHour, rollupsMinute, services, type RequestLog } from '@/db/schema';
import { quantile } from '@/server/lib/histogram';
import { maintainPartitions, requestLogPartitions } from '@/server/services/monitoring/partitions';
import { rollupRange, runRollups } from '@/server/services/monitoring/rollup';
import { windowFigures } from '@/server/services/monitoring/window';
import { freshDatabase, type TestDatabase } from '../helpers/db';
import { seedRegistry } from '../helpers/registry';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = new Date(Math.floor(Date.now() / MIN) * MIN);
const ago = (ms: number) => new Date(NOW.getTime() - ms);

let database: TestDatabase;
let api: Awaited<ReturnType<typeof seedRegistry>>['api'];
let serviceId: string;
let n = 0;

/** A deterministic generator, so a failure can be replayed. */
function random(seed: number) {
  return () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

type Row = Partial<RequestLog> & { at: Date };
async function log(rows: Row[], scores: Record<number, number> = {}) {
  const values: RequestLog[] = rows.map((r) => ({
    requestId: `req-${++n}`,
    serviceId,
    environment: 'dev',
    releaseId: null,
    releaseNumber: 1,
    shadow: false,
    fallback: false,
    stream: false,
    status: 200,
    errorClass: null,
    latencyMs: 100,
    ttftMs: null,
    inputTokens: 10,
    outputTokens: 20,
    costUsd: 0.001,
    features: { inputChars: 10, outputChars: 10, messages: 1, finishReason: 'stop' },
    ...r,
  }));
  for (let i = 0; i < values.length; i += 500) await database.db.insert(requestLogs).values(values.slice(i, i + 500));
  const scored = Object.entries(scores).map(([i, score]) => ({ requestId: values[Number(i)]!.requestId, serviceId, environment: values[Number(i)]!.environment, score, at: values[Number(i)]!.at }));
  if (scored.length) await database.db.insert(feedback).values(scored);
  return values;
}

/** percentile_cont over sorted values. */
function exact(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  return sorted[lo]! + (sorted[Math.min(lo + 1, sorted.length - 1)]! - sorted[lo]!) * (pos - lo);
}

/**
 * Every rollup row, with fractional figures to 12 significant digits: a sum of floating-point costs depends on the
 * order the database adds them in, which a recomputation need not repeat (0.5770000000000002 against …03).
 */
const snapshot = async () => {
  const rounded = <T extends Record<string, unknown>>(rows: T[]) =>
    rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v])));
  return {
    minute: rounded(await database.db.select().from(rollupsMinute).orderBy(asc(rollupsMinute.serviceId), asc(rollupsMinute.environment), asc(rollupsMinute.bucket), asc(rollupsMinute.releaseNumber), asc(rollupsMinute.shadow))),
    hour: rounded(await database.db.select().from(rollupsHour).orderBy(asc(rollupsHour.serviceId), asc(rollupsHour.environment), asc(rollupsHour.bucket), asc(rollupsHour.releaseNumber), asc(rollupsHour.shadow))),
    day: rounded(await database.db.select().from(rollupsDay).orderBy(asc(rollupsDay.serviceId), asc(rollupsDay.environment), asc(rollupsDay.bucket), asc(rollupsDay.releaseNumber), asc(rollupsDay.shadow))),
  };
};

beforeAll(async () => {
  database = await freshDatabase();
  const seeded = await seedRegistry(database.db, 'mon-svc');
  api = seeded.api;
  serviceId = seeded.r1.serviceId;
  await api.releases.create({ service: 'mon-svc', model: seeded.model.ref, prompts: ['answer@1'], notes: 'candidate' });
  await api.environments.deploy({ service: 'mon-svc', environment: 'dev', routes: [{ release: 1, weight: 100 }], reason: 'first answers' });
});
afterAll(() => database?.close());

describe('monitoring rollups', () => {
  it('gives p50/p95/p99 of latency and TTFT within the bucket error of the exact percentiles', async () => {
    const rnd = random(7);
    const minute = ago(50 * MIN);
    const rows = Array.from({ length: 1200 }, (_, i) => ({
      at: new Date(minute.getTime() + (i % 60) * 1000),
      environment: 'accuracy',
      latencyMs: Math.round(Math.exp(5 + 2 * rnd()) * 10) / 10, // 150 ms … 1.1 s, skewed
      stream: i % 2 === 0,
      ttftMs: i % 2 === 0 ? Math.round(Math.exp(3 + 2 * rnd())) : null,
    }));
    await log(rows);
    await rollupRange(database.db, minute, new Date(minute.getTime() + MIN));
    const figures = await windowFigures(database.db, { serviceId, environment: 'accuracy', from: ago(DAY), to: NOW });
    expect(figures.requests).toBe(1200);
    const latency = rows.map((r) => Math.fround(r.latencyMs)).sort((a, b) => a - b);
    const ttft = rows.filter((r) => r.stream).map((r) => r.ttftMs!).sort((a, b) => a - b);
    for (const q of [0.5, 0.95, 0.99]) {
      expect(Math.abs(quantile(figures.latency, q)! - exact(latency, q))).toBeLessThanOrEqual(0.1 * exact(latency, q));
      expect(Math.abs(quantile(figures.ttft, q)! - exact(ttft, q))).toBeLessThanOrEqual(0.1 * exact(ttft, q) + 1);
    }
    expect(figures.ttft.reduce((a, b) => a + b, 0)).toBe(600);
  });

  it('counts embeddings calls as requests and cost but keeps them out of the latency percentiles', async () => {
    const minute = ago(40 * MIN);
    const chat = Array.from({ length: 100 }, (_, i) => ({ at: new Date(minute.getTime() + i * 100), environment: 'mixed', latencyMs: 800 }));
    const embeddings = Array.from({ length: 300 }, (_, i) => ({ at: new Date(minute.getTime() + i * 100), environment: 'mixed', latencyMs: 5, endpoint: 'embeddings' }));
    await log([...chat, ...embeddings]);
    await rollupRange(database.db, minute, new Date(minute.getTime() + MIN));
    const figures = await windowFigures(database.db, { serviceId, environment: 'mixed', from: ago(DAY), to: NOW });
    expect(figures.requests).toBe(400);
    expect(figures.costUsd).toBeCloseTo(0.4, 9);
    expect(figures.latency.reduce((a, b) => a + b, 0)).toBe(100);
    expect(quantile(figures.latency, 0.5)).toBeGreaterThan(700);
  });

  it('catches up after a gap from its watermark, re-doing late minutes, and a second pass changes nothing', async () => {
    // The job last ran three hours ago; since then it was down. A row that arrived late sits just before its mark.
    await database.db.insert(monitoringWatermarks).values({ name: 'rollups', until: ago(180 * MIN) });
    const rnd = random(11);
    const rows = Array.from({ length: 400 }, (_, i) => ({
      at: ago(Math.floor(rnd() * 178 * MIN)),
      environment: 'production',
      releaseNumber: i % 4 === 0 ? 2 : 1,
      status: i % 10 === 0 ? 502 : 200,
      errorClass: i % 10 === 0 ? 'upstream_5xx' : null,
      shadow: i % 25 === 0,
      fallback: i % 50 === 0,
      latencyMs: 50 + rnd() * 900,
      costUsd: 0.002,
    }));
    await log([...rows, { at: ago(182 * MIN), environment: 'production' }], { 3: 1, 5: 0 });
    const pass = await runRollups(database.db, { now: NOW, chunkHours: 1 });
    expect(pass.chunks).toBeGreaterThan(2);
    const [raw] = await database.db
      .select({ n: sql<number>`count(*)::int`, errors: sql<number>`(count(*) filter (where status <> 200))::int`, cost: sql<number>`sum(cost_usd)::float8` })
      .from(requestLogs)
      .where(and(eq(requestLogs.environment, 'production'), sql`at >= ${ago(DAY)}`));
    const [rolled] = await database.db
      .select({ n: sql<number>`sum(requests)::int`, errors: sql<number>`sum(errors)::int`, cost: sql<number>`sum(cost_usd)::float8`, fb: sql<number>`sum(feedback_count)::int` })
      .from(rollupsDay)
      .where(eq(rollupsDay.environment, 'production'));
    expect(rolled).toMatchObject({ n: raw!.n, errors: raw!.errors, fb: 2 });
    expect(rolled!.cost).toBeCloseTo(raw!.cost, 9);
    const [byClass] = await database.db.select({ c: sql<number>`sum((errors_by_class->>'upstream_5xx')::int)::int` }).from(rollupsHour).where(eq(rollupsHour.environment, 'production'));
    expect(byClass!.c).toBe(raw!.errors);
    const [mark] = await database.db.select().from(monitoringWatermarks);
    expect(mark!.until.getTime()).toBe(NOW.getTime());

    const before = await snapshot();
    await runRollups(database.db, { now: NOW });
    await rollupRange(database.db, ago(200 * MIN), NOW);
    expect(await snapshot()).toEqual(before);
  });

  it('re-reads only what it must: the minutes since its last pass (and a look-back on PostgreSQL), or back to a late row', async () => {
    const [saved] = await database.db.select().from(monitoringWatermarks);
    // Its rows and rollups go again afterwards, so the later tests' totals (cost over every environment) hold.
    onTestFinished(async () => {
      await database.db.delete(monitoringWatermarks).where(eq(monitoringWatermarks.name, 'rollups'));
      if (saved) await database.db.insert(monitoringWatermarks).values(saved);
      await database.db.delete(requestLogs).where(eq(requestLogs.environment, 'since-last'));
      for (const t of [rollupsMinute, rollupsHour, rollupsDay]) await database.db.delete(t).where(eq(t.environment, 'since-last'));
    });
    const last = new Date(NOW.getTime() + 30 * MIN);
    const minutes = async () =>
      (await database.db.select({ bucket: rollupsMinute.bucket, requests: rollupsMinute.requests }).from(rollupsMinute).where(eq(rollupsMinute.environment, 'since-last')).orderBy(asc(rollupsMinute.bucket))).map((r) => [r.bucket.getTime(), r.requests]);
    await runRollups(database.db, { now: last });
    await log([{ at: new Date(last.getTime() + 10_000), environment: 'since-last' }]);
    const next = await runRollups(database.db, { now: new Date(last.getTime() + MIN) });
    // One connection that runs one statement at a time leaves no write in flight across a pass's read.
    expect(next.from).toBe(new Date(last.getTime() - (isEmbedded(database.db) ? 0 : 2 * MIN)).toISOString());
    expect(await minutes()).toEqual([[last.getTime(), 1]]);
    // A row written since, with a time before the look-back (a queue written after an outage), is still counted.
    await log([{ at: new Date(last.getTime() - 10 * MIN + 5_000), environment: 'since-last' }]);
    const after = await runRollups(database.db, { now: new Date(last.getTime() + MIN) });
    expect(after.from).toBe(new Date(last.getTime() - 10 * MIN).toISOString());
    expect(await minutes()).toEqual([[last.getTime() - 10 * MIN, 1], [last.getTime(), 1]]);
  });

  it('drops request_logs partitions past the retention and keeps the hour and day rollups of those days', async () => {
    const old = new Date(Math.floor(ago(40 * DAY).getTime() / DAY) * DAY);
    const made = await maintainPartitions(database.db, { requestLogDays: 30, minuteRollupDays: 14, hourRollupDays: 400 }, { now: old, aheadDays: 1 });
    expect(made.created).toEqual([`request_logs_p${old.toISOString().slice(0, 10).replaceAll('-', '')}`, `request_logs_p${new Date(old.getTime() + DAY).toISOString().slice(0, 10).replaceAll('-', '')}`]);
    await log(Array.from({ length: 30 }, (_, i) => ({ at: new Date(old.getTime() + 3600_000 + i * MIN), environment: 'retention' })));
    await rollupRange(database.db, old, new Date(old.getTime() + DAY));
    const pass = await maintainPartitions(database.db, { requestLogDays: 30, minuteRollupDays: 14, hourRollupDays: 400 }, { now: NOW });
    expect(pass.dropped).toEqual(made.created);
    expect(await requestLogPartitions(database.db)).not.toContain(made.created[0]);
    const count = async (t: typeof rollupsHour | typeof rollupsDay | typeof rollupsMinute) =>
      (await database.db.select({ n: sql<number>`coalesce(sum(requests), 0)::int` }).from(t).where(eq(t.environment, 'retention')))[0]!.n;
    expect((await database.db.select({ n: sql<number>`count(*)::int` }).from(requestLogs).where(eq(requestLogs.environment, 'retention')))[0]!.n).toBe(0);
    expect(await count(rollupsHour)).toBe(30);
    expect(await count(rollupsDay)).toBe(30);
    expect(await count(rollupsMinute)).toBe(0);
    // Today's partition and the next days' are there for the gateway to write into.
    expect(await requestLogPartitions(database.db)).toContain(`request_logs_p${NOW.toISOString().slice(0, 10).replaceAll('-', '')}`);
  });
});

describe('monitoring queries', () => {
  it('draws an environment per release with totals that match the traffic table, and the deploy as a marker', async () => {
    await log([
      ...Array.from({ length: 40 }, (_, i) => ({ at: ago((30 + i) * MIN), latencyMs: 100 + i * 10, costUsd: 0.01 })),
      ...Array.from({ length: 10 }, (_, i) => ({ at: ago((5 + i) * MIN), releaseNumber: 2, status: i < 3 ? 500 : 200, errorClass: i < 3 ? 'upstream_5xx' : null, latencyMs: 900 })),
      { at: ago(20 * MIN), releaseNumber: 2, shadow: true, latencyMs: 400 },
    ]);
    await runRollups(database.db, { now: NOW });
    const series = await api.monitoring.environment({ service: 'mon-svc', environment: 'dev', range: '24h' });
    expect(series.stepSeconds).toBe(3600);
    expect(series.releases).toEqual([2, 1]);
    expect(series.shadow.reduce((s, p) => s + p.requests, 0)).toBe(1);
    const table = await api.telemetry.summary({ service: 'mon-svc', environment: 'dev', since: new Date(series.from) });
    for (const r of table.releases) {
      const totals = series.totals.find((t) => t.release === r.releaseNumber)!;
      expect(totals).toMatchObject({ requests: r.requests, errors: r.errors, inputTokens: r.inputTokens, outputTokens: r.outputTokens });
      expect(totals.costUsd).toBeCloseTo(r.costUsd, 9);
      expect(Math.abs(totals.p95! - r.p95LatencyMs)).toBeLessThanOrEqual(0.1 * r.p95LatencyMs);
    }
    const points = series.points.filter((p) => p.release === 2);
    expect(points.reduce((s, p) => s + p.errors, 0)).toBe(3);
    expect(points.reduce((s, p) => s + (p.errorsByClass.upstream_5xx ?? 0), 0)).toBe(3);
    const deploy = series.markers.find((m) => m.kind === 'deploy');
    expect(deploy).toMatchObject({ release: 1, reason: 'first answers', label: 'Deployed #1 100%' });
    expect(deploy!.actor).toMatch(/admin/);

    // The last hour at one point a minute: the requests of the last 70 minutes from its start on.
    const hour = await api.monitoring.environment({ service: 'mon-svc', environment: 'dev', range: '1h' });
    expect(hour.stepSeconds).toBe(60);
    const inHour = Array.from({ length: 40 }, (_, i) => ago((30 + i) * MIN)).filter((t) => t >= new Date(hour.from)).length;
    expect(hour.points.reduce((s, p) => s + p.requests, 0)).toBe(10 + inHour);
  });

  it('shows a release in each environment it answered, the overview of every environment, and cost with a budget', async () => {
    const release = await api.monitoring.release({ service: 'mon-svc', number: 2, range: '24h' });
    expect(release.release).toBe('mon-svc#2');
    expect(release.environments.map((e) => e.environment).sort()).toEqual(['dev', 'production']);
    expect(release.environments.every((e) => e.points.every((p) => p.release === 2))).toBe(true);
    await expect(api.monitoring.release({ service: 'mon-svc', number: 9, range: '24h' })).rejects.toThrow(/mon-svc#9 not found/);

    const overview = await api.monitoring.overview({ range: '24h' });
    const dev = overview.environments.find((e) => e.service === 'mon-svc' && e.environment === 'dev')!;
    expect(dev).toMatchObject({ requests: 50, releases: [2, 1], errorRate: 3 / 50 });
    expect(dev.spark.reduce((s, p) => s + p.requests, 0)).toBe(50);
    expect(overview.environments.find((e) => e.environment === 'staging')).toMatchObject({ requests: 0, errorRate: null, p95: null });

    await expect(api.services.update({ name: 'mon-svc', monthlyBudgetUsd: -5 })).rejects.toThrow(/monthlyBudgetUsd/);
    await api.services.update({ name: 'mon-svc', monthlyBudgetUsd: 250 });
    const [audit] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'service.update')).orderBy(desc(auditEvents.id)).limit(1);
    expect(audit!.changes).toEqual({ monthlyBudgetUsd: { from: null, to: 250 } });
    const cost = await api.monitoring.cost({ range: '24h', service: 'mon-svc' });
    expect(cost.budgets).toEqual([{ service: 'mon-svc', monthlyBudgetUsd: 250 }]);
    const [all] = await database.db.select({ c: sql<number>`sum(cost_usd)::float8` }).from(requestLogs).where(sql`at >= ${ago(DAY)}`);
    expect(cost.days.reduce((s, d) => s + d.costUsd, 0)).toBeCloseTo(all!.c, 9);
    expect(cost.days.find((d) => d.release === 'mon-svc#1')).toMatchObject({ modelVersion: 'mon-svc-model@1' });
    expect(cost.monthToDateUsd).toBeGreaterThan(0);
    expect(cost.projectedMonthUsd).toBeGreaterThanOrEqual(cost.monthToDateUsd);
    const [svc] = await database.db.select().from(services).where(eq(services.name, 'mon-svc'));
    expect(svc!.monthlyBudgetUsd).toBe(250);
  });
});

describe('the request_logs partitioning migration', () => {
  it('moves the rows of an unpartitioned table into day partitions, ids and all', async () => {
    // Migrations up to the one before partitioning, some rows, then the rest.
    const dir = mkdtempSync(path.join(tmpdir(), 'slipway-mig-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    cpSync(MIGRATIONS_DIR, dir, { recursive: true });
    const journal = JSON.parse(readFileSync(path.join(dir, 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    const upto = journal.entries.findIndex((e) => e.tag.endsWith('request_logs_partitions'));
    writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify({ ...journal, entries: journal.entries.slice(0, upto) }));
    const client = new PGlite();
    const db = drizzle(client);
    await migrate(db, { migrationsFolder: dir });
    await client.exec(`insert into request_logs (at, request_id, service_id, environment, status, latency_ms, features)
      select now() - (g || ' days')::interval, 'r' || g, gen_random_uuid(), 'dev', 200, g, '{}' from generate_series(0, 9) g`);
    await migrate(db, { migrationsFolder: MIGRATIONS_DIR });
    const rows = await client.query<{ id: number; request_id: string }>(`select id, request_id from request_logs order by id`);
    expect(rows.rows.map((r) => [Number(r.id), r.request_id])).toEqual(Array.from({ length: 10 }, (_, g) => [g + 1, `r${g}`]));
    const parts = await client.query<{ n: number }>(`select count(*)::int as n from pg_inherits where inhparent = 'request_logs'::regclass`);
    expect(parts.rows[0]!.n).toBeGreaterThanOrEqual(11); // ten days of rows (some overlap the days ahead) + the default
    expect((await client.query<{ n: number }>(`select count(*)::int as n from request_logs_default`)).rows[0]!.n).toBe(0);
    await client.exec(`insert into request_logs (at, request_id, service_id, environment, status, latency_ms, features) values (now(), 'next', gen_random_uuid(), 'dev', 200, 1, '{}')`);
    expect((await client.query<{ id: number }>(`select id from request_logs where request_id = 'next'`)).rows[0]!.id).toBe(11);
    await client.close();
  });
});
