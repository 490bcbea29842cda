// Sign-in checks for next-auth: local credentials, and OAuth/OIDC identities mapped onto Slipway users.
import { eq } from 'drizzle-orm';
import { users, type User } from '@/db/schema';
import type { Role } from '@/server/auth/permissions';
import { verifyPassword } from '@/server/auth/password';
import { recordAudit } from '../audit/record';
import { withTransaction, type ServiceContext } from '../context';
import { findUserByEmail } from './shared';

async function markSignedIn(ctx: ServiceContext, user: User, method: string): Promise<void> {
  await withTransaction(ctx, async (tx) => {
    await tx.db.update(users).set({ lastSignInAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(
      { ...tx, actor: { kind: 'user', userId: user.id, email: user.email, name: user.name, role: user.role } },
      { action: 'user.sign_in', target: { kind: 'user', id: user.id, label: user.email }, summary: `${user.email} signed in with ${method}` },
    );
  });
}

/** Returns the user when the email and password match an enabled account, otherwise null (never says which part was wrong). */
export async function signInWithPassword(ctx: ServiceContext, email: string, password: string): Promise<User | null> {
  const user = await findUserByEmail(ctx.db, email);
  const ok = await verifyPassword(password, user?.passwordHash);
  if (!user || !ok || user.disabledAt) return null;
  await markSignedIn(ctx, user, 'password');
  return user;
}

/**
 * An OAuth/OIDC sign-in is accepted for an enabled user with that (verified) email. When a default role is
 * configured, unknown emails get an account with that role; otherwise an admin must create or invite them first.
 */
export async function signInWithOAuth(ctx: ServiceContext, input: { email: string; name?: string | null; provider: string; defaultRole?: Role }): Promise<User | null> {
  let user = await findUserByEmail(ctx.db, input.email);
  if (!user && input.defaultRole) {
    const role = input.defaultRole;
    user = await withTransaction(ctx, async (tx) => {
      const [created] = await tx.db.insert(users).values({ email: input.email.toLowerCase(), name: input.name ?? '', role }).returning();
      await recordAudit(tx, { action: 'user.create', target: { kind: 'user', id: created!.id, label: created!.email }, summary: `Created ${created!.email} as ${role} on first ${input.provider} sign-in`, changes: { role } });
      return created!;
    });
  }
  if (!user || user.disabledAt) return null;
  await markSignedIn(ctx, user, input.provider);
  return user;
}
