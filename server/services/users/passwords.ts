// Password changes: an admin resetting someone's, a user changing their own, an invitee setting the first one.
import { and, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '@/db/schema';
import { hashPassword, verifyPassword } from '@/server/auth/password';
import { hashToken } from '@/server/auth/tokens';
import { DomainError, invalid, notFound } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { getUser, nameSchema, passwordSchema, toPublicUser } from './shared';

export const resetPasswordInput = z.object({ userId: z.uuid('must be a user id'), password: passwordSchema });

export async function resetPassword(ctx: ServiceContext, input: z.input<typeof resetPasswordInput>) {
  requireScope(ctx, 'users:write');
  const data = resetPasswordInput.parse(input);
  const passwordHash = await hashPassword(data.password);
  return withTransaction(ctx, async (tx) => {
    const user = await getUser(tx.db, data.userId);
    await tx.db.update(users).set({ passwordHash, inviteHash: null, inviteExpiresAt: null, updatedAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(tx, { action: 'user.reset_password', target: { kind: 'user', id: user.id, label: user.email }, summary: `Reset the password of ${user.email}` });
  });
}

export const changeOwnPasswordInput = z.object({ currentPassword: z.string().min(1, 'is required'), newPassword: passwordSchema });

export async function changeOwnPassword(ctx: ServiceContext, input: z.input<typeof changeOwnPasswordInput>) {
  if (ctx.actor.kind !== 'user') throw new DomainError('forbidden', 'Only a signed-in user can change their password');
  const data = changeOwnPasswordInput.parse(input);
  const userId = ctx.actor.userId;
  return withTransaction(ctx, async (tx) => {
    const user = await getUser(tx.db, userId);
    if (!(await verifyPassword(data.currentPassword, user.passwordHash))) throw invalid('currentPassword', 'is not your current password');
    await tx.db.update(users).set({ passwordHash: await hashPassword(data.newPassword), updatedAt: new Date() }).where(eq(users.id, user.id));
    await recordAudit(tx, { action: 'user.change_password', target: { kind: 'user', id: user.id, label: user.email }, summary: `${user.email} changed their password` });
  });
}

export const acceptInviteInput = z.object({ token: z.string().min(1, 'is required').max(200), name: nameSchema.optional(), password: passwordSchema });

/** Public: the invite secret is the credential. It works once, before it expires. */
export async function acceptInvite(ctx: ServiceContext, input: z.input<typeof acceptInviteInput>) {
  const data = acceptInviteInput.parse(input);
  const passwordHash = await hashPassword(data.password);
  return withTransaction(ctx, async (tx) => {
    const [user] = await tx.db
      .select()
      .from(users)
      .where(and(eq(users.inviteHash, hashToken(data.token)), gt(users.inviteExpiresAt, new Date())))
      .limit(1);
    if (!user || user.disabledAt) throw notFound('Invitation (it may have expired or been used)');
    const [after] = await tx.db
      .update(users)
      .set({ passwordHash, inviteHash: null, inviteExpiresAt: null, name: data.name ?? user.name, updatedAt: new Date() })
      .where(eq(users.id, user.id))
      .returning();
    await recordAudit(tx, { action: 'user.accept_invite', target: { kind: 'user', id: user.id, label: user.email }, summary: `${user.email} accepted their invitation` });
    return toPublicUser(after!);
  });
}
