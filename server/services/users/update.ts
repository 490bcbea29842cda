// Changes a user's role, name or enabled state; guards against locking every admin out.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '@/db/schema';
import { actorUserId } from '@/server/auth/actor';
import { precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { assertAnotherAdmin, getUser, nameSchema, roleSchema, toPublicUser } from './shared';

export const updateUserInput = z
  .object({
    userId: z.uuid('must be a user id'),
    role: roleSchema.optional(),
    name: nameSchema.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((v) => v.role !== undefined || v.name !== undefined || v.disabled !== undefined, { message: 'nothing to change: give role, name or disabled', path: ['role'] });

export async function updateUser(ctx: ServiceContext, input: z.input<typeof updateUserInput>) {
  requireScope(ctx, 'users:write');
  const data = updateUserInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const before = await getUser(tx.db, data.userId);
    const self = actorUserId(ctx.actor) === before.id;
    if (data.disabled === true && self) throw precondition('You cannot disable your own account');
    const losesAdmin = before.role === 'admin' && !before.disabledAt && ((data.role && data.role !== 'admin') || data.disabled === true);
    if (losesAdmin) await assertAnotherAdmin(tx.db, before.id);

    const changes: Record<string, { from: unknown; to: unknown }> = {};
    const set: Partial<typeof users.$inferInsert> = { updatedAt: new Date() };
    if (data.role !== undefined && data.role !== before.role) {
      set.role = data.role;
      changes.role = { from: before.role, to: data.role };
    }
    if (data.name !== undefined && data.name !== before.name) {
      set.name = data.name;
      changes.name = { from: before.name, to: data.name };
    }
    if (data.disabled !== undefined && data.disabled !== (before.disabledAt !== null)) {
      set.disabledAt = data.disabled ? new Date() : null;
      changes.disabled = { from: before.disabledAt !== null, to: data.disabled };
    }
    const [after] = await tx.db.update(users).set(set).where(eq(users.id, before.id)).returning();
    const parts = Object.entries(changes).map(([k, v]) => `${k} ${String(v.from)} → ${String(v.to)}`);
    await recordAudit(tx, {
      action: changes.disabled ? (data.disabled ? 'user.disable' : 'user.enable') : 'user.update',
      target: { kind: 'user', id: before.id, label: before.email },
      summary: parts.length ? `Updated ${before.email}: ${parts.join(', ')}` : `No change to ${before.email}`,
      changes,
    });
    return toPublicUser(after!);
  });
}
