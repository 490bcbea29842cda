// The statistics of eval runs against reference values. The figures were computed independently with SciPy 1.17
// (stats.norm, stats.t, stats.binomtest, stats.wilcoxon with zero_method='wilcox' and correction=True, and
// stats.t.interval); the inputs are written out here so they can be recomputed.
import { describe, expect, it } from 'vitest';
import {
  bernoulliDifferenceSd,
  compareRates,
  binomialCdf,
  mcnemarExact,
  minDetectableRegression,
  normalCdf,
  normalQuantile,
  pairedMeanDifference,
  regressionTest,
  studentTCdf,
  studentTQuantile,
  summariseRun,
  wilcoxonSignedRank,
  wilsonInterval,
} from '@/server/evals/stats';
import type { ArmCase, PairedCase } from '@/server/evals/types';

describe('special functions', () => {
  it('normal CDF and quantiles', () => {
    const cdf: [number, number][] = [[-5, 2.866515718791933e-7], [-1.96, 0.024997895148220435], [0, 0.5], [0.5, 0.6914624612740131], [3, 0.9986501019683699]];
    for (const [z, p] of cdf) expect(normalCdf(z)).toBeCloseTo(p, 10);
    expect(normalCdf(-5) / 2.866515718791933e-7).toBeCloseTo(1, 8);
    const ppf: [number, number][] = [[0.8, 0.8416212335729143], [0.95, 1.6448536269514722], [0.975, 1.959963984540054], [0.999, 3.090232306167813]];
    for (const [p, z] of ppf) expect(normalQuantile(p)).toBeCloseTo(z, 6);
  });

  it("Student's t quantiles and CDF", () => {
    const table: [number, number, number][] = [
      [1, 12.706204736174694, 1.3763819204711738],
      [2, 4.302652729749462, 1.0606601717798214],
      [5, 2.5705818356363146, 0.9195437802408271],
      [9, 2.262157162798205, 0.8834038596855346],
      [29, 2.045229642132703, 0.8541919858818557],
      [199, 1.9719565442517533, 0.8434311999372966],
    ];
    for (const [df, q975, q80] of table) {
      expect(studentTQuantile(0.975, df)).toBeCloseTo(q975, 5);
      expect(studentTQuantile(0.8, df)).toBeCloseTo(q80, 5);
    }
    expect(studentTCdf(2, 3)).toBeCloseTo(0.9303370157205785, 10);
    expect(studentTCdf(-1.5, 10)).toBeCloseTo(0.08225366322272007, 10);
  });

  it('binomial CDF', () => {
    // 1 + 10 + 45 = 56 of 2^10 outcomes have at most 2 successes.
    expect(binomialCdf(2, 10, 0.5)).toBeCloseTo(56 / 1024, 12);
    expect(binomialCdf(10, 10, 0.5)).toBe(1);
    expect(binomialCdf(-1, 10, 0.5)).toBe(0);
  });
});

