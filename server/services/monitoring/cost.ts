// monitoring.cost: spend per UTC day by service, release and model version (shadow traffic included: it is paid
// for), the month to date with its straight-line projection, and the services' monthly budgets.
import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, sql } from 'drizzle-orm';
import { z } from 'zod';
import { models, modelVersions, releases, rollupsHour, services } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { resolveRange } from './range';
import { rangeInput, type CostReport } from './types';

export const costInput = z.object({ service: slugSchema.optional() }).and(rangeInput);

const HOUR = 3600_000;

export async function monitoringCost(ctx: ServiceContext, input: z.input<typeof costInput>, now = new Date()): Promise<CostReport> {
  requireScope(ctx, 'services:read');
  const data = costInput.parse(input);
  const svcs = data.service ? [await serviceByName(ctx.db, data.service, { allowArchived: true })] : await ctx.db.select().from(services).where(isNull(services.archivedAt)).orderBy(asc(services.name));
  const ids = svcs.map((s) => s.id);
  const { from, to } = resolveRange(data, now);
  const h = rollupsHour;
  const day = sql<string>`to_char(${h.bucket} at time zone 'UTC', 'YYYY-MM-DD')`;
  const days = ids.length
    ? await ctx.db
        .select({
          day,
          service: services.name,
          releaseNumber: h.releaseNumber,
          model: models.name,
          version: modelVersions.version,
          costUsd: sql<number>`sum(${h.costUsd})::float8`,
          requests: sql<number>`sum(${h.requests})::int`,
        })
        .from(h)
        .innerJoin(services, eq(services.id, h.serviceId))
        .leftJoin(releases, and(eq(releases.serviceId, h.serviceId), eq(releases.number, h.releaseNumber)))
        .leftJoin(modelVersions, eq(modelVersions.id, releases.modelVersionId))
        .leftJoin(models, eq(models.id, modelVersions.modelId))
        .where(and(inArray(h.serviceId, ids), gte(h.bucket, new Date(Math.floor(from.getTime() / HOUR) * HOUR)), lt(h.bucket, to)))
        .groupBy(day, services.name, h.releaseNumber, models.name, modelVersions.version)
        .orderBy(day, services.name, h.releaseNumber)
    : [];
  const monthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const monthEnd = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  const [mtd] = ids.length
    ? await ctx.db
        .select({ costUsd: sql<number>`coalesce(sum(${h.costUsd}), 0)::float8` })
        .from(h)
        .where(and(inArray(h.serviceId, ids), gte(h.bucket, monthStart), lt(h.bucket, now)))
    : [{ costUsd: 0 }];
  const monthToDateUsd = mtd?.costUsd ?? 0;
  const elapsed = (now.getTime() - monthStart.getTime()) / (monthEnd.getTime() - monthStart.getTime());
  const budgets = ids.length
    ? await ctx.db
        .select({ service: services.name, monthlyBudgetUsd: services.monthlyBudgetUsd })
        .from(services)
        .where(and(inArray(services.id, ids), isNotNull(services.monthlyBudgetUsd)))
        .orderBy(asc(services.name))
    : [];
  return {
    days: days.map((d) => ({
      day: d.day,
      service: d.service,
      release: `${d.service}#${d.releaseNumber}`,
      modelVersion: d.model ? `${d.model}@${d.version}` : '',
      costUsd: d.costUsd,
      requests: d.requests,
    })),
    monthToDateUsd,
    projectedMonthUsd: elapsed > 0 ? monthToDateUsd / elapsed : 0,
    budgets: budgets.map((b) => ({ service: b.service, monthlyBudgetUsd: b.monthlyBudgetUsd! })),
  };
}
