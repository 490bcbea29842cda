// Gateway key lookup without hashing on every request: a bounded LRU map from the token a caller presents to
// its key entry, in front of the snapshot's map by SHA-256 hash. It belongs to one snapshot's key map: when
// the gateway holds a new snapshot (a key created, revoked or changed), the cache starts empty, so a revoked
// key is refused from the first request after the reload. Only valid keys are remembered, so unknown tokens
// cannot push real ones out.
import { hashGatewayKey } from '@/server/lib/gateway-keys';
import type { GatewayKeyEntry } from './snapshot';

export const KEY_CACHE_MAX = 10_000;

interface Cached {
  entry: GatewayKeyEntry;
  /** When it was last (re)inserted, counted in insertions. */
  seq: number;
}

export class KeyCache {
  private readonly byToken = new Map<string, Cached>();
  private source: ReadonlyMap<string, GatewayKeyEntry> | null = null;
  private seq = 0;

  constructor(private readonly max = KEY_CACHE_MAX) {}

  /** The key entry for a presented token in `keys` (a snapshot's map by hash), or undefined. */
  lookup(token: string, keys: ReadonlyMap<string, GatewayKeyEntry>): GatewayKeyEntry | undefined {
    if (keys !== this.source) {
      this.byToken.clear();
      this.source = keys;
    }
    const hit = this.byToken.get(token);
    if (hit) {
      // Least recently used first, so the first entry is the one to evict. A hit moves its entry to the end only
      // once it has drifted into the older half: a hot key costs a plain map read nearly every time.
      if (this.seq - hit.seq > this.max >> 1) {
        this.byToken.delete(token);
        hit.seq = this.seq++;
        this.byToken.set(token, hit);
      }
      return hit.entry;
    }
    const entry = keys.get(hashGatewayKey(token));
    if (entry) {
      if (this.byToken.size >= this.max) this.byToken.delete(this.byToken.keys().next().value!);
      this.byToken.set(token, { entry, seq: this.seq++ });
    }
    return entry;
  }

  get size(): number {
    return this.byToken.size;
  }
}
