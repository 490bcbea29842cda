// The two-window statistics of a drift report, each matching SciPy (and Evidently, which calls SciPy):
//
// - ksTest: the two-sample Kolmogorov–Smirnov test, two-sided, as `scipy.stats.ks_2samp(method='auto')`: the exact
//   null distribution when both samples have at most 10,000 values (Hodges' lattice-path count, computed as the
//   probability of leaving the band directly, after Viehmann 2021), else the Kolmogorov distribution of
//   round(n·m/(n+m)) observations.
// - chiSquaredTest: Pearson's chi-squared test of homogeneity on the 2 × k table of category counts
//   (`scipy.stats.chi2_contingency(table, correction=False)`); categories empty in both windows are left out.
//   Evidently compares the current counts with the reference shares as if those were exact (a goodness-of-fit
//   test); that ignores the reference's own sampling noise, so two windows from one distribution "drift" far more
//   often than 5% of the time, and a category never seen in the reference gives an infinite statistic.
// - zTestProportions: the pooled two-proportion z-test, two-sided (Evidently's `z_stat_test`).
// - wassersteinNormed: `scipy.stats.wasserstein_distance` divided by the reference's population standard
//   deviation (at least 0.001), as Evidently: "how many reference standard deviations the distribution moved".
// - jensenShannonDistance: `scipy.spatial.distance.jensenshannon` with the natural logarithm (0 to √ln 2 ≈ 0.833).
// - psi: the population stability index Σ (r − c)·ln(r / c) over 10 quantile bins of the reference (shares of
//   empty bins set to 0.0001, as Evidently does); `psiCounts` does the same over categories.
import { chiSquaredSf, kolmogorovSf, normalSf } from './special';

function finiteValues(name: string, values: number[]): number[] {
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number' || !Number.isFinite(values[i])) throw new Error(`${name}[${i}] must be a finite number, got ${String(values[i])}`);
  }
  return values;
}

const ascending = (a: number, b: number) => a - b;

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Pr(D ≥ h/n) for two samples of n each: 2·Σ_k (−1)^(k+1) C(2n, n − kh) / C(2n, n), in Horner form. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let term = 1;
    for (let j = 0; j < h; j++) term = ((n - k * h - j) * term) / (n + k * h + j + 1);
    p = term * (1 - p);
  }
  return 2 * p;
}

/**
 * Pr(D ≥ h / lcm(m, n)) for samples of m and n: the share of monotone lattice paths from (0, 0) to (m, n) that
 * touch |x·n/g − y·m/g| ≥ h. Column by column, each cell holds the share of the paths reaching it that have
 * already left the band — (i·left + j·below) / (i + j), cells outside the band being 1 — over a sliding window
 * of the band's cells.
 */
function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const [m, n] = m0 >= n0 ? [m0, n0] : [n0, m0];
  const mg = m / g;
  const ng = n / g;
  const col = new Float64Array(n + 2).fill(1);
  let lo = 0;
  let hi = Math.min(Math.ceil(h / mg), n + 1);
  for (let j = lo; j < hi; j++) col[j] = 0;
  let len = hi - lo;
  for (let i = 1; i <= m; i++) {
    const lastLo = lo;
    const lastLen = len;
    lo = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    hi = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (hi <= lo) return 1;
    let below = lo === 0 ? 0 : 1;
    const shift = lo - lastLo;
    for (let k = 0; k < hi - lo; k++) {
      const j = k + lo;
      below = (col[k + shift]! * i + below * j) / (i + j);
      col[k] = below;
    }
    len = hi - lo;
    for (let k = len; k < lastLen; k++) col[k] = 1;
  }
  return col[hi - lo - 1]!;
}

