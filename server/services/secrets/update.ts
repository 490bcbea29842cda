// Changes a secret's scope or description (never its value: that is rotate). Narrowing a scope stops every use it
// no longer allows at once, bindings made before included: each use checks the scope again.
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { secretGrants, secrets } from '@/db/schema';
import { invalid, notFound } from '@/server/errors';
import { diffValues } from '@/server/lib/diff';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
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
  /** Granted origins to stop sending the secret to (bindings there are refused at their next use). */
  revokeOrigins: z.array(z.string().trim().min(1).max(500)).max(100).default([]),
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
    const revoked = data.revokeOrigins.length
      ? (await tx.db
          .delete(secretGrants)
          .where(and(eq(secretGrants.secretId, before.id), inArray(secretGrants.origin, data.revokeOrigins)))
          .returning({ origin: secretGrants.origin })).map((g) => g.origin)
      : [];
    const unknown = data.revokeOrigins.filter((o) => !revoked.includes(o));
    if (unknown.length) throw invalid('revokeOrigins', `${data.name} was never granted ${unknown.join(', ')}`);
    const changes = diffValues({ purposes: before.purposes, services: before.services, origin: before.origin, description: before.description }, next);
    if (revoked.length) changes.push({ path: 'grants', before: revoked, after: [] });
    const [row] = await tx.db
      .update(secrets)
      .set({ ...next, updatedAt: new Date() })
      .where(eq(secrets.id, before.id))
      .returning();
    await notifyGateway(tx);
    await recordAudit(tx, {
      action: 'secret.update',
      target: { kind: 'secret', id: row!.id, label: row!.name },
      summary: changes.length ? `Changed the scope of secret ${row!.name}: ${describeScope(row!)}${revoked.length ? `; stopped sending it to ${revoked.join(', ')}` : ''}` : `No change to secret ${row!.name}`,
      changes: Object.fromEntries(changes.map((c) => [c.path, { from: c.before, to: c.after }])),
    });
    return toPublicSecret(row!);
  });
}
