// API token format and lookup: `slw_` + 43 random base64url characters, stored only as a sha256 hash.
import { createHash, randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { apiTokens, users } from '@/db/schema';
import type { Actor } from './actor';
import { lowerRole } from './permissions';

export const TOKEN_PREFIX = 'slw_';
const TOKEN_RE = /^slw_[A-Za-z0-9_-]{32,}$/;
// last_used_at is a hint for humans; writing it on every call would turn each read into a write.
const LAST_USED_RESOLUTION_MS = 60_000;

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

export type TokenCheck = { ok: true; actor: Extract<Actor, { kind: 'token' }> } | { ok: false; reason: 'malformed' | 'unknown' | 'revoked' | 'expired' | 'owner-disabled' };

/** Resolves a bearer token to an actor. The token's role is capped by its creator's current role. */
export async function authenticateToken(db: Db, token: string, now = new Date()): Promise<TokenCheck> {
  if (!TOKEN_RE.test(token)) return { ok: false, reason: 'malformed' };
  const [row] = await db
    .select({ token: apiTokens, ownerRole: users.role, ownerDisabledAt: users.disabledAt })
    .from(apiTokens)
    .leftJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashToken(token)))
    .limit(1);
  if (!row) return { ok: false, reason: 'unknown' };
  const t = row.token;
  if (t.revokedAt) return { ok: false, reason: 'revoked' };
  if (t.expiresAt && t.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
  if (t.userId && (row.ownerDisabledAt || !row.ownerRole)) return { ok: false, reason: 'owner-disabled' };
  if (!t.lastUsedAt || now.getTime() - t.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, t.id));
  }
  const role = row.ownerRole ? lowerRole(t.role, row.ownerRole) : t.role;
  return { ok: true, actor: { kind: 'token', tokenId: t.id, tokenName: t.name, userId: t.userId, role } };
}
