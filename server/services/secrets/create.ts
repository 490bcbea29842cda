// Stores a secret, encrypted, with its scope (purposes, services, origin); the value is never returned afterwards.
import { z } from 'zod';
import { secrets } from '@/db/schema';
import { conflict } from '@/server/errors';
import { encryptSecret, maskSecret } from '@/server/secrets/crypto';
import { recordAudit } from '../audit/record';
import { requireScope, withTransaction, type ServiceContext } from '../context';
import { by, slugSchema } from '../registry-shared';
import { PURPOSE_LABELS } from './scope';
import { checkServiceNames, LEGACY_KIND_PURPOSES, purposesSchema, secretOriginSchema, secretServicesSchema, toPublicSecret } from './shared';

export const secretValueSchema = z.string().min(1, 'is required').max(8192, 'must be at most 8192 characters');

export const createSecretInput = z
  .object({
    name: slugSchema,
    /** What it may be used for. */
    purposes: purposesSchema.optional(),
    /** Older clients name a kind instead of purposes. */
    kind: z.enum(['provider_api_key', 'webhook_secret', 'notification_url']).optional(),
    /** Services that may use it; null or left out: every service. */
    services: secretServicesSchema.default(null),
    /** The URL origin it was stored for: anyone may bind it to URLs there. Others need secrets:write to bind. */
    origin: secretOriginSchema.default(null),
    value: secretValueSchema,
    description: z.string().trim().max(500).default(''),
  })
  .superRefine((v, ctx) => {
    if (!v.purposes && !v.kind) ctx.addIssue({ code: 'custom', path: ['purposes'], message: 'is required: provider_key, repository_token, webhook_signing, notifications or registry_credentials' });
    if (v.purposes && v.kind) ctx.addIssue({ code: 'custom', path: ['kind'], message: 'give purposes or the older kind, not both' });
  })
  .transform(({ kind, ...v }) => ({ ...v, purposes: v.purposes ?? LEGACY_KIND_PURPOSES[kind!] }));

export const describeScope = (s: { purposes: string[]; services: string[] | null; origin: string | null }) =>
  `${s.purposes.map((p) => PURPOSE_LABELS[p as keyof typeof PURPOSE_LABELS] ?? p).join(', ')}; ${s.services ? `services ${s.services.join(', ') || '(none)'}` : 'all services'}; origin ${s.origin ?? 'none'}`;

export async function createSecret(ctx: ServiceContext, input: z.input<typeof createSecretInput>) {
  requireScope(ctx, 'secrets:write');
  const data = createSecretInput.parse(input);
  return withTransaction(ctx, async (tx) => {
    await checkServiceNames(tx.db, 'services', data.services);
    const [row] = await tx.db
      .insert(secrets)
      .values({ name: data.name, purposes: data.purposes, services: data.services, origin: data.origin, ciphertext: encryptSecret(data.value), mask: maskSecret(data.value), description: data.description, createdBy: by(ctx) })
      .onConflictDoNothing()
      .returning();
    if (!row) throw conflict(`name: a secret named "${data.name}" already exists`, 'name');
    await recordAudit(tx, {
      action: 'secret.create',
      target: { kind: 'secret', id: row.id, label: row.name },
      summary: `Stored secret ${row.name} (${describeScope(row)})`,
      changes: { purposes: row.purposes, services: row.services, origin: row.origin },
    });
    return toPublicSecret(row);
  });
}
