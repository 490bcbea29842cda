// Edits a service's description and owners, or archives / restores it. An archived service serves nothing
// (the gateway drops its environments), so archiving or restoring one whose protected environment routes traffic
// changes what that environment serves: it needs the same role as deploying there. The monthly budget is the line
// the cost view draws.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { environments, services, type Service } from '@/db/schema';
import { actorRole } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { forbidden } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { isProtected } from '../environments/deploy';
import { entryAt } from '../environments/state';
import { serviceByName, slugSchema } from '../registry-shared';
import { assertOwnersExist, ownersSchema } from './owners';

/** The service's protected environments whose routing table sends traffic somewhere. */
async function protectedServing(db: Db, service: Service): Promise<string[]> {
  const envs = await db.select().from(environments).where(eq(environments.serviceId, service.id));
  const out: string[] = [];
  for (const env of envs.filter(isProtected)) {
    const entry = await entryAt(db, env.id);
    if (entry?.routes.some((r) => r.weight > 0)) out.push(env.name);
  }
  return out.sort();
}

export const updateServiceInput = z.object({
  name: slugSchema,
  description: z.string().trim().max(2000).optional(),
  owners: ownersSchema.optional(),
  archived: z.boolean().optional(),
  /** The monthly spend the cost view draws as a budget line; null removes it. */
  monthlyBudgetUsd: z.number().finite().nonnegative('must be zero or more').max(1e9, 'must be at most 1,000,000,000').nullable().optional(),
});

export async function updateService(ctx: ServiceContext, input: z.input<typeof updateServiceInput>) {
  requireScope(ctx, 'services:write');
  const data = updateServiceInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const before = await serviceByName(tx.db, data.name, { allowArchived: true });
    if (data.owners) await assertOwnersExist(tx.db, data.owners);
    const archiving = data.archived !== undefined && data.archived !== (before.archivedAt !== null);
    if (archiving && !can(actorRole(tx.actor), 'environments:deploy-protected')) {
      const serving = await protectedServing(tx.db, before);
      if (serving.length) {
        const which = serving.map((e) => `${before.name}/${e}`).join(', ');
        throw forbidden(
          `${data.archived ? 'Archiving' : 'Restoring'} ${before.name} would ${data.archived ? 'take' : 'put'} its protected ${serving.length === 1 ? 'environment' : 'environments'} ${which} ${data.archived ? 'offline' : 'back online'}: only those who may deploy there may do it (needs environments:deploy-protected)`,
        );
      }
    }
    const archivedAt = data.archived === undefined ? before.archivedAt : data.archived ? (before.archivedAt ?? new Date()) : null;
    const [after] = await tx.db
      .update(services)
      .set({
        description: data.description ?? before.description,
        owners: data.owners ?? before.owners,
        archivedAt,
        monthlyBudgetUsd: data.monthlyBudgetUsd === undefined ? before.monthlyBudgetUsd : data.monthlyBudgetUsd,
        updatedAt: new Date(),
      })
      .where(eq(services.id, before.id))
      .returning();
    const changes = diffValues(
      { description: before.description, owners: before.owners, archived: before.archivedAt !== null, monthlyBudgetUsd: before.monthlyBudgetUsd },
      { description: after!.description, owners: after!.owners, archived: after!.archivedAt !== null, monthlyBudgetUsd: after!.monthlyBudgetUsd },
    );
    const archivedChange = changes.find((c) => c.path === 'archived');
    // The gateway stops (or starts again) serving the service's environments.
    if (archivedChange) await notifyGateway(tx);
    await recordAudit(tx, {
      action: archivedChange ? (after!.archivedAt ? 'service.archive' : 'service.unarchive') : 'service.update',
      target: { kind: 'service', id: before.id, label: before.name },
      summary: changes.length ? `Updated service ${before.name}: ${changes.map((c) => c.path).join(', ')}` : `No change to service ${before.name}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return after!;
  });
}
