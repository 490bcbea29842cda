// Service owners are emails of existing users.
import { inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { invalid } from '@/server/errors';

export const ownersSchema = z
  .array(z.email('must be an email address').transform((e) => e.toLowerCase()))
  .max(20, 'at most 20 owners')
  .transform((list) => [...new Set(list)]);

export async function assertOwnersExist(db: Db, owners: string[]): Promise<void> {
  if (!owners.length) return;
  const found = await db
    .select({ email: users.email })
    .from(users)
    .where(inArray(sql`lower(${users.email})`, owners));
  const known = new Set(found.map((u) => u.email.toLowerCase()));
  const missing = owners.filter((o) => !known.has(o));
  if (missing.length) throw invalid('owners', `no user with the email ${missing.join(', ')}`);
}
