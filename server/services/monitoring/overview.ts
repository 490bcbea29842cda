// monitoring.overview: every environment of every live service (or of one) with its requests, error rate, p95 and
// cost over the range, the releases that answered, and a sparkline of ≤ 48 points.
import { asc, eq, inArray, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { environments, services } from '@/db/schema';
import { quantile } from '@/server/lib/histogram';
import { requireScope, type ServiceContext } from '../context';
import { isProtected } from '../environments/deploy';
import { serviceByName, slugSchema } from '../registry-shared';
import { chartRange, sparkStep } from './range';
import { addRow, emptyAccumulator, readRollups, stepStart, type Accumulator } from './read';
import { rangeInput, type Overview } from './types';

export const overviewInput = z.object({ service: slugSchema.optional() }).and(rangeInput);

export async function monitoringOverview(ctx: ServiceContext, input: z.input<typeof overviewInput>): Promise<Overview> {
  requireScope(ctx, 'services:read');
  const data = overviewInput.parse(input);
  const svcs = data.service ? [await serviceByName(ctx.db, data.service, { allowArchived: true })] : await ctx.db.select().from(services).where(isNull(services.archivedAt)).orderBy(asc(services.name));
  const range = chartRange(data, { step: sparkStep });
  if (!svcs.length) return { from: range.from.toISOString(), to: range.to.toISOString(), stepSeconds: range.stepSeconds, environments: [] };
  const envs = await ctx.db.select().from(environments).where(inArray(environments.serviceId, svcs.map((s) => s.id))).orderBy(asc(environments.createdAt));
  const rows = await readRollups(ctx.db, { table: range.table, from: range.from, to: range.to, serviceIds: svcs.map((s) => s.id), lean: true }, eq(range.table.shadow, false));
  const figures = new Map<string, { total: Accumulator; releases: Set<number>; spark: Map<string, Accumulator> }>();
  for (const row of rows) {
    const key = `${row.serviceId}|${row.environment}`;
    let f = figures.get(key);
    if (!f) figures.set(key, (f = { total: emptyAccumulator(), releases: new Set(), spark: new Map() }));
    addRow(f.total, row);
    if (row.requests > 0) f.releases.add(row.releaseNumber);
    const t = stepStart(row.bucket, range.stepSeconds);
    if (!f.spark.has(t)) f.spark.set(t, emptyAccumulator());
    addRow(f.spark.get(t)!, row);
  }
  const nameOf = new Map(svcs.map((s) => [s.id, s.name]));
  const byService = new Map(svcs.map((s, i) => [s.id, i]));
  return {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    stepSeconds: range.stepSeconds,
    environments: envs
      .sort((a, b) => byService.get(a.serviceId)! - byService.get(b.serviceId)!)
      .map((env) => {
        const f = figures.get(`${env.serviceId}|${env.name}`);
        const total = f?.total ?? emptyAccumulator();
        return {
          service: nameOf.get(env.serviceId)!,
          environment: env.name,
          protected: isProtected(env),
          requests: total.requests,
          errorRate: total.requests ? total.errors / total.requests : null,
          p95: quantile(total.latency, 0.95),
          costUsd: total.costUsd,
          releases: [...(f?.releases ?? [])].sort((a, b) => b - a),
          spark: [...(f?.spark ?? new Map<string, Accumulator>()).entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([t, acc]) => ({ t, requests: acc.requests, errors: acc.errors, p95: quantile(acc.latency, 0.95) })),
        };
      }),
  };
}

