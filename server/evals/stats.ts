// The statistics of an eval run: a candidate and its baseline scored on the same cases are compared pair by
// pair (McNemar's exact test on pass/fail, the Wilcoxon signed-rank test on scores, the mean paired difference
// with a 95% t-interval), the smallest regression the dataset can detect is worked out, and the gate rule
// turns it all into a verdict with reasons in sentences. Special functions are implemented here and in
// server/lib/gamma (no package).
//
// The gate rule. The candidate fails when
//   1. a minimum score is set and its mean score is below it, or
//   2. it regresses against the baseline by more than the margin (baseline − candidate > maxRegression, both
//      mean scores over the paired cases) AND the paired test finds the difference significant at alpha
//      (two-sided p < alpha: McNemar's exact test when every score is 0 or 1, else Wilcoxon signed-rank).
// Both a practically large and a statistically real regression are needed, so noise on a small dataset does
// not block a release, and a tiny but consistent regression on a huge one does not either. Because (2) can
// only fail a release when the data can show it, the summary also gives the minimum detectable regression
// (two-sided alpha, 80% power); when it exceeds the margin the verdict says the dataset is too small to tell.
import type { MetricComparison } from '@/db/schema';
import { gammaQ, logGamma } from '@/server/lib/gamma';
import type { ArmCase, PairedCase, RunSummary, SummaryOptions } from './types';

// ---------------------------------------------------------------------------------------------------------
// Special functions

const EPS = 1e-15;
const TINY = 1e-300;

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 500; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** The regularised incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaContinuedFraction(a, b, x)) / a;
  return 1 - (front * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** Standard normal CDF Φ(z), accurate in the tails (through erfc = Q(½, x²)). */
export function normalCdf(z: number): number {
  const x = z / Math.SQRT2;
  const erfcAbs = gammaQ(0.5, x * x);
  return z >= 0 ? 1 - erfcAbs / 2 : erfcAbs / 2;
}

/** Student's t CDF with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  if (!Number.isFinite(t)) return t > 0 ? 1 : 0;
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t > 0 ? 1 - tail : tail;
}

/** Inverts a increasing CDF by bisection on an expanding bracket. */
function invert(cdf: (x: number) => number, p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`probability must be between 0 and 1, not ${p}`);
  let lo = -1;
  let hi = 1;
  while (cdf(lo) > p) lo *= 2;
  while (cdf(hi) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(lo)); i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export function normalQuantile(p: number): number {
  return invert(normalCdf, p);
}

export function studentTQuantile(p: number, df: number): number {
  return invert((t) => studentTCdf(t, df), p);
}

/** P(X ≤ k) for X ~ Binomial(n, p). */
export function binomialCdf(k: number, n: number, p: number): number {
  if (k < 0) return 0;
  if (k >= n) return 1;
  const lp = Math.log(p);
  const lq = Math.log(1 - p);
  const lnN = logGamma(n + 1);
  let sum = 0;
  for (let i = 0; i <= k; i++) sum += Math.exp(lnN - logGamma(i + 1) - logGamma(n - i + 1) + i * lp + (n - i) * lq);
  return Math.min(1, sum);
}

// ---------------------------------------------------------------------------------------------------------
// Tests

/**
 * McNemar's exact test: b pairs where only the baseline passed, c where only the candidate did. Under no
 * difference each discordant pair goes either way with probability ½; two-sided p = 2·P(X ≤ min(b, c)), at most 1.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  return Math.min(1, 2 * binomialCdf(Math.min(b, c), n, 0.5));
}

export interface WilcoxonResult {
  /** Non-zero differences (zeros are dropped). */
  n: number;
  /** Sum of the ranks of the positive differences. */
  wPlus: number;
  pValue: number;
  method: 'exact' | 'normal';
}

/** Differences this close to zero (or to each other) are treated as equal: scores are sums of fractions. */
const SAME = 1e-9;

/**
 * The Wilcoxon signed-rank test on paired differences (two-sided). Zero differences are dropped; ties share
 * their mean rank. Up to 50 differences without ties use the exact distribution of W+; otherwise the normal
 * approximation with the tie correction of the variance and a continuity correction of ½.
 */
