// Gateway key lookup without hashing on every request: a bounded LRU map from the token a caller presents to
// its key entry, in front of the snapshot's map by SHA-256 hash. It belongs to one snapshot's key map: when
// the gateway holds a new snapshot (a key created, revoked or changed), the cache starts empty, so a revoked
// key is refused from the first request after the reload. Only valid keys are remembered, so unknown tokens
// cannot push real ones out.
import { hashGatewayKey } from '@/server/lib/gateway-keys';
import type { GatewayKeyEntry } from './snapshot';

export const KEY_CACHE_MAX = 10_000;

export class KeyCache {
  private readonly byToken = new Map<string, GatewayKeyEntry>();
  private source: ReadonlyMap<string, GatewayKeyEntry> | null = null;

  constructor(private readonly max = KEY_CACHE_MAX) {}

  /** The key entry for a presented token in `keys` (a snapshot's map by hash), or undefined. */
  lookup(token: string, keys: ReadonlyMap<string, GatewayKeyEntry>): GatewayKeyEntry | undefined {
    if (keys !== this.source) {
      this.byToken.clear();
      this.source = keys;
    }
    const hit = this.byToken.get(token);
    if (hit) {
      // Most recently used last: the first entry is the one to evict.
      this.byToken.delete(token);
      this.byToken.set(token, hit);
      return hit;
    }
    const entry = keys.get(hashGatewayKey(token));
    if (entry) {
      if (this.byToken.size >= this.max) this.byToken.delete(this.byToken.keys().next().value!);
      this.byToken.set(token, entry);
    }
    return entry;
  }

  get size(): number {
    return this.byToken.size;
  }
}
