// The gateway benchmark's figures: nearest-rank percentiles and median [min–max] over rounds.
import { describe, expect, it } from 'vitest';
import { formatSpread, percentile, spread } from '@/test/bench/stats';

describe('percentile', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);

  it('returns a value some request had, by nearest rank', () => {
    expect(percentile(hundred, 50)).toBe(50);
    expect(percentile(hundred, 99)).toBe(99);
    expect(percentile(hundred, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3], 50)).toBe(2);
  });

  it('is NaN with no values and refuses a percentile outside (0, 100]', () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile(hundred, 0)).toThrow(/above 0 and at most 100/);
  });
});

describe('spread over rounds', () => {
  it('gives the median (mean of the middle two for an even count), minimum and maximum', () => {
    expect(spread([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3 });
    expect(spread([4, 1, 2, 3])).toEqual({ median: 2.5, min: 1, max: 4 });
  });

  it('leaves out rounds without the figure', () => {
    expect(spread([NaN, 5, 1])).toEqual({ median: 3, min: 1, max: 5 });
    expect(formatSpread(spread([NaN]), 1)).toBe('–');
  });

  it('formats as median [min–max], signed when asked', () => {
    expect(formatSpread({ median: 0.5, min: -0.25, max: 2 }, 2, true)).toBe('+0.50 [-0.25–+2.00]');
  });
});
