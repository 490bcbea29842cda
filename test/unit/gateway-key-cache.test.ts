// The gateway's key cache: a presented token is hashed once and then found by itself; the cache stays within its
// bound, keeping keys in use over ones not seen lately; a new snapshot's key map empties it (revocation holds).
import { describe, expect, it } from 'vitest';
import { hashGatewayKey } from '@/server/lib/gateway-keys';
import { KeyCache } from '@/server/gateway/key-cache';
import type { GatewayKeyEntry } from '@/server/gateway/snapshot';

/** A snapshot's key map that counts lookups by hash (each one means the token was hashed). */
class CountingKeys extends Map<string, GatewayKeyEntry> {
  reads = 0;
  override get(hash: string) {
    this.reads += 1;
    return super.get(hash);
  }
}

const keysOf = (tokens: string[]) => new CountingKeys(tokens.map((t) => [hashGatewayKey(t), { id: t, serviceId: 's', allowPin: false }]));

describe('the key cache', () => {
  it('hashes a token once, and never remembers unknown ones', () => {
    const keys = keysOf(['sgw_a']);
    const cache = new KeyCache(4);
    for (let i = 0; i < 5; i++) expect(cache.lookup('sgw_a', keys)?.id).toBe('sgw_a');
    expect(keys.reads).toBe(1);
    for (let i = 0; i < 3; i++) expect(cache.lookup('sgw_nope', keys)).toBeUndefined();
    expect(keys.reads).toBe(4);
    expect(cache.size).toBe(1);
  });

  it('stays within its bound, evicting a key not used lately before one in use', () => {
    const tokens = ['sgw_a', 'sgw_b', 'sgw_c', 'sgw_d', 'sgw_e'];
    const keys = keysOf(tokens);
    const cache = new KeyCache(4);
    for (const t of tokens.slice(0, 4)) cache.lookup(t, keys);
    cache.lookup('sgw_a', keys);
    cache.lookup('sgw_e', keys);
    expect(cache.size).toBe(4);
    const before = keys.reads;
    cache.lookup('sgw_a', keys);
    expect(keys.reads).toBe(before);
    cache.lookup('sgw_b', keys);
    expect(keys.reads).toBe(before + 1);
  });

  it('starts empty for a new snapshot’s keys, so a revoked key is refused at once', () => {
    const cache = new KeyCache();
    expect(cache.lookup('sgw_a', keysOf(['sgw_a']))?.id).toBe('sgw_a');
    expect(cache.lookup('sgw_a', keysOf([]))).toBeUndefined();
  });
});
