// Edits a service's description and owners, or archives / restores it.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { services } from '@/db/schema';
import { diffValues } from '@/server/lib/diff';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { assertOwnersExist, ownersSchema } from './owners';

export const updateServiceInput = z.object({
  name: slugSchema,
  description: z.string().trim().max(2000).optional(),
  owners: ownersSchema.optional(),
  archived: z.boolean().optional(),
});

export async function updateService(ctx: ServiceContext, input: z.input<typeof updateServiceInput>) {
  requireScope(ctx, 'services:write');
  const data = updateServiceInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const before = await serviceByName(tx.db, data.name, { allowArchived: true });
    if (data.owners) await assertOwnersExist(tx.db, data.owners);
    const archivedAt = data.archived === undefined ? before.archivedAt : data.archived ? (before.archivedAt ?? new Date()) : null;
    const [after] = await tx.db
      .update(services)
      .set({ description: data.description ?? before.description, owners: data.owners ?? before.owners, archivedAt, updatedAt: new Date() })
      .where(eq(services.id, before.id))
      .returning();
    const changes = diffValues(
      { description: before.description, owners: before.owners, archived: before.archivedAt !== null },
      { description: after!.description, owners: after!.owners, archived: after!.archivedAt !== null },
    );
    const archivedChange = changes.find((c) => c.path === 'archived');
    await recordAudit(tx, {
      action: archivedChange ? (after!.archivedAt ? 'service.archive' : 'service.unarchive') : 'service.update',
      target: { kind: 'service', id: before.id, label: before.name },
      summary: changes.length ? `Updated service ${before.name}: ${changes.map((c) => c.path).join(', ')}` : `No change to service ${before.name}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return after!;
  });
}
