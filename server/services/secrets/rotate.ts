// Replaces a secret's value; references to the secret pick up the new value.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { secrets } from '@/db/schema';
import { notFound } from '@/server/errors';
import { encryptSecret, maskSecret } from '@/server/secrets/crypto';
import { recordAudit } from '../audit/record';
import { notifyGateway } from '@/server/lib/gateway-channel';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { slugSchema } from '../registry-shared';
import { secretValueSchema } from './create';
import { toPublicSecret } from './shared';

export const rotateSecretInput = z.object({ name: slugSchema, value: secretValueSchema });

export async function rotateSecret(ctx: ServiceContext, input: z.input<typeof rotateSecretInput>) {
  requireScope(ctx, 'secrets:write');
  const data = rotateSecretInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .update(secrets)
      .set({ ciphertext: encryptSecret(data.value), mask: maskSecret(data.value), rotatedAt: new Date() })
      .where(eq(secrets.name, data.name))
      .returning();
    if (!row) throw notFound(`Secret "${data.name}"`);
    await notifyGateway(tx);
    await recordAudit(tx, { action: 'secret.rotate', target: { kind: 'secret', id: row.id, label: row.name }, summary: `Rotated secret ${row.name}` });
    return toPublicSecret(row);
  });
}
