// The dashboard benchmark: a scratch PostgreSQL database filled with synthetic gateway telemetry (20 services ×
// 3 environments × 3 releases over 30 days, generated in SQL), the rollup job's catch-up over all of it and one
// steady-state pass, then the dashboard queries timed cold (a new connection pool, a service not read before)
// and warm, interleaved over rounds, with p50/p95 and min–max per query.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { openDatabase, type Database } from '@/db/client';
import { environmentHistory, environments, services } from '@/db/schema';
import type { ServiceContext } from '@/server/services/context';
import { monitoringCost } from '@/server/services/monitoring/cost';
import { environmentSeries } from '@/server/services/monitoring/environment';
import { monitoringOverview } from '@/server/services/monitoring/overview';
import { releaseSeries } from '@/server/services/monitoring/release';
import { runRollups } from '@/server/services/monitoring/rollup';
import { registerModelVersion } from '@/server/services/models/register';
import { createRelease } from '@/server/services/releases/create';
import { createService } from '@/server/services/services/create';

const { values: flags } = parseArgs({ options: { requests: { type: 'string', default: '10000000' }, days: { type: 'string', default: '30' }, rounds: { type: 'string', default: '3' }, keep: { type: 'boolean', default: false } } });
const REQUESTS = Number(flags.requests);
const DAYS = Number(flags.days);
const ROUNDS = Math.max(3, Number(flags.rounds));
const SERVICES = 20;
const DAY = 86_400_000;

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `slipway_bench_dash_${randomBytes(4).toString('hex')}`;
const url = new URL(adminUrl);
url.pathname = `/${dbName}`;

async function admin(query: string) {
  const c = new pg.Client({ connectionString: adminUrl });
  await c.connect();
  try {
    await c.query(query);
  } finally {
    await c.end();
  }
}

const seconds = (ms: number) => (ms / 1000).toFixed(1);
const pct = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
const say = (line: string) => process.stdout.write(`${line}\n`);

async function timed<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await fn();
  return [performance.now() - t, out];
}

