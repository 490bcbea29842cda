// The client address that sign-in throttling counts on: X-Forwarded-For is believed only for configured proxies.
import { describe, expect, it } from 'vitest';
import { addressBucket, clientIp } from '@/server/auth/client-ip';
import { backoffMs, THROTTLE_RULES } from '@/server/auth/throttle';

describe('client address', () => {
  it('ignores X-Forwarded-For unless proxies are trusted, and then takes the entry the last proxy appended', () => {
    expect(clientIp('10.0.0.5', '1.2.3.4', 0)).toBe('10.0.0.5');
    expect(clientIp('10.0.0.5', 'forged, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientIp('10.0.0.5', ['forged', '203.0.113.7, 10.0.0.9'], 2)).toBe('203.0.113.7');
    expect(clientIp('10.0.0.5', undefined, 1)).toBe('10.0.0.5');
    expect(clientIp('::ffff:192.0.2.1', undefined, 0)).toBe('192.0.2.1');
    expect(clientIp('10.0.0.5', 'not-an-address', 1)).toBe('unknown');
  });

  it('counts IPv6 clients per /64', () => {
    expect(addressBucket(clientIp('2001:db8:1:2::abcd', undefined, 0))).toBe('2001:db8:1:2::/64');
    expect(addressBucket(clientIp('2001:DB8:1:2:ffff:0:0:1', undefined, 0))).toBe('2001:db8:1:2::/64');
    expect(addressBucket('192.0.2.1')).toBe('192.0.2.1');
  });

  it('lengthens the wait with each failure past the free ones, up to the cap', () => {
    const rule = THROTTLE_RULES.pair;
    const waits = Array.from({ length: rule.free + 12 }, (_, i) => backoffMs(rule, i + 1));
    expect(waits.slice(0, rule.free).every((w) => w === 0)).toBe(true);
    expect(waits.slice(rule.free, rule.free + 3)).toEqual([rule.baseMs, rule.baseMs * 2, rule.baseMs * 4]);
    expect(Math.max(...waits)).toBe(rule.capMs);
  });
});
