// Changes a secret's scope or description (never its value: that is rotate). Narrowing a scope stops every use it
// no longer allows at once, bindings made before included: each use checks the scope again.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { secrets } from '@/db/schema';
import { notFound } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { notifyGateway, recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { slugSchema } from '../registry-shared';
import { describeScope } from './create';
import { checkServiceNames, purposesSchema, secretOriginSchema, secretServicesSchema, toPublicSecret } from './shared';

export const updateSecretInput = z.object({
  name: slugSchema,
  purposes: purposesSchema.optional(),
  services: secretServicesSchema.optional(),
  origin: secretOriginSchema.optional(),
  description: z.string().trim().max(500).optional(),
});

export async function updateSecret(ctx: ServiceContext, input: z.input<typeof updateSecretInput>) {
  requireScope(ctx, 'secrets:write');
  const data = updateSecretInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const [before] = await tx.db.select().from(secrets).where(eq(secrets.name, data.name)).for('update');
    if (!before) throw notFound(`Secret "${data.name}"`);
    if (data.services !== undefined) await checkServiceNames(tx.db, 'services', data.services);
    const next = {
      purposes: data.purposes ?? before.purposes,
      services: data.services === undefined ? before.services : data.services,
      origin: data.origin === undefined ? before.origin : data.origin,
      description: data.description ?? before.description,
    };
    const changes = diffValues({ purposes: before.purposes, services: before.services, origin: before.origin, description: before.description }, next);
    const [row] = await tx.db
      .update(secrets)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(secrets.id, before.id))
      .returning();
    await notifyGateway(tx);
    await recordAudit(tx, {
      action: 'secret.update',
      target: { kind: 'secret', id: row!.id, label: row!.name },
      summary: changes.length ? `Changed the scope of secret ${row!.name}: ${describeScope(row!)}` : `No change to secret ${row!.name}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return toPublicSecret(row!);
  });
}