/** The two-sided two-sample Kolmogorov–Smirnov test (scipy.stats.ks_2samp, method 'auto'). */
export function ksTest(reference: number[], current: number[]): { statistic: number; pValue: number } {
  const a = [...finiteValues('reference', reference)].sort(ascending);
  const b = [...finiteValues('current', current)].sort(ascending);
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error('ksTest: reference and current need at least one value each');
  // max |c1·n2 − c2·n1| over every value, where c1, c2 count the values ≤ it: an exact integer.
  let i = 0;
  let j = 0;
  let best = 0;
  while (i < n1 || j < n2) {
    const v = Math.min(i < n1 ? a[i]! : Infinity, j < n2 ? b[j]! : Infinity);
    while (i < n1 && a[i] === v) i++;
    while (j < n2 && b[j] === v) j++;
    best = Math.max(best, Math.abs(i * n2 - j * n1));
  }
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = best / g;
  if (Math.max(n1, n2) <= 10_000) {
    const statistic = h / lcm;
    if (h === 0) return { statistic, pValue: 1 };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
    if (Number.isFinite(p) && p >= 0 && p <= 1) return { statistic, pValue: p };
  }
  const statistic = best / (n1 * n2);
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  const en = roundHalfEven((m * n) / (m + n));
  return { statistic, pValue: Math.min(1, Math.max(0, kolmogorovSf(en, statistic))) };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Pearson's chi-squared test of homogeneity on two windows' counts per category (the same categories in the same
 * order): scipy.stats.chi2_contingency([reference, current], correction=False). df = categories seen − 1.
 */
export function chiSquaredTest(reference: number[], current: number[]): { statistic: number; pValue: number; df: number } {
  if (reference.length !== current.length) throw new Error(`chiSquaredTest: reference has ${reference.length} categories, current ${current.length}; they must match`);
  finiteValues('reference', reference);
  finiteValues('current', current);
  if ([...reference, ...current].some((c) => c < 0)) throw new Error('chiSquaredTest: counts must not be negative');
  const cols: [number, number][] = [];
  for (let k = 0; k < reference.length; k++) if (reference[k]! + current[k]! > 0) cols.push([reference[k]!, current[k]!]);
  const r = cols.reduce((s, c) => s + c[0], 0);
  const c = cols.reduce((s, x) => s + x[1], 0);
  const total = r + c;
  const df = Math.max(0, cols.length - 1);
  if (r === 0 || c === 0 || df === 0) return { statistic: 0, pValue: 1, df };
  let statistic = 0;
  for (const [ref, cur] of cols) {
    const colTotal = ref + cur;
    const eRef = (r * colTotal) / total;
    const eCur = (c * colTotal) / total;
    statistic += (ref - eRef) ** 2 / eRef + (cur - eCur) ** 2 / eCur;
  }
  return { statistic, pValue: chiSquaredSf(statistic, df), df };
}

/** The pooled two-proportion z-test, two-sided; z > 0 when the reference's proportion is the larger. */
export function zTestProportions(refPositive: number, refN: number, curPositive: number, curN: number): { statistic: number; pValue: number } {
  if (!(refN > 0) || !(curN > 0)) throw new Error('zTestProportions: refN and curN must be positive');
  if (refPositive < 0 || refPositive > refN || curPositive < 0 || curPositive > curN) throw new Error('zTestProportions: positives must lie between 0 and their n');
  const p1 = refPositive / refN;
  const p2 = curPositive / curN;
  const pooled = (refPositive + curPositive) / (refN + curN);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / refN + 1 / curN));
  if (se === 0) return { statistic: 0, pValue: 1 };
  const statistic = (p1 - p2) / se;
  return { statistic, pValue: Math.min(1, 2 * normalSf(Math.abs(statistic))) };
}

/** The first Wasserstein distance between two samples' empirical distributions (scipy.stats.wasserstein_distance). */
export function wassersteinDistance(u: number[], v: number[]): number {
  const a = [...finiteValues('reference', u)].sort(ascending);
  const b = [...finiteValues('current', v)].sort(ascending);
  if (a.length === 0 || b.length === 0) throw new Error('wassersteinDistance: both samples need at least one value');
  // ∫ |F_u − F_v| dx, stepping through the merged sorted values.
  let i = 0;
  let j = 0;
  let total = 0;
  let prev = Math.min(a[0]!, b[0]!);
  while (i < a.length || j < b.length) {
    const x = Math.min(i < a.length ? a[i]! : Infinity, j < b.length ? b[j]! : Infinity);
    total += Math.abs(i / a.length - j / b.length) * (x - prev);
    prev = x;
    while (i < a.length && a[i] === x) i++;
    while (j < b.length && b[j] === x) j++;
  }
  return total;
}

