// Reading environments: settings and current state, the history, and what ran at a given time.
import { and, desc, eq, lt } from 'drizzle-orm';
import { z } from 'zod';
import { storableDate } from '@/server/lib/storable';
import { environmentHistory } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { overridesByEntry } from '../gates/history';
import { environmentByName, serviceByName, slugSchema } from '../registry-shared';
import { describeRoutes, entryAt } from './state';

export const environmentRefInput = z.object({ service: slugSchema, environment: slugSchema });

export async function getEnvironment(ctx: ServiceContext, input: z.input<typeof environmentRefInput>) {
  requireScope(ctx, 'services:read');
  const data = environmentRefInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  return { ...env, service: service.name, current: await describeRoutes(ctx.db, await entryAt(ctx.db, env.id)) };
}

export const historyInput = environmentRefInput.extend({
  cursor: z.number().int().positive().optional(),
  limit: z.number().int().min(1).max(200).default(50),
});

export async function environmentHistoryList(ctx: ServiceContext, input: z.input<typeof historyInput>) {
  requireScope(ctx, 'services:read');
  const data = historyInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  const rows = await ctx.db
    .select()
    .from(environmentHistory)
    .where(and(eq(environmentHistory.environmentId, env.id), data.cursor ? lt(environmentHistory.id, data.cursor) : undefined))
    .orderBy(desc(environmentHistory.id))
    .limit(data.limit + 1);
  const items = rows.slice(0, data.limit);
  // Gate overrides the entries relied on, shown beside them as a bypass reason is.
  const overrides = await overridesByEntry(ctx.db, env.id, rows);
  return { items: items.map((h) => ({ ...h, gateOverrides: overrides.get(h.id) ?? [] })), nextCursor: rows.length > data.limit ? items[items.length - 1]!.id : null };
}

export const stateAtInput = environmentRefInput.extend({ at: storableDate() });

/** Answers "what ran in this environment at time T": the entry in force then, or null if nothing had run yet. */
export async function environmentStateAt(ctx: ServiceContext, input: z.input<typeof stateAtInput>) {
  requireScope(ctx, 'services:read');
  const data = stateAtInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const env = await environmentByName(ctx.db, service, data.environment);
  return { at: data.at, entry: await describeRoutes(ctx.db, await entryAt(ctx.db, env.id, data.at)) };
}
