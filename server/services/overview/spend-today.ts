// What the gateway's live traffic has cost today (since 00:00 UTC), per service and in total, from the rollups.
import { asc, eq, isNull } from 'drizzle-orm';
import { environments, services } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { windowFigures } from '../monitoring/window';

export async function spendToday(ctx: ServiceContext) {
  requireScope(ctx, 'services:read');
  const to = new Date();
  const from = new Date(Date.UTC(to.getUTCFullYear(), to.getUTCMonth(), to.getUTCDate()));
  const envs = await ctx.db
    .select({ serviceId: environments.serviceId, service: services.name, environment: environments.name })
    .from(environments)
    .innerJoin(services, eq(services.id, environments.serviceId))
    .where(isNull(services.archivedAt))
    .orderBy(asc(services.name));
  const figures = await Promise.all(envs.map(async (e) => ({ ...e, w: await windowFigures(ctx.db, { serviceId: e.serviceId, environment: e.environment, from, to }) })));
  const byService = new Map<string, { service: string; costUsd: number; requests: number }>();
  for (const { service, w } of figures) {
    const s = byService.get(service) ?? { service, costUsd: 0, requests: 0 };
    s.costUsd += w.costUsd;
    s.requests += w.requests;
    byService.set(service, s);
  }
  const perService = [...byService.values()].filter((s) => s.requests > 0).sort((a, b) => b.costUsd - a.costUsd);
  return { from, to, totalUsd: perService.reduce((n, s) => n + s.costUsd, 0), requests: perService.reduce((n, s) => n + s.requests, 0), services: perService };
}
