// Fixture builders: real users and tokens in the test database, and tRPC callers acting as them.
import { randomUUID } from 'node:crypto';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import { createCaller } from '@/server/api/root';
import { createInnerContext } from '@/server/api/trpc';
import type { Actor } from '@/server/auth/actor';
import type { Role } from '@/server/auth/permissions';
import { hashPassword } from '@/server/auth/password';

let hashed: Promise<string> | undefined;

/** Inserts a user with the given role (password "correct horse battery") and returns its actor. */
export async function makeUser(db: Db, opts: { role: Role; email?: string; disabled?: boolean }): Promise<Extract<Actor, { kind: 'user' }>> {
  hashed ??= hashPassword('correct horse battery');
  const email = opts.email ?? `${opts.role}-${randomUUID().slice(0, 8)}@example.test`;
  const [u] = await db
    .insert(users)
    .values({ email, name: `${opts.role} user`, role: opts.role, passwordHash: await hashed, disabledAt: opts.disabled ? new Date() : null })
    .returning();
  return { kind: 'user', userId: u!.id, email: u!.email, name: u!.name, role: u!.role };
}

export function callerFor(db: Db, actor: Actor) {
  return createCaller(createInnerContext({ actor, db }));
}

export const anonymous: Actor = { kind: 'anonymous' };
