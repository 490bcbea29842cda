// monitoring.cost: spend per UTC day by service, release and model version (shadow traffic included: it is paid
// for), the month to date with its straight-line projection, and the services' monthly budgets. Whole days come
// from the day rollups, the ragged ends of the range from the hour rollups.
import { and, asc, eq, gte, inArray, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { models, modelVersions, releases, rollupsDay, rollupsHour, services, type RollupTable } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { resolveRange } from './range';
import { rangeInput, type CostReport } from './types';

export const costInput = z.object({ service: slugSchema.optional() }).and(rangeInput);

const HOUR = 3600_000;
const DAY = 86_400_000;
const floorTo = (t: number, unit: number) => Math.floor(t / unit) * unit;
const ceilTo = (t: number, unit: number) => Math.ceil(t / unit) * unit;

/** [from, to) as hour-rollup edges around whole days of day rollups. */
function parts(from: Date, to: Date): { table: RollupTable; from: Date; to: Date }[] {
  const start = floorTo(from.getTime(), HOUR);
  const firstDay = Math.min(ceilTo(start, DAY), to.getTime());
  const lastDay = Math.max(floorTo(to.getTime(), DAY), firstDay);
  return [
    { table: rollupsHour, from: start, to: firstDay },
    { table: rollupsDay, from: firstDay, to: lastDay },
    { table: rollupsHour, from: lastDay, to: to.getTime() },
  ]
    .filter((p) => p.to > p.from)
    .map((p) => ({ table: p.table, from: new Date(p.from), to: new Date(p.to) }));
}

async function spendByDay(db: Db, serviceIds: string[], from: Date, to: Date) {
  const out = new Map<string, { day: string; serviceId: string; releaseNumber: number; costUsd: number; requests: number }>();
  for (const p of parts(from, to)) {
    const t = p.table;
    const day = sql<string | Date>`date_trunc('day', ${t.bucket}, 'UTC')`;
    const rows = await db
      .select({ day, serviceId: t.serviceId, releaseNumber: t.releaseNumber, costUsd: sql<number>`sum(${t.costUsd})::float8`, requests: sql<number>`sum(${t.requests})::int` })
      .from(t)
      .where(and(inArray(t.serviceId, serviceIds), gte(t.bucket, p.from), lt(t.bucket, p.to)))
      .groupBy(day, t.serviceId, t.releaseNumber);
    for (const r of rows) {
      const d = new Date(r.day).toISOString().slice(0, 10);
      const key = `${d}|${r.serviceId}|${r.releaseNumber}`;
      const have = out.get(key);
      if (have) {
        have.costUsd += r.costUsd;
        have.requests += r.requests;
      } else out.set(key, { day: d, serviceId: r.serviceId, releaseNumber: r.releaseNumber, costUsd: r.costUsd, requests: r.requests });
    }
  }
  return [...out.values()];
}

export async function monitoringCost(ctx: ServiceContext, input: z.input<typeof costInput>, now = new Date()): Promise<CostReport> {
  requireScope(ctx, 'services:read');
  const data = costInput.parse(input);
  const svcs = data.service ? [await serviceByName(ctx.db, data.service, { allowArchived: true })] : await ctx.db.select().from(services).where(isNull(services.archivedAt)).orderBy(asc(services.name));
  const { from, to } = resolveRange(data, now);
  if (!svcs.length) return { days: [], monthToDateUsd: 0, projectedMonthUsd: 0, budgets: [] };
  const ids = svcs.map((s) => s.id);
  const nameOf = new Map(svcs.map((s) => [s.id, s.name]));
  const versions = await ctx.db
    .select({ serviceId: releases.serviceId, number: releases.number, model: models.name, version: modelVersions.version })
    .from(releases)
    .innerJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
    .innerJoin(models, eq(models.id, modelVersions.modelId))
    .where(inArray(releases.serviceId, ids));
  const modelOf = new Map(versions.map((v) => [`${v.serviceId}|${v.number}`, `${v.model}@${v.version}`]));
  const days = (await spendByDay(ctx.db, ids, from, to))
    .map((d) => ({
      day: d.day,
      service: nameOf.get(d.serviceId)!,
      release: `${nameOf.get(d.serviceId)}#${d.releaseNumber}`,
      modelVersion: modelOf.get(`${d.serviceId}|${d.releaseNumber}`) ?? '',
      costUsd: d.costUsd,
      requests: d.requests,
    }))
    .sort((a, b) => a.day.localeCompare(b.day) || a.service.localeCompare(b.service) || a.release.localeCompare(b.release, undefined, { numeric: true }));
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const monthToDateUsd = (await spendByDay(ctx.db, ids, monthStart, now)).reduce((s, d) => s + d.costUsd, 0);
  const elapsed = (now.getTime() - monthStart.getTime()) / (monthEnd.getTime() - monthStart.getTime());
  // The services were read above, budgets with them (in name order).
  const budgets = svcs.filter((b) => b.monthlyBudgetUsd !== null).map((b) => ({ service: b.name, monthlyBudgetUsd: b.monthlyBudgetUsd }));
  return {
    days,
    monthToDateUsd,
    projectedMonthUsd: elapsed > 0 ? monthToDateUsd / elapsed : 0,
    budgets: budgets.map((b) => ({ service: b.service, monthlyBudgetUsd: b.monthlyBudgetUsd! })),
  };
}
