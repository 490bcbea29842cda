// Secret values at rest: AES-256-GCM with a process-wide key (SLIPWAY_SECRET_KEY, or a key generated once
// into the data folder). The key lives on a global so Next's bundled code and the server share it.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

const KEY = Symbol.for('slipway.secretKey');
type Holder = { [KEY]?: Buffer };

export function setSecretKey(key: Buffer): void {
  if (key.length !== 32) throw new Error('the secret key must be 32 bytes');
  (globalThis as Holder)[KEY] = key;
}

/** The process's secret key (a gateway worker is given it at start, to check smoke tokens). */
export function secretKey(): Buffer {
  const key = (globalThis as Holder)[KEY];
  if (!key) throw new Error('secret key not initialised');
  return key;
}

/** A key for one purpose derived from the secret key (HMAC-SHA256 of the label), so the secret key itself signs nothing. */
export function derivedKey(label: string): Buffer {
  return createHmac('sha256', secretKey()).update(`slipway:${label}`).digest();
}

export function encryptSecret(plaintext: string, key = secretKey()): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

export function decryptSecret(sealed: string, key = secretKey()): string {
  const raw = Buffer.from(sealed, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

/** What may be shown of a secret: its last four characters, and only when the value is long enough to spare them. */
export function maskSecret(value: string): string {
  return value.length >= 16 ? `…${value.slice(-4)}` : '…';
}
