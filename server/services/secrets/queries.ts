// Listing secrets (masks only), and the one internal read of a value, for the gateway and webhooks.
import { asc, eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { secretGrants, secrets } from '@/db/schema';
import { notFound } from '@/server/errors';
import { decryptSecret } from '@/server/secrets/crypto';
import { requireScope, type ServiceContext } from '../context';
import { toPublicSecret } from './shared';

export async function listSecrets(ctx: ServiceContext) {
  requireScope(ctx, 'secrets:read');
  const rows = await ctx.db.select().from(secrets).orderBy(asc(secrets.name));
  const grants = await ctx.db.select().from(secretGrants).orderBy(asc(secretGrants.origin));
  return rows.map((s) => toPublicSecret(s, grants.filter((g) => g.secretId === s.id).map(({ origin, grantedBy, boundTo, createdAt }) => ({ origin, grantedBy, boundTo, createdAt }))));
}

/** Never exposed through the API: decrypts a secret for a server-side caller and records its use. */
export async function readSecretValue(db: Db, id: string): Promise<string> {
  const [row] = await db.update(secrets).set({ lastUsedAt: new Date() }).where(eq(secrets.id, id)).returning();
  if (!row) throw notFound('Secret');
  return decryptSecret(row.ciphertext);
}

/**
 * Decrypts without recording a use, for checking what anyone may send (a webhook's signature): a refused request
 * must change nothing. Call recordSecretUse once the check passed.
 */
export async function peekSecretValue(db: Db, id: string): Promise<string> {
  const [row] = await db.select({ ciphertext: secrets.ciphertext }).from(secrets).where(eq(secrets.id, id)).limit(1);
  if (!row) throw notFound('Secret');
  return decryptSecret(row.ciphertext);
}

export async function recordSecretUse(db: Db, id: string): Promise<void> {
  await db.update(secrets).set({ lastUsedAt: new Date() }).where(eq(secrets.id, id));
}
