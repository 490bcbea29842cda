// Revokes a gateway key; the gateway refuses it from its next routing refresh (well within a second).
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { gatewayKeys } from '@/db/schema';
import { notFound, precondition } from '@/server/errors';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { serviceByName, slugSchema } from '../registry-shared';
import { toPublicGatewayKey } from './create';

export const revokeGatewayKeyInput = z.object({ service: slugSchema, keyId: z.uuid('must be a key id') });

export async function revokeGatewayKey(ctx: ServiceContext, input: z.input<typeof revokeGatewayKeyInput>) {
  requireScope(ctx, 'gateway-keys:write');
  const data = revokeGatewayKeyInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service, { allowArchived: true });
    const [key] = await tx.db
      .select()
      .from(gatewayKeys)
      .where(and(eq(gatewayKeys.id, data.keyId), eq(gatewayKeys.serviceId, service.id)))
      .for('update');
    if (!key) throw notFound(`Gateway key of ${service.name}`);
    if (key.revokedAt) throw precondition('This gateway key is already revoked');
    const [after] = await tx.db.update(gatewayKeys).set({ revokedAt: new Date() }).where(eq(gatewayKeys.id, key.id)).returning();
    await notifyGateway(tx);
    await recordAudit(tx, { action: 'gateway_key.revoke', target: { kind: 'gateway_key', id: key.id, label: `${service.name}/${key.name}` }, summary: `Revoked gateway key “${key.name}” of ${service.name}` });
    return toPublicGatewayKey(after!);
  });
}

export const listGatewayKeysInput = z.object({ service: slugSchema });

export async function listGatewayKeys(ctx: ServiceContext, input: z.input<typeof listGatewayKeysInput>) {
  requireScope(ctx, 'gateway-keys:read');
  const data = listGatewayKeysInput.parse(input);
  const service = await serviceByName(ctx.db, data.service, { allowArchived: true });
  const rows = await ctx.db.select().from(gatewayKeys).where(eq(gatewayKeys.serviceId, service.id));
  return rows.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map(toPublicGatewayKey);
}