/** The population standard deviation (numpy's std, ddof 0). */
function populationStd(values: number[]): number {
  const mean = values.reduce((s, x) => s + x, 0) / values.length;
  return Math.sqrt(values.reduce((s, x) => s + (x - mean) ** 2, 0) / values.length);
}

/** Evidently's normed Wasserstein distance: W1(reference, current) / max(std(reference), 0.001). */
export function wassersteinNormed(reference: number[], current: number[]): number {
  const w = wassersteinDistance(reference, current);
  return w / Math.max(populationStd(reference), 0.001);
}

/** scipy.spatial.distance.jensenshannon(p, q) with the natural logarithm; p and q are normalised first. */
export function jensenShannonDistance(p: number[], q: number[]): number {
  if (p.length !== q.length) throw new Error(`jensenShannonDistance: p has ${p.length} entries, q ${q.length}; they must match`);
  finiteValues('p', p);
  finiteValues('q', q);
  if ([...p, ...q].some((x) => x < 0)) throw new Error('jensenShannonDistance: entries must not be negative');
  const sp = p.reduce((s, x) => s + x, 0);
  const sq = q.reduce((s, x) => s + x, 0);
  if (!(sp > 0) || !(sq > 0)) throw new Error('jensenShannonDistance: p and q each need a positive sum');
  let js = 0;
  for (let k = 0; k < p.length; k++) {
    const a = p[k]! / sp;
    const b = q[k]! / sq;
    const m = (a + b) / 2;
    if (a > 0) js += a * Math.log(a / m);
    if (b > 0) js += b * Math.log(b / m);
  }
  return Math.sqrt(Math.max(0, js / 2));
}

/** numpy.quantile with linear interpolation, on sorted values. */
export function quantileSorted(sorted: number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/** The smallest share an empty bin counts as in the PSI (Evidently's). */
export const PSI_EPSILON = 0.0001;

/** PSI over two windows' counts per bin or category: Σ (r − c)·ln(r / c) of their shares, empty shares 0.0001. */
export function psiCounts(reference: number[], current: number[]): number | null {
  if (reference.length !== current.length) throw new Error(`psiCounts: reference has ${reference.length} bins, current ${current.length}; they must match`);
  const sr = reference.reduce((s, x) => s + x, 0);
  const sc = current.reduce((s, x) => s + x, 0);
  if (!(sr > 0) || !(sc > 0)) return null;
  let total = 0;
  for (let k = 0; k < reference.length; k++) {
    const r = reference[k]! / sr || PSI_EPSILON;
    const c = current[k]! / sc || PSI_EPSILON;
    total += (r - c) * Math.log(r / c);
  }
  return total;
}

/**
 * The population stability index over `bins` (10) quantile bins of the reference: the cut points are the
 * reference's quantiles at 1/bins … (bins−1)/bins (linear interpolation, duplicates merged); a value goes in the
 * bin after every cut point at or below it, so the outer bins are open-ended. Null when a window is empty.
 * Below 0.1 reads as stable, 0.1–0.25 as a moderate shift, above 0.25 as a large one.
 */
export function psi(reference: number[], current: number[], bins = 10): number | null {
  if (!Number.isInteger(bins) || bins < 2) throw new Error(`psi: bins must be an integer of at least 2, got ${bins}`);
  const ref = [...finiteValues('reference', reference)].sort(ascending);
  finiteValues('current', current);
  if (ref.length === 0 || current.length === 0) return null;
  const cuts: number[] = [];
  for (let k = 1; k < bins; k++) {
    const c = quantileSorted(ref, k / bins);
    if (cuts.length === 0 || c > cuts[cuts.length - 1]!) cuts.push(c);
  }
  const binOf = (x: number) => {
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cuts[mid]! <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const rc = new Array<number>(cuts.length + 1).fill(0);
  const cc = new Array<number>(cuts.length + 1).fill(0);
  for (const x of ref) rc[binOf(x)]!++;
  for (const x of current) cc[binOf(x)]!++;
  return psiCounts(rc, cc);
}
