// The drift statistics against reference values computed with Python 3.11, SciPy 1.17.1 and NumPy 2.4.6 on the
// same inputs (the samples come from test/helpers/drift-samples.ts, whose generator is written out there in Python):
//   KS:           scipy.stats.ks_2samp(a, b)                       (method 'auto': exact up to 10,000, else kstwo)
//   Wasserstein:  scipy.stats.wasserstein_distance(a, b) / max(numpy.std(a), 0.001)   (Evidently's normed form)
//   chi-squared:  scipy.stats.chi2_contingency([ref, cur], correction=False)
//   z-test:       z = (p1 − p2) / sqrt(P(1 − P)(1/n1 + 1/n2)), p = 2·scipy.stats.norm.sf(|z|)
//   JS:           scipy.spatial.distance.jensenshannon(p, q)       (natural log)
//   PSI:          cuts = numpy.unique(numpy.quantile(ref, arange(1, 10) / 10)); bin = searchsorted(cuts, x, 'right');
//                 shares of empty bins 1e-4; Σ (r − c)·ln(r / c)
//   AUC:          scipy.stats.mannwhitneyu(pos, neg).statistic / (len(pos)·len(neg))
import { describe, expect, it } from 'vitest';
import { chiSquaredTest, jensenShannonDistance, ksTest, psi, psiCounts, rocAuc, wassersteinNormed, zTestProportions } from '@/server/drift';
import { chiSquaredSf, kolmogorovSf, normalSf } from '@/server/drift/special';
import { parkMillerSample as sample } from '../helpers/drift-samples';

const close = (actual: number, expected: number, abs = 1e-9) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(abs);
/** Relative closeness, for tiny p-values. */
const rel = (actual: number, expected: number, r = 1e-6) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(Math.abs(expected) * r);

describe('two-sample Kolmogorov–Smirnov test', () => {
  // [name, reference, current, statistic, p-value, normed Wasserstein]
  const cases: [string, number[], number[], number, number, number][] = [
    ['25 vs 31 (exact, unequal)', sample(25, 1, 'normal'), sample(31, 2, 'normal', 1, 0.5), 0.4038709677419355, 0.01531358571122614, 0.5990359864123608],
    ['40 vs 40 (exact, equal sizes)', sample(40, 3, 'normal'), sample(40, 4, 'normal', 1.2, 0.3), 0.2, 0.404587405685253, 0.4247932531586704],
    ['integers with ties', sample(200, 5, 'int', 12), sample(150, 6, 'int', 12, 1), 0.10666666666666667, 0.2670091673604593, 0.20121648896111657],
    ['800 vs 1200 exponential', sample(800, 7, 'exp', 2), sample(1200, 8, 'exp', 2.2), 0.032916666666666664, 0.6670298810835372, 0.04605338807293805],
    ['300 vs 700 shifted', sample(300, 9, 'normal'), sample(700, 10, 'normal', 1, 0.8), 0.32904761904761903, 1.2303034032728317e-20, 0.8210509387297451],
    ['12000 vs 11000 (asymptotic)', sample(12000, 11, 'normal'), sample(11000, 12, 'normal', 1, 0.02), 0.008196969696969703, 0.8322221775916884, 0.015533514851093723],
    ['15000 vs 10500 (asymptotic, far tail)', sample(15000, 13, 'normal'), sample(10500, 14, 'normal', 1, 0.2), 0.07856190476190483, 1.3332434600715978e-33, 0.1947421551238376],
    ['10001 vs 3000 (asymptotic)', sample(10001, 15, 'normal'), sample(3000, 16, 'normal', 1, 0.03), 0.022142585741425802, 0.20476001880528627, 0.03603866785964934],
  ];
  for (const [name, a, b, d, p, w] of cases) {
    it(`matches SciPy: ${name}`, () => {
      const r = ksTest(a, b);
      close(r.statistic, d, 1e-12);
      if (p < 1e-6) rel(r.pValue, p, 1e-6);
      else close(r.pValue, p, 1e-9);
      // Symmetric in its arguments.
      close(ksTest(b, a).pValue, r.pValue, 1e-12);
      close(wassersteinNormed(a, b), w, 1e-9);
    });
  }

  it('identical samples: statistic 0, p-value 1; bad input is refused', () => {
    expect(ksTest([1, 2, 3], [3, 2, 1])).toEqual({ statistic: 0, pValue: 1 });
    expect(() => ksTest([], [1])).toThrow(/at least one value/);
    expect(() => ksTest([1, Number.NaN], [1])).toThrow(/reference\[1\] must be a finite number/);
  });
});

