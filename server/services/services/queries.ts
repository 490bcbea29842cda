// Reading services: the list, and one service with an environment card per environment; each environment with
// what it runs and the rollout in progress there, if any.
import { and, asc, count, eq, ilike, inArray, isNull, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { ACTIVE_ROLLOUT_STATUSES, environments, prompts, releases, rollouts, services } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { describeRoutes, entryAt, sortEnvironments } from '../environments/state';
import { serviceByName, slugSchema } from '../registry-shared';

export const listServicesInput = z.object({ search: z.string().trim().max(100).optional(), includeArchived: z.boolean().default(false) }).default({ includeArchived: false });

export async function listServices(ctx: ServiceContext, input: z.input<typeof listServicesInput>) {
  requireScope(ctx, 'services:read');
  const q = listServicesInput.parse(input);
  const like = q.search ? `%${q.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const rows = await ctx.db
    .select()
    .from(services)
    .where(and(q.includeArchived ? undefined : isNull(services.archivedAt), like ? or(ilike(services.name, like), ilike(services.description, like)) : undefined))
    .orderBy(asc(services.name));
  return Promise.all(
    rows.map(async (s) => {
      const envs = sortEnvironments(await ctx.db.select().from(environments).where(eq(environments.serviceId, s.id)));
      const active = await activeRollouts(ctx.db, envs.map((e) => e.id));
      const current = await Promise.all(envs.map(async (e) => ({ name: e.name, routes: (await entryAt(ctx.db, e.id))?.routes ?? [], activeRollout: active.get(e.id) ?? null })));
      return { ...s, environments: current };
    }),
  );
}

export const getServiceInput = z.object({ name: slugSchema });

export async function getService(ctx: ServiceContext, input: z.input<typeof getServiceInput>) {
  requireScope(ctx, 'services:read');
  const { name } = getServiceInput.parse(input);
  const service = await serviceByName(ctx.db, name, { allowArchived: true });
  const envs = sortEnvironments(await ctx.db.select().from(environments).where(eq(environments.serviceId, service.id)));
  const [[promptCount], [releaseCount]] = await Promise.all([
    ctx.db.select({ n: count() }).from(prompts).where(eq(prompts.serviceId, service.id)),
    ctx.db.select({ n: count() }).from(releases).where(eq(releases.serviceId, service.id)),
  ]);
  const active = await activeRollouts(ctx.db, envs.map((e) => e.id));
  const cards = await Promise.all(envs.map(async (e) => ({ ...e, current: await describeRoutes(ctx.db, await entryAt(ctx.db, e.id)), activeRollout: active.get(e.id) ?? null })));
  return { ...service, environments: cards, promptCount: promptCount!.n, releaseCount: releaseCount!.n };
}

/** The rollout in progress in each of these environments (at most one each), as lists show it. */
async function activeRollouts(db: Db, environmentIds: string[]) {
  const rows = environmentIds.length
    ? await db
        .select({ environmentId: rollouts.environmentId, number: rollouts.number, status: rollouts.status, releaseNumber: rollouts.releaseNumber, weight: rollouts.weight, strategy: rollouts.strategy })
        .from(rollouts)
        .where(and(inArray(rollouts.environmentId, environmentIds), inArray(rollouts.status, [...ACTIVE_ROLLOUT_STATUSES])))
    : [];
  return new Map(rows.map(({ environmentId, ...r }) => [environmentId, r]));
}