describe('paired tests', () => {
  it("McNemar's exact test on discordant pairs", () => {
    expect(mcnemarExact(2, 10)).toBeCloseTo(0.03857421875, 12);
    expect(mcnemarExact(0, 5)).toBeCloseTo(0.0625, 12);
    expect(mcnemarExact(5, 5)).toBe(1);
    expect(mcnemarExact(1, 0)).toBe(1);
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(12, 30)).toBeCloseTo(0.007915897334896727, 10);
  });

  it('Wilcoxon signed-rank, exact without ties', () => {
    const r = wilcoxonSignedRank([0.13, -0.42, 0.51, 0.07, 0.88, 0.29, -0.05, 0.64, 0.33, 0.21]);
    expect(r).toMatchObject({ n: 10, method: 'exact' });
    // W− = 8 (ranks 1 and 7), so W+ = 55 − 8.
    expect(r.wPlus).toBe(47);
    expect(r.pValue).toBeCloseTo(0.048828125, 12);
  });

  it('Wilcoxon signed-rank drops zero differences', () => {
    const r = wilcoxonSignedRank([0.2, 0, -0.1, 0.35, 0.4, 0, 0.15, 0.55, -0.3, 0.45, 0.05, 0.6]);
    expect(r).toMatchObject({ n: 10, method: 'exact' });
    expect(r.pValue).toBeCloseTo(0.037109375, 12);
  });

  it('Wilcoxon signed-rank, normal approximation with ties and continuity correction', () => {
    const r = wilcoxonSignedRank([1, 1, 1, -1, 0, 1, 1, 0.5, 0.5, -0.5, 1, 1, 0, 1, -1, 1, 0.5, 1, 1, 1]);
    expect(r.method).toBe('normal');
    expect(r.n).toBe(18);
    expect(r.pValue).toBeCloseTo(0.0060126877236729576, 8);
  });

  it('Wilcoxon signed-rank, normal approximation beyond 50 differences', () => {
    const w = Array.from({ length: 60 }, (_, i) => Math.round((-0.3 + (i * 1.2) / 59 + 0.001 * i) * 1e6) / 1e6);
    const r = wilcoxonSignedRank(w);
    expect(r.method).toBe('normal');
    expect(r.pValue / 3.858177238865743e-7).toBeCloseTo(1, 4);
  });

  it('no differences at all: p = 1', () => {
    expect(wilcoxonSignedRank([0, 0, 0]).pValue).toBe(1);
    expect(wilcoxonSignedRank([]).pValue).toBe(1);
  });

  it('paired mean difference with a 95% t-interval', () => {
    const r = pairedMeanDifference([0.1, -0.2, 0.05, 0.3, 0.0, -0.1, 0.25, 0.15]);
    expect(r.mean).toBeCloseTo(0.06875, 12);
    expect(r.sd).toBeCloseTo(0.1688987439689405, 10);
    expect(r.ci![0]).toBeCloseTo(-0.07245288359501426, 6);
    expect(r.ci![1]).toBeCloseTo(0.20995288359501427, 6);
    expect(pairedMeanDifference([0.5]).ci).toBeNull();
  });

  it('minimum detectable regression at two-sided alpha and 80% power', () => {
    expect(minDetectableRegression(10, 0.3, 0.05)).toBeCloseTo(0.298414120502902, 5);
    expect(minDetectableRegression(200, 0.25, 0.05)).toBeCloseTo(0.04976949413963935, 5);
    expect(minDetectableRegression(40, 0.1, 0.05)).toBeCloseTo(0.0454360155680301, 5);
    expect(minDetectableRegression(1, 0.3, 0.05)).toBeNull();
    // All 400 arm-cases passing: p̃ = 400.5/401.
    const p = 400.5 / 401;
    expect(bernoulliDifferenceSd(400, 400)).toBeCloseTo(Math.sqrt(2 * p * (1 - p)), 12);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Run summaries

function arm(score: number, extra: Partial<ArmCase> = {}): ArmCase {
  return { score, pass: score >= 0.5, error: false, costUsd: 0.001, latencyMs: 500, metrics: { accuracy: score }, ...extra };
}

function paired(candidate: number[], baseline: number[] | null): PairedCase[] {
  return candidate.map((s, i) => ({ caseIndex: i, candidate: arm(s), baseline: baseline ? arm(baseline[i]!) : null }));
}

const rule = { minScore: 0.6, maxRegression: 0.02, alpha: 0.05 };

/** n binary scores with the given number of passes, the passes first. */
const binary = (n: number, passes: number) => Array.from({ length: n }, (_, i) => (i < passes ? 1 : 0));

describe('summariseRun', () => {
  it('fails a candidate 15 points worse than the baseline, with a significant McNemar p', () => {
    // Baseline passes 180 of 200; the candidate loses 30 of those cases: 150 of 200.
    const base = binary(200, 180);
    const cand = binary(200, 150);
    const s = summariseRun(paired(cand, base), { rule, baselineRelease: 3 });
    expect(s.candidate.score).toBeCloseTo(0.75, 12);
    expect(s.baseline).toMatchObject({ release: 3, score: 0.9, passRate: 0.9 });
    expect(s.mcnemar).toEqual({ b: 30, c: 0, pValue: mcnemarExact(30, 0) });
    expect(s.mcnemar!.pValue).toBeLessThan(1e-8);
    const score = s.metrics.find((m) => m.metric === 'score')!;
    expect(score.difference).toBeCloseTo(-0.15, 12);
    expect(score.ci95![1]).toBeLessThan(0);
    expect(s.metrics.map((m) => m.metric)).toEqual(['score', 'accuracy']);
    expect(s.verdict.passed).toBe(false);
    expect(s.verdict.reasons.join(' ')).toMatch(/a regression of 15\.0 points, more than the 2\.0-point margin, and significant \(McNemar's exact test p < 0\.0001, below alpha 0\.05\)/);
    // 200 pass/fail cases cannot tell a 2-point regression from noise: the verdict says so (and still fails).
    const sd = Math.sqrt((30 * 0.85 ** 2 + 170 * 0.15 ** 2) / 199);
    expect(s.minDetectableRegression).toBeCloseTo(minDetectableRegression(200, sd, 0.05)!, 12);
    expect(s.minDetectableRegression).toBeCloseTo(0.0713, 3);
    expect(s.verdict.tooSmall).toBe(true);
    expect(regressionTest(paired(cand, base))).toMatchObject({ test: 'mcnemar', regression: expect.closeTo(0.15, 12) });
  });

  it('passes an equally good candidate', () => {
    const base = Array.from({ length: 60 }, (_, i) => [0.9, 0.7, 1, 0.8][i % 4]!);
    const cand = Array.from({ length: 60 }, (_, i) => [0.8, 0.8, 1, 0.8][i % 4]!);
    const s = summariseRun(paired(cand, base), { rule, baselineRelease: 1 });
    expect(s.verdict.passed).toBe(true);
    expect(s.verdict.reasons[0]).toMatch(/meeting the minimum score of 0\.600/);
    expect(s.verdict.reasons[1]).toMatch(/the same mean score/);
    expect(s.metrics[0]!.wilcoxonP).toBe(1);
  });

  it('a regression beyond the margin that is not significant passes, and says the dataset is too small', () => {
    const base = [1, 1, 1, 1, 1, 0, 1, 1, 1, 1];
    const cand = [1, 0, 1, 1, 1, 1, 1, 0, 1, 1];
    const s = summariseRun(paired(cand, base), { rule: { ...rule, minScore: null }, baselineRelease: 2 });
    expect(s.verdict.passed).toBe(true);
    expect(s.verdict.tooSmall).toBe(true);
    expect(s.verdict.reasons.join(' ')).toMatch(/a regression of 10\.0 points, more than the 2\.0-point margin but not significant/);
    expect(s.verdict.reasons.join(' ')).toMatch(/With 10 paired cases the smallest regression this suite can detect \(two-sided alpha 0\.05, 80% power\) is \d+\.\d points/);
  });

  it('uses Wilcoxon on graded scores', () => {
    const base = Array.from({ length: 40 }, (_, i) => 0.6 + (i % 5) * 0.08);
    const cand = base.map((b, i) => b - 0.1 - (i % 3) * 0.01);
    const cases = paired(cand, base);
    const t = regressionTest(cases)!;
    expect(t.test).toBe('wilcoxon');
    expect(t.pValue).toBeLessThan(0.001);
    const s = summariseRun(cases, { rule: { ...rule, minScore: 0.5 }, baselineRelease: 7 });
    expect(s.verdict.passed).toBe(false);
    expect(s.verdict.reasons.join(' ')).toMatch(/Wilcoxon signed-rank p/);
  });

  it('with no baseline only the minimum score applies', () => {
    const weak = summariseRun(paired([0.2, 0.4, 0.6, 0.3], null), { rule, baselineRelease: null });
    expect(weak.baseline).toBeNull();
    expect(weak.mcnemar).toBeNull();
    expect(weak.minDetectableRegression).toBeNull();
    expect(weak.metrics[0]).toEqual({ metric: 'score', candidate: expect.closeTo(0.375, 12), baseline: null, difference: null, ci95: null, wilcoxonP: null });
    expect(weak.verdict).toEqual({ passed: false, tooSmall: false, reasons: ['The candidate scores 0.375 on 4 cases, below the minimum score of 0.600.', 'There is no baseline to compare with, so only the minimum score applies.'] });
    const strong = summariseRun(paired([0.9, 0.8], null), { rule, baselineRelease: null });
    expect(strong.verdict.passed).toBe(true);
  });

  it('identical arms use the Bernoulli bound for the detectable regression', () => {
    const same = Array.from({ length: 30 }, () => 1);
    const s = summariseRun(paired(same, same), { rule, baselineRelease: 4 });
    expect(s.verdict.passed).toBe(true);
    expect(s.minDetectableRegression).toBeCloseTo(minDetectableRegression(30, bernoulliDifferenceSd(60, 60), 0.05)!, 12);
    expect(s.verdict.tooSmall).toBe(true);
  });

  it('counts failed calls, cost and median latency', () => {
    const cases: PairedCase[] = [
      { caseIndex: 0, candidate: arm(1, { latencyMs: 100, costUsd: 0.5 }), baseline: arm(1) },
      { caseIndex: 1, candidate: arm(0, { error: true, latencyMs: null, metrics: {} }), baseline: arm(1) },
      { caseIndex: 2, candidate: arm(1, { latencyMs: 300, costUsd: 0.25 }), baseline: arm(0, { error: true, metrics: {} }) },
    ];
    const s = summariseRun(cases, { rule: { ...rule, minScore: null }, baselineRelease: 1 });
    expect(s.candidate).toMatchObject({ errors: 1, latencyP50Ms: 200 });
    expect(s.candidate.costUsd).toBeCloseTo(0.751, 12);
    expect(s.baseline!.errors).toBe(1);
    // A failed call scores 0 on its metrics too.
    expect(s.metrics.find((m) => m.metric === 'accuracy')!.candidate).toBeCloseTo(2 / 3, 12);
    expect(s.verdict.reasons).toContain('1 of 3 candidate calls failed after their retries and scored 0.');
  });

  it('one paired case can detect nothing', () => {
    const s = summariseRun(paired([1], [1]), { rule, baselineRelease: 1 });
    expect(s.minDetectableRegression).toBeNull();
    expect(s.verdict).toMatchObject({ passed: true, tooSmall: true });
    expect(s.verdict.reasons).toContain('With 1 paired case no regression can be detected: the dataset is too small for this margin; add cases.');
  });

  it('an empty run fails', () => {
    expect(summariseRun([], { rule, baselineRelease: null }).verdict.passed).toBe(false);
  });
});

describe('rates of an event on both arms (safety checks, injection attacks)', () => {
  it('Wilson interval matches the reference values', () => {
    // statsmodels proportion_confint(8, 40, method="wilson") = (0.1050, 0.3476)
    const [lo, hi] = wilsonInterval(8, 40)!;
    expect(lo).toBeCloseTo(0.1049999, 5);
    expect(hi).toBeCloseTo(0.3475731, 5);
    expect(wilsonInterval(0, 10)![0]).toBe(0);
    expect(wilsonInterval(0, 0)).toBeNull();
  });

  it('counts events per arm and tests one-sided that the candidate has more', () => {
    const pairs = [
      ...Array.from({ length: 8 }, () => ({ candidate: true, baseline: false })),
      ...Array.from({ length: 1 }, () => ({ candidate: false, baseline: true })),
      ...Array.from({ length: 31 }, () => ({ candidate: false, baseline: false })),
    ];
    const r = compareRates(pairs);
    expect(r).toMatchObject({ applicable: 40, candidateEvents: 8, baselineEvents: 1 });
    expect(r.candidateRate).toBeCloseTo(0.2, 12);
    expect(r.baselineRate).toBeCloseTo(0.025, 12);
    // P(X ≥ 8 | n = 9, ½) = 10/512
    expect(r.pValue).toBeCloseTo(10 / 512, 12);
    // The other way round the candidate is not worse.
    expect(compareRates(pairs.map((p) => ({ candidate: p.baseline, baseline: p.candidate }))).pValue).toBeCloseTo(1 - 1 / 512, 12);
  });

  it('without a baseline only the candidate is described', () => {
    const r = compareRates([{ candidate: true, baseline: null }, { candidate: false, baseline: null }]);
    expect(r).toMatchObject({ candidateEvents: 1, baselineEvents: null, baselineRate: null, pValue: null });
  });
});
