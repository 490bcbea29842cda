// Smoke tokens: what a smoke test shows the gateway instead of a gateway key. A token names one service and one
// environment and expires within minutes; it is signed with a key derived from the app's secret key, so only this
// deployment can make one and none is ever stored. The gateway marks what such a token calls as synthetic.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { derivedKey } from './crypto';

export const SMOKE_TOKEN_PREFIX = 'sst_';
/** How long a token is good for: long enough for one smoke run of every release, short enough to be useless later. */
export const SMOKE_TOKEN_TTL_MS = 10 * 60_000;

export interface SmokeTokenClaims {
  serviceId: string;
  environment: string;
  /** Expiry, epoch milliseconds. */
  expiresAt: number;
}

const sign = (body: string) => createHmac('sha256', derivedKey('smoke-token')).update(`${SMOKE_TOKEN_PREFIX}${body}`).digest();

export function mintSmokeToken(claims: { serviceId: string; environment: string }, now = Date.now(), ttlMs = SMOKE_TOKEN_TTL_MS): string {
  const body = Buffer.from(JSON.stringify({ v: 1, s: claims.serviceId, e: claims.environment, x: now + ttlMs, n: randomBytes(8).toString('hex') })).toString('base64url');
  return `${SMOKE_TOKEN_PREFIX}${body}.${sign(body).toString('base64url')}`;
}

export type SmokeTokenCheck = { ok: true; claims: SmokeTokenClaims } | { ok: false; reason: 'malformed' | 'forged' | 'expired' };

/** Checks a token's signature and expiry (not its service or environment: the caller compares those with the route). */
export function verifySmokeToken(token: string, now = Date.now()): SmokeTokenCheck {
  if (!token.startsWith(SMOKE_TOKEN_PREFIX)) return { ok: false, reason: 'malformed' };
  const [body, sig, extra] = token.slice(SMOKE_TOKEN_PREFIX.length).split('.');
  if (!body || !sig || extra !== undefined) return { ok: false, reason: 'malformed' };
  const given = Buffer.from(sig, 'base64url');
  const expected = sign(body);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
  let claims: { v?: unknown; s?: unknown; e?: unknown; x?: unknown };
  try {
    claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.v !== 1 || typeof claims.s !== 'string' || typeof claims.e !== 'string' || typeof claims.x !== 'number') return { ok: false, reason: 'malformed' };
  if (claims.x <= now) return { ok: false, reason: 'expired' };
  return { ok: true, claims: { serviceId: claims.s, environment: claims.e, expiresAt: claims.x } };
}
