// Creates a gateway key for a service's applications; the key is returned once and stored hashed.
import { z } from 'zod';
import { gatewayKeys, type GatewayKey } from '@/db/schema';
import { generateGatewayKey, hashGatewayKey } from '@/server/lib/gateway-keys';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, serviceByName, slugSchema } from '../registry-shared';

export const createGatewayKeyInput = z.object({
  service: slugSchema,
  name: z.string().trim().min(1, 'is required').max(100),
  allowPin: z.boolean().default(false),
});

export function toPublicGatewayKey(k: GatewayKey) {
  return { id: k.id, name: k.name, prefix: k.prefix, allowPin: k.allowPin, createdBy: k.createdBy, createdAt: k.createdAt, revokedAt: k.revokedAt, lastUsedAt: k.lastUsedAt };
}

export async function createGatewayKey(ctx: ServiceContext, input: z.input<typeof createGatewayKeyInput>) {
  requireScope(ctx, 'gateway-keys:write');
  const data = createGatewayKeyInput.parse(input);
  const key = generateGatewayKey();
  return withTransaction(ctx, async (tx) => {
    const service = await serviceByName(tx.db, data.service);
    const [row] = await tx.db
      .insert(gatewayKeys)
      .values({ serviceId: service.id, name: data.name, keyHash: hashGatewayKey(key), prefix: key.slice(0, 10), allowPin: data.allowPin, createdBy: by(ctx) })
      .returning();
    await notifyGateway(tx);
    await recordAudit(tx, { action: 'gateway_key.create', target: { kind: 'gateway_key', id: row!.id, label: `${service.name}/${row!.name}` }, summary: `Created gateway key “${row!.name}” for ${service.name}${row!.allowPin ? ' (may pin releases)' : ''}` });
    return { key, gatewayKey: toPublicGatewayKey(row!) };
  });
}