export function wilcoxonSignedRank(differences: readonly number[]): WilcoxonResult {
  const d = differences.filter((x) => Math.abs(x) > SAME).sort((a, b) => Math.abs(a) - Math.abs(b));
  const n = d.length;
  if (n === 0) return { n: 0, wPlus: 0, pValue: 1, method: 'exact' };
  const ranks = new Array<number>(n);
  const tieSizes: number[] = [];
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && Math.abs(Math.abs(d[j + 1]!) - Math.abs(d[i]!)) <= SAME) j++;
    const mean = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[k] = mean;
    if (j > i) tieSizes.push(j - i + 1);
    i = j + 1;
  }
  const wPlus = d.reduce((s, x, i) => (x > 0 ? s + ranks[i]! : s), 0);
  if (n <= 50 && tieSizes.length === 0) {
    // counts[s]: subsets of the ranks 1..n summing to s. Exact in doubles: at most 2^50 < 2^53.
    const max = (n * (n + 1)) / 2;
    const counts = new Array<number>(max + 1).fill(0);
    counts[0] = 1;
    for (let r = 1; r <= n; r++) for (let s = max; s >= r; s--) counts[s]! += counts[s - r]!;
    const total = 2 ** n;
    const w = Math.round(wPlus);
    let below = 0;
    for (let s = 0; s <= w; s++) below += counts[s]!;
    let above = 0;
    for (let s = w; s <= max; s++) above += counts[s]!;
    return { n, wPlus, pValue: Math.min(1, (2 * Math.min(below, above)) / total), method: 'exact' };
  }
  const mean = (n * (n + 1)) / 4;
  const variance = (n * (n + 1) * (2 * n + 1)) / 24 - tieSizes.reduce((s, t) => s + (t * t * t - t), 0) / 48;
  if (variance <= 0) return { n, wPlus, pValue: 1, method: 'normal' };
  const gap = Math.abs(wPlus - mean);
  const z = gap === 0 ? 0 : (gap - 0.5) / Math.sqrt(variance);
  return { n, wPlus, pValue: Math.min(1, 2 * (1 - normalCdf(Math.abs(z)))), method: 'normal' };
}

export interface MeanDifference {
  n: number;
  mean: number;
  /** Sample standard deviation of the differences (n − 1); 0 with one difference. */
  sd: number;
  /** The t-interval at `level`; null with fewer than two differences. */
  ci: [number, number] | null;
}

