// Creates a user with an initial password, or invites one: the invite link is returned once and stored hashed.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { users } from '@/db/schema';
import { hashPassword } from '@/server/auth/password';
import { hashToken } from '@/server/auth/tokens';
import { conflict } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { emailSchema, findUserByEmail, nameSchema, passwordSchema, roleSchema, toPublicUser } from './shared';

export const INVITE_TTL_MS = 7 * 24 * 3600 * 1000;

export const createUserInput = z.object({
  email: emailSchema,
  name: nameSchema.default(''),
  role: roleSchema,
  /** Omit to invite: the user then sets a password through a one-time link. */
  password: passwordSchema.optional(),
});

export async function createUser(ctx: ServiceContext, input: z.input<typeof createUserInput>) {
  requireScope(ctx, 'users:write');
  const data = createUserInput.parse(input);
  const passwordHash = data.password ? await hashPassword(data.password) : null;
  const invite = data.password ? null : `inv_${randomBytes(24).toString('base64url')}`;
  return withTransaction(ctx, async (tx) => {
    if (await findUserByEmail(tx.db, data.email)) throw conflict('email: a user with this email already exists', 'email');
    const [user] = await tx.db
      .insert(users)
      .values({
        email: data.email,
        name: data.name,
        role: data.role,
        passwordHash,
        inviteHash: invite ? hashToken(invite) : null,
        inviteExpiresAt: invite ? new Date(Date.now() + INVITE_TTL_MS) : null,
      })
      .returning();
    await recordAudit(tx, {
      action: invite ? 'user.invite' : 'user.create',
      target: { kind: 'user', id: user!.id, label: user!.email },
      summary: `${invite ? 'Invited' : 'Created'} ${user!.email} as ${user!.role}`,
      changes: { email: user!.email, name: user!.name, role: user!.role },
    });
    return { user: toPublicUser(user!), inviteToken: invite };
  });
}
