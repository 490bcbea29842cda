// A secret's scope: the purposes it serves, the services that may use it and the URL origin it was stored for.
// Binding a secret to a URL (a model's base URL, a repository, a webhook step) is allowed when its purpose and
// services match and the URL is at its stored origin — or when someone holding `secrets:write` binds it, which
// grants that origin. Every use checks the same again, so narrowing a scope stops uses bound before.
import { and, eq, inArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { secretGrants, secrets, type Secret, type SecretPurpose } from '@/db/schema';
import { actorLabel } from '@/server/auth/actor';
import { can } from '@/server/auth/permissions';
import { DomainError, invalid } from '@/server/errors';
import { recordAudit } from '../audit/record';
import type { ServiceContext } from '../context';

export const PURPOSE_LABELS: Record<SecretPurpose, string> = {
  provider_key: 'provider API key',
  repository_token: 'repository token',
  webhook_signing: 'webhook signing',
  notifications: 'notifications',
  registry_credentials: 'image registry credentials',
};

/** `https://api.example.com` for any URL there; null when the text is no URL with an origin. */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

type Scoped = Pick<Secret, 'name' | 'purposes' | 'services'>;

/** Why the secret may not serve this purpose for this service, or null when it may. */
export function scopeRefusal(secret: Scoped, purpose: SecretPurpose, service: string | null): string | null {
  if (!secret.purposes.includes(purpose)) {
    return `secret "${secret.name}" is not for ${PURPOSE_LABELS[purpose]} (its purposes: ${secret.purposes.map((p) => PURPOSE_LABELS[p]).join(', ') || 'none'})`;
  }
  if (service !== null && secret.services !== null && !secret.services.includes(service)) {
    return `secret "${secret.name}" may not be used by service ${service} (it is scoped to ${secret.services.join(', ') || 'no service'})`;
  }
  return null;
}

/** Whether the secret may be sent to `origin`: its stored origin, or one granted by a `secrets:write` holder. */
export async function originAllowed(db: Db, secret: Pick<Secret, 'id' | 'origin'>, origin: string): Promise<boolean> {
  if (secret.origin === origin) return true;
  const [grant] = await db
    .select({ origin: secretGrants.origin })
    .from(secretGrants)
    .where(and(eq(secretGrants.secretId, secret.id), eq(secretGrants.origin, origin)))
    .limit(1);
  return !!grant;
}

export interface SecretUse {
  purpose: SecretPurpose;
  /** The service using it; null where the use has no service yet (a model version, checked again when released). */
  service: string | null;
  /** Where the secret (or what it signs) is sent; null when it goes nowhere (verifying inbound webhooks, a URL held in the secret itself). */
  url: string | null;
}

/** Why the secret may not be used so (never its value), or null when it may; `granted` holds its granted origins. */
export function refusalOfUseWith(secret: Secret, use: SecretUse, granted: ReadonlySet<string>): string | null {
  const scope = scopeRefusal(secret, use.purpose, use.service);
  if (scope) return scope;
  if (use.url === null) return null;
  const origin = originOf(use.url);
  if (origin && (origin === secret.origin || granted.has(origin))) return null;
  return `secret "${secret.name}" may not be sent to ${origin ?? 'this URL'} (its origin is ${secret.origin ?? 'not set'}, and nobody with secrets:write bound it there)`;
}

/** Origins granted per secret, for checking many uses at once (the gateway's snapshot). */
export async function grantedOrigins(db: Db, secretIds: string[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  if (!secretIds.length) return out;
  const rows = await db.select({ secretId: secretGrants.secretId, origin: secretGrants.origin }).from(secretGrants).where(inArray(secretGrants.secretId, secretIds));
  for (const r of rows) out.set(r.secretId, (out.get(r.secretId) ?? new Set()).add(r.origin));
  return out;
}

/** At use time: why the secret may not be used so (never its value), or null when it may. */
export async function refusalOfUse(db: Db, secret: Secret, use: SecretUse): Promise<string | null> {
  return refusalOfUseWith(secret, use, (await grantedOrigins(db, [secret.id])).get(secret.id) ?? new Set());
}

/**
 * Only people (and their API tokens) holding `secrets:write` may send a secret somewhere new. System jobs do not
 * count: a pipeline registers what a commit's manifest says, and anyone may push a branch.
 */
function mayGrant(ctx: ServiceContext): boolean {
  return (ctx.actor.kind === 'user' || ctx.actor.kind === 'token') && can(ctx.actor.role, 'secrets:write');
}

export interface SecretBinding extends SecretUse {
  /** The input field naming the secret, for the error. */
  field: string;
  name: string;
  /** What is being bound, for the grant's record: `apiKeySecret of nano@3`. */
  boundTo: string;
}

/**
 * At bind time: the named secret, when it may be bound so; otherwise an error naming the field and the rule, before
 * anything is written. Binding to a new origin by a `secrets:write` holder records the grant, checked at each use.
 */
export async function bindSecret(ctx: ServiceContext, b: SecretBinding): Promise<Secret> {
  const [secret] = await ctx.db.select().from(secrets).where(eq(secrets.name, b.name)).limit(1);
  if (!secret) throw invalid(b.field, `no secret named "${b.name}"; store it under Settings → Secrets first`);
  if (!secret.purposes.includes(b.purpose)) throw invalid(b.field, `${scopeRefusal(secret, b.purpose, null)}; add the purpose under Settings → Secrets or name another secret`);
  const scope = scopeRefusal(secret, b.purpose, b.service);
  if (scope) throw new DomainError('forbidden', `${b.field}: ${scope}`, b.field);
  if (b.url === null) return secret;
  const origin = originOf(b.url);
  if (!origin) throw invalid(b.field, 'the URL it is bound to has no origin');
  if (await originAllowed(ctx.db, secret, origin)) return secret;
  if (!mayGrant(ctx)) {
    throw new DomainError(
      'forbidden',
      `${b.field}: secret "${secret.name}" may be bound to a URL at ${secret.origin ?? 'its stored origin (none is set)'} only; binding it to ${origin} needs secrets:write (approvers and admins)`,
      b.field,
    );
  }
  await ctx.db.insert(secretGrants).values({ secretId: secret.id, origin, grantedBy: actorLabel(ctx.actor), boundTo: b.boundTo }).onConflictDoNothing();
  await recordAudit(ctx, {
    action: 'secret.grant',
    target: { kind: 'secret', id: secret.id, label: secret.name },
    summary: `Allowed secret ${secret.name} to be sent to ${origin} (${b.boundTo})`,
    changes: { origin, boundTo: b.boundTo },
  });
  return secret;
}
