// The public projection of an API token: never the hash, never the secret.
import type { ApiToken } from '@/db/schema';

export function toPublicToken(t: ApiToken, ownerEmail?: string | null) {
  const now = Date.now();
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role,
    source: t.source,
    ownerId: t.userId,
    ownerEmail: ownerEmail ?? null,
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
    status: t.revokedAt ? ('revoked' as const) : t.expiresAt && t.expiresAt.getTime() <= now ? ('expired' as const) : ('active' as const),
  };
}
export type PublicToken = ReturnType<typeof toPublicToken>;
