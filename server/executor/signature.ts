// Request signing between the executor and the SDK, exactly as the SDK verifies it: `X-Inngest-Signature:
// t=<unix seconds>&s=<hex HMAC-SHA256 of the canonical JSON body followed by t>`, keyed with the signing key
// minus its `signkey-<env>-` prefix; and the bearer token the SDK sends when it syncs (the prefix kept, the
// hex key replaced by its SHA-256).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

const PREFIX = /^signkey-\w+-/;
/** Signatures older (or newer) than this are refused, as the SDK does. */
const MAX_SKEW_MS = 5 * 60_000;

function hmac(key: string, payload: string, ts: string): string {
  return createHmac('sha256', key.replace(PREFIX, '')).update(payload).update(ts).digest('hex');
}

/** The signature header for `payload` (the exact body text sent) at `nowMs`. */
export function signatureHeader(payload: string, signingKey: string, nowMs = Date.now()): string {
  const ts = String(Math.floor(nowMs / 1000));
  return `t=${ts}&s=${hmac(signingKey, payload, ts)}`;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `header` signs `payload` with one of the keys, within five minutes of `nowMs`. */
export function verifySignature(header: string | null | undefined, payload: string, keys: (string | undefined)[], nowMs = Date.now()): boolean {
  if (!header) return false;
  const params = new URLSearchParams(header);
  const ts = params.get('t') ?? '';
  const sig = params.get('s') ?? '';
  if (!/^\d+$/.test(ts) || !sig) return false;
  if (Math.abs(nowMs - Number(ts) * 1000) > MAX_SKEW_MS) return false;
  return keys.some((k) => k !== undefined && safeEqual(hmac(k, payload, ts), sig));
}

/** What the SDK sends as `Authorization: Bearer …` when it registers its functions. */
export function hashedSigningKey(signingKey: string): string {
  const prefix = PREFIX.exec(signingKey)?.[0] ?? '';
  return prefix + createHash('sha256').update(Buffer.from(signingKey.replace(PREFIX, ''), 'hex')).digest('hex');
}

/** Whether an Authorization header carries the hashed form of one of the keys. */
export function verifyBearer(authorization: string | null | undefined, keys: (string | undefined)[]): boolean {
  const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
  if (!token) return false;
  return keys.some((k) => k !== undefined && safeEqual(hashedSigningKey(k), token));
}
