// Gateway keys: `sgw_` + 43 random base64url characters, stored only as a sha256 hash.
import { createHash, randomBytes } from 'node:crypto';

export const GATEWAY_KEY_PREFIX = 'sgw_';

export function generateGatewayKey(): string {
  return GATEWAY_KEY_PREFIX + randomBytes(32).toString('base64url');
}

export function hashGatewayKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
