// Which release answers: buckets by weight, sticky hashing, and the stable arm failing canaries fall back to.
import { describe, expect, it } from 'vitest';
import { BUCKETS, buildArms, pickArm, stickyBucket } from '@/server/gateway/choose';

describe('routing arms', () => {
  it('give the newest release the lowest buckets and the oldest the stable role, whatever the weights', () => {
    const arms = buildArms([
      { releaseNumber: 4, weight: 25, target: 'old' },
      { releaseNumber: 7, weight: 75, target: 'new' },
    ]);
    expect(arms.bounds).toEqual([7500, BUCKETS]);
    expect(pickArm(arms, 0).target).toBe('new');
    expect(pickArm(arms, 7499).target).toBe('new');
    expect(pickArm(arms, 7500).target).toBe('old');
    // Past 50 % the canary carries most traffic, yet the release it is measured against stays the fallback.
    expect(arms.stable.target).toBe('old');
    expect(() => buildArms([{ releaseNumber: 1, weight: 0, target: 'x' }])).toThrow('at least one release with weight');
  });

  it('hash sticky keys the same way every time, spread over the buckets', () => {
    expect(stickyBucket('customer-42')).toBe(stickyBucket('customer-42'));
    const buckets = Array.from({ length: 4000 }, (_, i) => stickyBucket(`user-${i}`));
    const lowHalf = buckets.filter((b) => b < BUCKETS / 2).length;
    expect(lowHalf).toBeGreaterThan(1800);
    expect(lowHalf).toBeLessThan(2200);
  });
});
