// The one incomplete gamma function: known values of ln Γ and Q(a, x), bounded in the far tails, and eval runs
// and drift reports reading the same normal tail from it.
import { describe, expect, it } from 'vitest';
import { chiSquaredSf, normalSf } from '@/server/drift/special';
import { normalCdf } from '@/server/evals/stats';
import { gammaQ, logGamma } from '@/server/lib/gamma';

describe('gamma functions', () => {
  it('match known values', () => {
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 12);
    expect(gammaQ(1, 2.5)).toBeCloseTo(Math.exp(-2.5), 14);
    // Q(1/2, x²) = erfc(x); erfc(1) = 0.157299207050285…
    expect(gammaQ(0.5, 1)).toBeCloseTo(0.157299207050285, 13);
    expect(chiSquaredSf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(gammaQ(3, 0)).toBe(1);
    expect(gammaQ(3, Infinity)).toBe(0);
    expect(() => gammaQ(0, 1)).toThrow(/a must be positive/);
  });

  it('stay within [0, 1] in the far tails', () => {
    for (const [a, x] of [[0.5, 1e-12], [0.5, 800], [50, 49.9], [200, 400], [0.5, 1500]] as const) {
      const q = gammaQ(a, x);
      expect(q, `Q(${a}, ${x})`).toBeGreaterThanOrEqual(0);
      expect(q, `Q(${a}, ${x})`).toBeLessThanOrEqual(1);
    }
  });

  it('give eval runs and drift reports the same normal tail', () => {
    for (const z of [-6, -1.96, -0.3, 0, 0.3, 1.2815515655446004, 1.96, 4, 8.5]) {
      const drift = z >= 0 ? 1 - normalSf(z) : normalSf(-z);
      expect(Math.abs(normalCdf(z) - drift) / drift, `z = ${z}`).toBeLessThan(1e-13);
    }
  });
});
