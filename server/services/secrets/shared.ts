// The public face of a secret: never the value or the ciphertext, only a mask, its scope and when it was last used;
// and the input rules for a scope, shared by creating and editing one.
import { inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { SECRET_PURPOSES, services, type Secret, type SecretPurpose } from '@/db/schema';
import { invalid } from '@/server/errors';
import { slugSchema } from '../registry-shared';

export function toPublicSecret(s: Secret, grants: { origin: string; grantedBy: string; boundTo: string; createdAt: Date }[] = []) {
  return {
    id: s.id,
    name: s.name,
    purposes: s.purposes,
    /** null: every service. */
    services: s.services,
    origin: s.origin,
    /** Other origins it was bound to by someone holding secrets:write. */
    grants,
    mask: s.mask,
    description: s.description,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
    rotatedAt: s.rotatedAt,
    updatedAt: s.updatedAt,
    lastUsedAt: s.lastUsedAt,
  };
}

/** The kinds secrets had before they had purposes; still accepted from older clients. */
export const LEGACY_KIND_PURPOSES: Record<'provider_api_key' | 'webhook_secret' | 'notification_url', SecretPurpose[]> = {
  // Repository access tokens were stored as provider API keys.
  provider_api_key: ['provider_key', 'repository_token'],
  webhook_secret: ['webhook_signing'],
  notification_url: ['notifications'],
};

export const purposesSchema = z
  .array(z.enum(SECRET_PURPOSES))
  .min(1, 'must name at least one purpose')
  .transform((list) => SECRET_PURPOSES.filter((p) => list.includes(p)));

/** Service names, or null for every service. */
export const secretServicesSchema = z
  .array(slugSchema)
  .max(200, 'may name at most 200 services')
  .transform((list) => [...new Set(list)].sort())
  .nullable();

/** An http(s) origin: scheme, host and port, nothing else. */
export const secretOriginSchema = z
  .string()
  .trim()
  .max(500, 'must be at most 500 characters')
  .transform((value, ctx) => {
    let url: URL | null = null;
    try {
      url = new URL(value);
    } catch {
      /* reported below */
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || !value.match(/^https?:\/\/[^/]+\/?$/i)) {
      ctx.addIssue({ code: 'custom', message: 'must be an http(s) origin such as https://api.openai.com (no path, query or credentials)' });
      return z.NEVER;
    }
    return url.origin;
  })
  .nullable();

/** Refuses service names that do not exist, naming the field. */
export async function checkServiceNames(db: Db, field: string, names: string[] | null): Promise<void> {
  if (!names?.length) return;
  const found = new Set((await db.select({ name: services.name }).from(services).where(inArray(services.name, names))).map((s) => s.name));
  const missing = names.filter((n) => !found.has(n));
  if (missing.length) throw invalid(field, `no service named ${missing.map((n) => `"${n}"`).join(', ')}`);
}
