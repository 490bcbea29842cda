// Pieces the user verbs share: the public projection of a user, lookups and the last-admin guard.
import { and, eq, isNull, ne, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { users, type User } from '@/db/schema';
import { ROLES } from '@/server/auth/permissions';
import { PASSWORD_MIN_LENGTH } from '@/server/auth/password';
import { notFound, precondition } from '@/server/errors';

export const emailSchema = z.email('must be an email address').max(254).transform((e) => e.toLowerCase());
export const roleSchema = z.enum(ROLES);
export const passwordSchema = z.string().min(PASSWORD_MIN_LENGTH, `must be at least ${PASSWORD_MIN_LENGTH} characters`).max(200);
export const nameSchema = z.string().trim().max(120);

export function toPublicUser(u: User) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: u.role,
    disabled: u.disabledAt !== null,
    disabledAt: u.disabledAt,
    hasPassword: u.passwordHash !== null,
    invitePending: u.inviteHash !== null,
    inviteExpiresAt: u.inviteExpiresAt,
    lastSignInAt: u.lastSignInAt,
    createdAt: u.createdAt,
  };
}
export type PublicUser = ReturnType<typeof toPublicUser>;

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  const [u] = await db.select().from(users).where(eq(sql`lower(${users.email})`, email.toLowerCase())).limit(1);
  return u;
}

export async function getUser(db: Db, id: string): Promise<User> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  if (!u) throw notFound('User');
  return u;
}

/** Refuses a change that would leave no enabled admin: someone must always be able to manage access. */
export async function assertAnotherAdmin(db: Db, exceptUserId: string): Promise<void> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(users)
    .where(and(eq(users.role, 'admin'), isNull(users.disabledAt), ne(users.id, exceptUserId)));
  if (!row || row.n === 0) throw precondition('This is the last enabled admin; make someone else an admin first');
}
