// Creates a service with its dev, staging and production environments.
import { z } from 'zod';
import { environments, services } from '@/db/schema';
import { conflict } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { DEFAULT_ENVIRONMENTS } from '../environments/settings';
import { by, slugSchema } from '../registry-shared';
import { assertOwnersExist, ownersSchema } from './owners';

export const createServiceInput = z.object({
  name: slugSchema,
  description: z.string().trim().max(2000).default(''),
  owners: ownersSchema.default([]),
});

export async function createService(ctx: ServiceContext, input: z.input<typeof createServiceInput>) {
  requireScope(ctx, 'services:write');
  const data = createServiceInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    await assertOwnersExist(tx.db, data.owners);
    const [service] = await tx.db
      .insert(services)
      .values({ name: data.name, description: data.description, owners: data.owners, createdBy: by(ctx) })
      .onConflictDoNothing()
      .returning();
    if (!service) throw conflict(`name: a service named "${data.name}" already exists`, 'name');
    await tx.db.insert(environments).values(Object.entries(DEFAULT_ENVIRONMENTS).map(([name, d]) => ({ serviceId: service.id, name, ...d })));
    await recordAudit(tx, {
      action: 'service.create',
      target: { kind: 'service', id: service.id, label: service.name },
      summary: `Created service ${service.name} with dev, staging and production`,
      changes: { description: service.description, owners: service.owners },
    });
    return service;
  });
}