await admin(`create database ${dbName}`);
let database: Database | undefined;
try {
  database = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 4 });
  const ctx: ServiceContext = { actor: { kind: 'system', job: 'bench' }, db: database.db, requestId: null };
  const now = new Date();
  const start = new Date(now.getTime() - DAYS * DAY);

  // The registry: services with their three environments, one model version, three releases each.
  await registerModelVersion(ctx, { model: 'bench-model', providerKind: 'openai-compatible', baseUrl: 'https://models.example.com/v1', upstreamModel: 'm', priceInputPer1M: 1, priceOutputPer1M: 2 });
  for (let s = 0; s < SERVICES; s++) {
    await createService(ctx, { name: `svc-${String(s).padStart(2, '0')}` });
    for (let r = 0; r < 3; r++) await createRelease(ctx, { service: `svc-${String(s).padStart(2, '0')}`, model: 'bench-model@1' });
  }
  const envs = await database.db.select({ id: environments.id, serviceId: environments.serviceId, name: environments.name }).from(environments);
  // A deploy every three days in each environment, for the markers.
  await database.db.insert(environmentHistory).values(
    envs.flatMap((e) =>
      Array.from({ length: Math.ceil(DAYS / 3) }, (_, i) => ({
        environmentId: e.id,
        at: new Date(start.getTime() + i * 3 * DAY + 3600_000),
        kind: 'deploy' as const,
        routes: [{ releaseId: '00000000-0000-0000-0000-000000000000', releaseNumber: (i % 3) + 1, weight: 100 }],
        reason: `bench deploy ${i}`,
        actorLabel: 'bench',
      })),
    ),
  );
  for (let d = -1; d <= DAYS + 1; d++) {
    await database.db.execute(sql`select slipway_request_logs_partition(${new Date(start.getTime() + d * DAY).toISOString().slice(0, 10)}::date)`);
  }

  // Telemetry: each row a random service × environment × release at a random time of its day.
  const services_ = `array[${envs.map((e) => `'${e.serviceId}'::uuid`).join(',')}]`;
  const envNames = `array[${envs.map((e) => `'${e.name}'`).join(',')}]`;
  const perDay = Math.ceil(REQUESTS / DAYS);
  say(`Filling ${REQUESTS.toLocaleString('en')} requests over ${DAYS} days, ${SERVICES} services × 3 environments × 3 releases (${envs.length} environments) …`);
  const [fillMs] = await timed(async () => {
    for (let d = 0; d < DAYS; d++) {
      const dayStart = new Date(start.getTime() + d * DAY).toISOString();
      await database!.db.execute(
        sql.raw(`insert into request_logs (at, request_id, service_id, environment, release_number, shadow, fallback, stream, status, error_class, latency_ms, ttft_ms, input_tokens, output_tokens, cost_usd, features)
        select '${dayStart}'::timestamptz + (random() * 86400) * interval '1 second', 'b${d}-' || g, (${services_})[e], (${envNames})[e], r,
          random() < 0.02, random() < 0.01, s, case when bad then 502 else 200 end, case when bad then 'upstream_5xx' end,
          exp(5 + random() * 3), case when s then exp(3 + random() * 2) end, 200 + (random() * 800)::int, 50 + (random() * 400)::int, random() * 0.002, '{}'::jsonb
        from (select g, 1 + floor(random() * ${envs.length})::int as e, 1 + floor(random() * 3)::int as r, random() < 0.6 as s, random() < 0.01 as bad
              from generate_series(1, ${perDay}) g) x`),
      );
      // Feedback for 0.5% of the day's answers.
      await database!.db.execute(
        sql.raw(`insert into feedback (at, request_id, service_id, environment, score)
        select at + interval '30 seconds', request_id, service_id, environment, random() from request_logs
        where at >= '${dayStart}'::timestamptz and at < '${dayStart}'::timestamptz + interval '1 day' and status = 200 and random() < 0.005`),
      );
    }
  });
  await database.db.execute(sql`analyze`);
  const rows = perDay * DAYS;
  say(`  filled in ${seconds(fillMs)} s (${Math.round(rows / (fillMs / 1000)).toLocaleString('en')} rows/s)`);

  const [catchMs, pass] = await timed(() => runRollups(database!.db, { now }));
  const rate = rows / (catchMs / 1000);
  say(`Rollup catch-up over ${DAYS} days: ${seconds(catchMs)} s in ${pass.chunks} chunks, ${Math.round(rate).toLocaleString('en')} requests/s (${rate >= 2000 ? 'keeps up with' : 'falls behind'} 2,000 requests/s: ${(rate / 2000).toFixed(0)}×)`);
  await database.db.execute(sql`analyze`);
  const counts = await database.db.execute(sql`select (select count(*) from monitoring_rollups_minute) as minute, (select count(*) from monitoring_rollups_hour) as hour, (select count(*) from monitoring_rollups_day) as day`);
  const c = ((Array.isArray(counts) ? counts : (counts as { rows: unknown[] }).rows) as Record<string, string>[])[0]!;
  say(`  rollup rows: ${Number(c.minute).toLocaleString('en')} minute, ${Number(c.hour).toLocaleString('en')} hour, ${Number(c.day).toLocaleString('en')} day`);
  const steady: number[] = [];
  for (let i = 0; i < 3; i++) steady.push((await timed(() => runRollups(database!.db, { now: new Date() })))[0]);
  say(`  steady-state pass (last minutes, their hour and day): p50 ${ms(pct(steady, 0.5))}, max ${ms(Math.max(...steady))} of its 60 s budget`);

  // The dashboard queries, 30 days each: cold on a new pool and a service not read before, then warm.
  const svcNames = (await database.db.select({ name: services.name }).from(services)).map((s) => s.name).sort();
  const queries: Record<string, (c: ServiceContext, svc: string) => Promise<unknown>> = {
    'environment 30d': (c, svc) => environmentSeries(c, { service: svc, environment: 'production', range: '30d' }),
    'overview 30d': (c) => monitoringOverview(c, { range: '30d' }),
    'cost 30d': (c) => monitoringCost(c, { range: '30d' }),
    'release 30d': (c, svc) => releaseSeries(c, { service: svc, number: 2, range: '30d' }),
    'environment 24h': (c, svc) => environmentSeries(c, { service: svc, environment: 'staging', range: '24h' }),
  };
  const cold: Record<string, number[]> = {};
  const warm: Record<string, number[]> = {};
  for (let round = 0; round < ROUNDS; round++) {
    const fresh = await openDatabase({ kind: 'postgres', url: url.toString(), poolSize: 4 });
    const c2: ServiceContext = { actor: { kind: 'system', job: 'bench' }, db: fresh.db, requestId: null };
    const svc = svcNames[round % svcNames.length]!;
    for (const [name, q] of Object.entries(queries)) {
      (cold[name] ??= []).push((await timed(() => q(c2, svc)))[0]);
      for (let i = 0; i < 5; i++) (warm[name] ??= []).push((await timed(() => q(c2, svc)))[0]);
    }
    await fresh.close();
  }
  say(`\nDashboard queries over ${DAYS} days (${ROUNDS} rounds; cold = new pool, first read of its service; warm = 5 repeats a round):`);
  say(`${'query'.padEnd(18)}${'cold p50'.padStart(12)}${'cold p95'.padStart(12)}${'warm p50'.padStart(12)}${'warm p95'.padStart(12)}${'min–max'.padStart(24)}`);
  for (const name of Object.keys(queries)) {
    const all = [...cold[name]!, ...warm[name]!];
    say(
      `${name.padEnd(18)}${ms(pct(cold[name]!, 0.5)).padStart(12)}${ms(pct(cold[name]!, 0.95)).padStart(12)}${ms(pct(warm[name]!, 0.5)).padStart(12)}${ms(pct(warm[name]!, 0.95)).padStart(12)}${`${Math.min(...all).toFixed(1)}–${Math.max(...all).toFixed(1)} ms`.padStart(24)}`,
    );
  }
} finally {
  await database?.close();
  // --keep leaves the database for a closer look (drop it yourself afterwards).
  if (flags.keep) say(`kept ${url.toString()}`);
  else await admin(`drop database if exists ${dbName} with (force)`);
}