describe('chi-squared, z-test, Jensen–Shannon, Wasserstein, PSI', () => {
  it('chi-squared test of homogeneity matches scipy.stats.chi2_contingency(correction=False)', () => {
    const table: [number[], number[], number, number, number][] = [
      [[30, 14, 6], [22, 25, 13], 6.053216374269005, 0.048479793964635, 2],
      // A category empty in both windows is left out (df 4, not 5).
      [[120, 40, 0, 33, 7, 0], [98, 61, 4, 20, 0, 0], 20.06015177376783, 0.00048592796092587504, 4],
      [[45, 55], [60, 40], 4.511278195488721, 0.033672068856345896, 1],
      [[900, 80, 20], [820, 150, 30], 27.025278058645096, 1.3537405363846802e-6, 2],
    ];
    for (const [ref, cur, stat, p, df] of table) {
      const r = chiSquaredTest(ref, cur);
      close(r.statistic, stat, 1e-9);
      rel(r.pValue, p, 1e-8);
      expect(r.df).toBe(df);
    }
    expect(chiSquaredTest([10, 0], [7, 0])).toEqual({ statistic: 0, pValue: 1, df: 0 });
    expect(() => chiSquaredTest([1, 2], [1])).toThrow(/reference has 2 categories, current 1/);
    expect(() => chiSquaredTest([1, -2], [1, 1])).toThrow(/must not be negative/);
  });

  it('the pooled two-proportion z-test matches SciPy; a 2 × 2 chi-squared gives the same p-value', () => {
    const table: [number, number, number, number, number, number][] = [
      [30, 200, 48, 210, -2.026118676509712, 0.042752624644654305],
      [5, 1000, 19, 900, -3.139796565850557, 0.0016906519404199666],
      [50, 100, 50, 100, 0, 1],
      [0, 400, 60, 400, -8.05387266256829, 8.021467255105527e-16],
    ];
    for (const [a, n1, b, n2, z, p] of table) {
      const r = zTestProportions(a, n1, b, n2);
      close(r.statistic, z, 1e-9);
      rel(r.pValue, p, 1e-8);
      close(chiSquaredTest([a, n1 - a], [b, n2 - b]).pValue, r.pValue, 1e-12);
    }
    expect(zTestProportions(0, 50, 0, 80)).toEqual({ statistic: 0, pValue: 1 });
    expect(() => zTestProportions(5, 0, 1, 10)).toThrow(/refN and curN must be positive/);
  });

  it('Jensen–Shannon distance matches scipy.spatial.distance.jensenshannon', () => {
    close(jensenShannonDistance([10, 20, 30, 40], [40, 30, 20, 10]), 0.32625164411267443, 1e-12);
    close(jensenShannonDistance([0.5, 0.5, 0], [0, 0.1, 0.9]), 0.7469797975180145, 1e-12);
    close(jensenShannonDistance([3, 0, 7], [3, 1, 6]), 0.19126509608326095, 1e-12);
    close(jensenShannonDistance([1, 2, 3], [2, 4, 6]), 0, 1e-12);
    // Disjoint supports: the maximum, √ln 2.
    close(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.LN2), 1e-12);
    expect(() => jensenShannonDistance([0, 0], [1, 1])).toThrow(/positive sum/);
  });

  it('normed Wasserstein divides by the reference standard deviation, at least 0.001', () => {
    const constant = new Array<number>(50).fill(2);
    const moved = [...new Array<number>(25).fill(2), ...new Array<number>(25).fill(3)];
    close(wassersteinNormed(constant, moved), 500, 1e-9);
    expect(wassersteinNormed(constant, constant)).toBe(0);
  });

  it('PSI over 10 quantile bins of the reference matches the NumPy computation', () => {
    close(psi(sample(800, 7, 'exp', 2), sample(1200, 8, 'exp', 2.2))!, 0.013021069655584045, 1e-12);
    close(psi(sample(300, 9, 'normal'), sample(700, 10, 'normal', 1, 0.8))!, 0.6484758397440887, 1e-12);
    // Integer data: tied quantiles merge into fewer bins.
    close(psi(sample(200, 5, 'int', 12), sample(150, 6, 'int', 12, 1))!, 0.7615852469113461, 1e-12);
    // Every current value beyond the reference's range: the outer bin is open-ended, empty bins count as 0.0001.
    close(psi(sample(100, 21, 'normal'), sample(100, 22, 'normal', 1, 5))!, 8.283089355027482, 1e-9);
    expect(psi([], [1, 2])).toBeNull();
    expect(psi([1, 2, 3], [1, 2, 3])).toBe(0);
    expect(psiCounts([10, 0], [0, 10])).toBeCloseTo(2 * (1 - 0.0001) * Math.log(1 / 0.0001), 9);
    expect(() => psi([1], [1], 1)).toThrow(/bins must be an integer of at least 2/);
  });

  it('ROC AUC counts ties half (Mann–Whitney U / n₁n₀ from SciPy)', () => {
    close(rocAuc([0.1, 0.4, 0.35, 0.8, 0.4, 0.4, 0.9, 0.2, 0.65, 0.3], [0, 0, 1, 1, 0, 1, 1, 0, 1, 0]), 0.88, 1e-12);
    expect(rocAuc([1, 1, 1, 1], [0, 1, 0, 1])).toBe(0.5);
  });

  it('tail probabilities match SciPy (chi2.sf, norm.sf, kstwo.sf)', () => {
    // scipy.stats.chi2.sf(x, df), scipy.stats.norm.sf(z), scipy.stats.kstwo.sf(d, n)
    rel(chiSquaredSf(3.84, 1), 0.05004352124870519, 1e-10);
    rel(chiSquaredSf(40, 10), 1.694474393006737e-5, 1e-9);
    rel(chiSquaredSf(0.5, 7), 0.9994464813904249, 1e-12);
    rel(normalSf(1.96), 0.024997895148220435, 1e-10);
    rel(normalSf(-0.5), 0.6914624612740131, 1e-12);
    rel(normalSf(9), 1.1285884059538324e-19, 1e-9);
    close(kolmogorovSf(5000, 0.01), 0.6954557253913853, 1e-7);
    rel(kolmogorovSf(5000, 0.03), 0.00024159234422666817, 1e-6);
    rel(kolmogorovSf(200, 0.6), 2.2284451128877564e-69, 1e-6);
    rel(kolmogorovSf(100, 0.3), 1.7719869892662917e-8, 1e-6);
  });
});