/** The mean of paired differences and its confidence interval from Student's t with n − 1 degrees of freedom. */
export function pairedMeanDifference(differences: readonly number[], level = 0.95): MeanDifference {
  const n = differences.length;
  if (n === 0) return { n, mean: 0, sd: 0, ci: null };
  const mean = differences.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { n, mean, sd: 0, ci: null };
  const sd = Math.sqrt(differences.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = studentTQuantile(1 - (1 - level) / 2, n - 1) * (sd / Math.sqrt(n));
  return { n, mean, sd, ci: [mean - half, mean + half] };
}

/**
 * The smallest true mean regression a paired test on n cases detects with the given power at a two-sided
 * alpha: (t(1 − α/2) + t(power)) · sd / √n, Student t quantiles with n − 1 degrees of freedom (the normal
 * approximation's formula, widened for small n). Null with fewer than two cases.
 */
export function minDetectableRegression(n: number, sd: number, alpha: number, power = 0.8): number | null {
  if (n < 2) return null;
  return ((studentTQuantile(1 - alpha / 2, n - 1) + studentTQuantile(power, n - 1)) * sd) / Math.sqrt(n);
}

/** Wilson score interval of a proportion (successes of n) at the given level; null when n is 0. */
export function wilsonInterval(successes: number, n: number, level = 0.95): [number, number] | null {
  if (n <= 0) return null;
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export interface RateComparison {
  applicable: number;
  /** Cases where the event happened (a check failed, an attack succeeded) on the candidate. */
  candidateEvents: number;
  candidateRate: number;
  ci95: [number, number] | null;
  baselineEvents: number | null;
  baselineRate: number | null;
  /** One-sided exact McNemar p that the event is more frequent on the candidate than on the baseline (paired cases). */
  pValue: number | null;
}

/**
 * Compares how often an event happens on the candidate and on the baseline over the same cases (each pair:
 * candidate, baseline; baseline null when the run has none or the case is missing there). The one-sided test
 * counts discordant pairs: under no difference each goes either way with probability ½.
 */
export function compareRates(pairs: readonly { candidate: boolean; baseline: boolean | null }[]): RateComparison {
  const n = pairs.length;
  const candidateEvents = pairs.filter((p) => p.candidate).length;
  const paired = pairs.filter((p): p is { candidate: boolean; baseline: boolean } => p.baseline !== null);
  const out: RateComparison = { applicable: n, candidateEvents, candidateRate: n ? candidateEvents / n : 0, ci95: wilsonInterval(candidateEvents, n), baselineEvents: null, baselineRate: null, pValue: null };
  if (!paired.length) return out;
  const baselineEvents = paired.filter((p) => p.baseline).length;
  const onlyCandidate = paired.filter((p) => p.candidate && !p.baseline).length;
  const onlyBaseline = paired.filter((p) => !p.candidate && p.baseline).length;
  const discordant = onlyCandidate + onlyBaseline;
  return { ...out, baselineEvents, baselineRate: baselineEvents / paired.length, pValue: discordant ? 1 - binomialCdf(onlyCandidate - 1, discordant, 0.5) : 1 };
}

/**
 * A planning SD for paired pass/fail differences when the observed one is 0 (e.g. identical arms): √(2·p(1 − p))
 * with p the pooled pass rate, shrunk towards ½ by (passes + ½)/(trials + 1) so that all-pass or all-fail data
 * still admit that a few cases could go either way.
 */
export function bernoulliDifferenceSd(passes: number, trials: number): number {
  const p = (passes + 0.5) / (trials + 1);
  return Math.sqrt(2 * p * (1 - p));
}

// ---------------------------------------------------------------------------------------------------------
// The run summary

function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0;
}

function median(xs: readonly number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function armFigures(arms: readonly ArmCase[]) {
  return {
    score: mean(arms.map((a) => a.score)),
    passRate: arms.length ? arms.filter((a) => a.pass).length / arms.length : 0,
    errors: arms.filter((a) => a.error).length,
    costUsd: arms.reduce((s, a) => s + a.costUsd, 0),
    latencyP50Ms: median(arms.flatMap((a) => (a.latencyMs == null || a.error ? [] : [a.latencyMs]))),
  };
}

/** A metric's value on one arm of a case; a failed call scores 0 on every metric. */
function metricOf(arm: ArmCase, metric: string): number | undefined {
  if (metric === 'score') return arm.score;
  return arm.metrics[metric] ?? (arm.error ? 0 : undefined);
}

function compare(metric: string, cases: readonly PairedCase[], withBaseline: boolean): MetricComparison {
  const cand = cases.flatMap((c) => {
    const v = metricOf(c.candidate, metric);
    return v === undefined ? [] : [v];
  });
  if (!withBaseline) return { metric, candidate: mean(cand), baseline: null, difference: null, ci95: null, wilcoxonP: null };
  const base: number[] = [];
  const diffs: number[] = [];
  for (const c of cases) {
    const b = c.baseline ? metricOf(c.baseline, metric) : undefined;
    if (b === undefined) continue;
    base.push(b);
    const a = metricOf(c.candidate, metric);
    if (a !== undefined) diffs.push(a - b);
  }
  if (!diffs.length) return { metric, candidate: mean(cand), baseline: base.length ? mean(base) : null, difference: null, ci95: null, wilcoxonP: null };
  const md = pairedMeanDifference(diffs);
  return { metric, candidate: mean(cand), baseline: mean(base), difference: md.mean, ci95: md.ci, wilcoxonP: wilcoxonSignedRank(diffs).pValue };
}

const isBinary = (x: number) => x === 0 || x === 1;

export interface RegressionTest {
  test: 'mcnemar' | 'wilcoxon';
  /** Two-sided p of the paired scores. */
  pValue: number;
  /** Mean baseline − candidate score over the paired cases (positive: the candidate is worse). */
  regression: number;
  pairs: number;
}

/**
 * The paired test the gate rule uses on the case scores: McNemar's exact test when every score is 0 or 1
 * (pass/fail suites), else Wilcoxon signed-rank. Null without paired cases. Its p is what a gate result records.
 */
export function regressionTest(cases: readonly PairedCase[]): RegressionTest | null {
  const pairs = cases.flatMap((c) => (c.baseline ? [[c.candidate.score, c.baseline.score] as const] : []));
  if (!pairs.length) return null;
  const regression = mean(pairs.map(([a, b]) => b - a));
  if (pairs.every(([a, b]) => isBinary(a) && isBinary(b))) {
    const onlyBaseline = pairs.filter(([a, b]) => b === 1 && a === 0).length;
    const onlyCandidate = pairs.filter(([a, b]) => a === 1 && b === 0).length;
    return { test: 'mcnemar', pValue: mcnemarExact(onlyBaseline, onlyCandidate), regression, pairs: pairs.length };
  }
  return { test: 'wilcoxon', pValue: wilcoxonSignedRank(pairs.map(([a, b]) => a - b)).pValue, regression, pairs: pairs.length };
}

const points = (fraction: number) => `${(Math.abs(fraction) * 100).toFixed(1)} point${Math.abs(fraction * 100).toFixed(1) === '1.0' ? '' : 's'}`;
const score3 = (x: number) => x.toFixed(3);
export const formatP = (p: number) => (p < 0.0001 ? 'p < 0.0001' : `p = ${p < 0.001 ? p.toPrecision(1) : p.toPrecision(2)}`);
const TEST_NAMES: Record<RegressionTest['test'], string> = { mcnemar: "McNemar's exact test", wilcoxon: 'Wilcoxon signed-rank' };

/**
 * Builds a run's summary from its cases: both arms' figures, per metric (and `score`) the paired comparison,
 * McNemar on pass/fail, the minimum detectable regression, and the verdict of the gate rule (see the top).
 */
export function summariseRun(cases: readonly PairedCase[], opts: SummaryOptions): RunSummary {
  const { rule, baselineRelease } = opts;
  const n = cases.length;
  const candidate = armFigures(cases.map((c) => c.candidate));
  const paired = baselineRelease === null ? [] : cases.filter((c) => c.baseline !== null);
  const withBaseline = paired.length > 0;
  const baseline = withBaseline ? { release: baselineRelease!, ...armFigures(paired.map((c) => c.baseline!)) } : null;

  const names = new Set<string>();
  for (const c of cases) for (const arm of [c.candidate, c.baseline]) if (arm) for (const k of Object.keys(arm.metrics)) if (k !== 'score') names.add(k);
  const metrics = ['score', ...[...names].sort()].map((m) => compare(m, cases, withBaseline));

  let mcnemar: RunSummary['mcnemar'] = null;
  let mdr: number | null = null;
  if (withBaseline) {
    const b = paired.filter((c) => c.baseline!.pass && !c.candidate.pass).length;
    const cc = paired.filter((c) => !c.baseline!.pass && c.candidate.pass).length;
    mcnemar = { b, c: cc, pValue: mcnemarExact(b, cc) };
    const diff = pairedMeanDifference(paired.map((c) => c.candidate.score - c.baseline!.score));
    const passes = paired.reduce((s, c) => s + (c.candidate.pass ? 1 : 0) + (c.baseline!.pass ? 1 : 0), 0);
    const sd = diff.sd > SAME ? diff.sd : bernoulliDifferenceSd(passes, 2 * paired.length);
    mdr = minDetectableRegression(paired.length, sd, rule.alpha);
  }

  const reasons: string[] = [];
  let passed = true;
  if (n === 0) {
    passed = false;
    reasons.push('The run has no cases, so there is nothing to judge the release on.');
  }
  if (rule.minScore !== null && n > 0) {
    if (candidate.score < rule.minScore) {
      passed = false;
      reasons.push(`The candidate scores ${score3(candidate.score)} on ${n} cases, below the minimum score of ${score3(rule.minScore)}.`);
    } else {
      reasons.push(`The candidate scores ${score3(candidate.score)} on ${n} cases, meeting the minimum score of ${score3(rule.minScore)}.`);
    }
  }
  let tooSmall = false;
  const test = withBaseline ? regressionTest(paired) : null;
  if (test && baseline) {
    const versus = `The candidate scores ${score3(mean(paired.map((c) => c.candidate.score)))} against ${score3(baseline.score)} for release ${baseline.release} on the same ${paired.length} cases`;
    const p = `${TEST_NAMES[test.test]} ${formatP(test.pValue)}`;
    const margin = `the ${(rule.maxRegression * 100).toFixed(1)}-point margin`;
    if (test.regression > rule.maxRegression && test.pValue < rule.alpha) {
      passed = false;
      reasons.push(`${versus}: a regression of ${points(test.regression)}, more than ${margin}, and significant (${p}, below alpha ${rule.alpha}).`);
    } else if (test.regression > rule.maxRegression) {
      reasons.push(`${versus}: a regression of ${points(test.regression)}, more than ${margin} but not significant (${p}, not below alpha ${rule.alpha}).`);
    } else if (test.regression > SAME) {
      reasons.push(`${versus}: a regression of ${points(test.regression)}, within ${margin} (${p}).`);
    } else if (test.regression < -SAME) {
      reasons.push(`${versus}: an improvement of ${points(test.regression)} (${p}).`);
    } else {
      reasons.push(`${versus}: the same mean score.`);
    }
    if (mdr === null || mdr > rule.maxRegression) {
      tooSmall = true;
      reasons.push(
        mdr === null
          ? `With ${paired.length} paired case no regression can be detected: the dataset is too small for this margin; add cases.`
          : `With ${paired.length} paired cases the smallest regression this suite can detect (two-sided alpha ${rule.alpha}, 80% power) is ${points(mdr)}, more than ${margin}: smaller regressions may go unnoticed, so the dataset is too small for this margin; add cases.`,
      );
    }
  } else if (n > 0 && rule.minScore === null) {
    reasons.push(`The candidate scores ${score3(candidate.score)} on ${n} cases; with no minimum score and no baseline to compare with, nothing can fail this gate.`);
  } else if (n > 0) {
    reasons.push('There is no baseline to compare with, so only the minimum score applies.');
  }
  if (candidate.errors) reasons.push(`${candidate.errors} of ${n} candidate calls failed after their retries and scored 0.`);
  if (baseline?.errors) reasons.push(`${baseline.errors} of ${paired.length} baseline calls failed after their retries and scored 0.`);

  return {
    cases: n,
    candidate,
    baseline,
    metrics,
    mcnemar,
    minDetectableRegression: mdr,
    verdict: { passed, reasons, tooSmall },
  };
}
