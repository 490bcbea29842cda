// Lists users, optionally filtered by a search over email and name.
import { asc, ilike, or } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '@/db/schema';
import { requireScope, type ServiceContext } from '../context';
import { toPublicUser } from './shared';

export const listUsersInput = z.object({ search: z.string().trim().max(200).optional() }).default({});

export async function listUsers(ctx: ServiceContext, input: z.input<typeof listUsersInput>) {
  requireScope(ctx, 'users:read');
  const { search } = listUsersInput.parse(input);
  const pattern = search ? `%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined;
  const rows = await ctx.db
    .select()
    .from(users)
    .where(pattern ? or(ilike(users.email, pattern), ilike(users.name, pattern)) : undefined)
    .orderBy(asc(users.email));
  return rows.map(toPublicUser);
}
