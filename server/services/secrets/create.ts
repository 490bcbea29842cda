// Stores a provider API key or webhook secret, encrypted; the value is never returned afterwards.
import { z } from 'zod';
import { secrets } from '@/db/schema';
import { conflict } from '@/server/errors';
import { encryptSecret, maskSecret } from '@/server/secrets/crypto';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, slugSchema } from '../registry-shared';
import { toPublicSecret } from './shared';

export const secretValueSchema = z.string().min(1, 'is required').max(8192, 'must be at most 8192 characters');

export const createSecretInput = z.object({
  name: slugSchema,
  kind: z.enum(['provider_api_key', 'webhook_secret', 'notification_url']),
  value: secretValueSchema,
  description: z.string().trim().max(500).default(''),
});

export async function createSecret(ctx: ServiceContext, input: z.input<typeof createSecretInput>) {
  requireScope(ctx, 'secrets:write');
  const data = createSecretInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .insert(secrets)
      .values({ name: data.name, kind: data.kind, ciphertext: encryptSecret(data.value), mask: maskSecret(data.value), description: data.description, createdBy: by(ctx) })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict(`name: a secret named "${data.name}" already exists`, 'name');
    await recordAudit(tx, { action: 'secret.create', target: { kind: 'secret', id: row.id, label: row.name }, summary: `Stored secret ${row.name} (${row.kind})` });
    return toPublicSecret(row);
  });
}
