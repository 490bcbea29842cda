// Lists API tokens: the actor's own, or with `all` every token (admins only).
import { desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { apiTokens, users } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { requireScope, type ServiceContext } from '../context';
import { toPublicToken } from './shared';

export const listTokensInput = z.object({ all: z.boolean().default(false) }).default({ all: false });

export async function listTokens(ctx: ServiceContext, input: z.input<typeof listTokensInput>) {
  requireScope(ctx, 'tokens:read');
  const { all } = listTokensInput.parse(input);
  if (all) requireScope(ctx, 'tokens:admin');
  const ownerId = actorUserId(ctx.actor);
  if (!all && !ownerId) return [];
  const rows = await ctx.db
    .select({ t: apiTokens, email: users.email })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(all ? undefined : eq(apiTokens.userId, ownerId!))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map((r) => toPublicToken(r.t, r.email));
}
