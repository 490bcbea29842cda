// Proof that a webhook came from whoever holds the service's webhook secret: GitHub's HMAC of the body, GitLab's
// shared token, and Slipway's own timestamped HMAC for generic senders. Pure; every comparison is constant-time.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureProblem = 'missing_signature' | 'malformed_signature' | 'bad_signature' | 'stale_timestamp';
export type Verification = { ok: true } | { ok: false; problem: SignatureProblem };

/** The generic webhook's tolerance between its timestamp and our clock, against replays of old deliveries. */
export const GENERIC_TOLERANCE_SECONDS = 300;

/** Equal strings, compared in time that depends on neither their contents nor their lengths (digests first). */
export function constantTimeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a, 'utf8').digest(), createHash('sha256').update(b, 'utf8').digest());
}

export function hmacHex(secret: string, ...parts: (string | Uint8Array)[]): string {
  const mac = createHmac('sha256', secret);
  for (const p of parts) mac.update(p);
  return mac.digest('hex');
}

/** `X-Hub-Signature-256: sha256=<hex>`, the HMAC-SHA256 of the raw body. */
export function verifyGithubSignature(rawBody: Uint8Array, header: string | null, secret: string): Verification {
  if (!header) return { ok: false, problem: 'missing_signature' };
  const m = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!m) return { ok: false, problem: 'malformed_signature' };
  return constantTimeEqual(m[1]!.toLowerCase(), hmacHex(secret, rawBody)) ? { ok: true } : { ok: false, problem: 'bad_signature' };
}

/** `X-Gitlab-Token`: the secret itself. */
export function verifyGitlabToken(header: string | null, secret: string): Verification {
  if (header === null || header === '') return { ok: false, problem: 'missing_signature' };
  return constantTimeEqual(header, secret) ? { ok: true } : { ok: false, problem: 'bad_signature' };
}

/** `t=<unix seconds>,v1=<hex>` where the hex is the HMAC-SHA256 of `<t>.<raw body>`. */
export function signGeneric(rawBody: string | Uint8Array, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, `${timestamp}.`, rawBody)}`;
}

export interface GenericSignature {
  timestamp: number;
  /** Every v1 value given; more than one lets a sender sign with an old and a new secret while rotating. */
  signatures: string[];
}

export function parseGenericSignature(header: string): GenericSignature | null {
  let timestamp: number | null = null;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return null;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== null) return null;
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-f]{64}$/i.test(value)) return null;
      signatures.push(value.toLowerCase());
    }
  }
  return timestamp === null || !signatures.length ? null : { timestamp, signatures };
}

export function verifyGenericSignature(rawBody: Uint8Array, header: string | null, secret: string, nowSeconds: number, toleranceSeconds = GENERIC_TOLERANCE_SECONDS): Verification & { signature?: string } {
  if (!header) return { ok: false, problem: 'missing_signature' };
  const parsed = parseGenericSignature(header);
  if (!parsed) return { ok: false, problem: 'malformed_signature' };
  const expected = hmacHex(secret, `${parsed.timestamp}.`, rawBody);
  const match = parsed.signatures.find((s) => constantTimeEqual(s, expected));
  if (!match) return { ok: false, problem: 'bad_signature' };
  // Checked after the HMAC, so only a correctly signed but old (or future) delivery is called stale.
  if (Math.abs(nowSeconds - parsed.timestamp) > toleranceSeconds) return { ok: false, problem: 'stale_timestamp' };
  return { ok: true, signature: match };
}
