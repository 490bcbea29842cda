// Sortable ids (ULIDs: 48-bit milliseconds + 80 random bits, Crockford base32) for runs and events, the form
// Inngest gives them. Event ids can be derived from the SDK's id seed so that a resent batch gets the same ids.
import { createHash, randomBytes } from 'node:crypto';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encode(ms: number, random: Buffer): string {
  let time = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  // 80 bits → 16 characters of 5 bits each.
  let bits = 0n;
  for (const byte of random.subarray(0, 10)) bits = (bits << 8n) | BigInt(byte);
  let rand = '';
  for (let i = 0; i < 16; i++) {
    rand = ALPHABET[Number(bits & 31n)] + rand;
    bits >>= 5n;
  }
  return time + rand;
}

export function ulid(ms = Date.now()): string {
  return encode(ms, randomBytes(10));
}

/**
 * The id of the `index`-th event of a batch sent with `x-inngest-event-id-seed: <ms>,<base64 entropy>`. The SDK
 * keeps the seed across its own retries of one send, so a batch that arrives twice yields the same ids and is
 * stored once. Null when the seed is malformed.
 */
export function seededEventId(seed: string | undefined, index: number): string | null {
  const m = seed ? /^(\d{1,15}),([A-Za-z0-9+/=]{4,})$/.exec(seed.trim()) : null;
  if (!m) return null;
  const digest = createHash('sha256').update(`${m[2]}:${index}`).digest();
  return encode(Number(m[1]), digest);
}
