// The public face of a secret: never the value or the ciphertext, only a mask and when it was last used.
import type { Secret } from '@/db/schema';

export function toPublicSecret(s: Secret) {
  return { id: s.id, name: s.name, kind: s.kind, mask: s.mask, description: s.description, createdBy: s.createdBy, createdAt: s.createdAt, rotatedAt: s.rotatedAt, lastUsedAt: s.lastUsedAt };
}
