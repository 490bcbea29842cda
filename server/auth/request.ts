// Turns an HTTP request into an actor: a Bearer API token when one is sent, otherwise the session cookie.
import { eq } from 'drizzle-orm';
import { getServerSession } from 'next-auth';
import { getToken } from 'next-auth/jwt';
import type { NextRequest } from 'next/server';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from './actor';
import { authOptions } from './next-auth';
import { authenticateToken } from './tokens';
import { getRuntime } from '@/server/runtime';

const REFUSALS = {
  malformed: 'The API token is malformed; tokens start with slw_',
  unknown: 'The API token is not valid',
  revoked: 'The API token has been revoked',
  expired: 'The API token has expired',
  'owner-disabled': 'The API token belongs to a disabled account',
} as const;

export async function userActor(db: Db, userId: string | undefined | null): Promise<Extract<Actor, { kind: 'user' }> | null> {
  if (!userId || !/^[0-9a-f-]{36}$/i.test(userId)) return null;
  const [u] = await db.select().from(users).where(eq(users.id, userId)).limit(1);
  if (!u || u.disabledAt) return null;
  return { kind: 'user', userId: u.id, email: u.email, name: u.name, role: u.role };
}

export async function actorFromRequest(req: NextRequest): Promise<{ actor: Actor; authError?: string }> {
  const rt = await getRuntime();
  const header = req.headers.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return { actor: { kind: 'anonymous' }, authError: 'Authorization must be "Bearer slw_…"' };
    const check = await authenticateToken(rt.database.db, match[1]!);
    return check.ok ? { actor: check.actor } : { actor: { kind: 'anonymous' }, authError: REFUSALS[check.reason] };
  }
  const jwt = await getToken({ req, secret: rt.authSecret });
  const actor = await userActor(rt.database.db, jwt?.sub);
  return actor ? { actor } : { actor: { kind: 'anonymous' } };
}

/** The signed-in user for server components and pages, or null. */
export async function currentUser() {
  const rt = await getRuntime();
  const session = await getServerSession(await authOptions());
  return userActor(rt.database.db, (session?.user as { id?: string } | undefined)?.id);
}
