// Drift of one feature between a reference and a current window, with the test Evidently would choose:
//
//   reference ≤ 1000 rows   numeric, > 5 distinct values        two-sample Kolmogorov–Smirnov   drift when p < 0.05
//                           numeric ≤ 5 distinct, categorical   chi-squared (homogeneity)        drift when p < 0.05
//                           binary                              two-proportion z-test            drift when p < 0.05
//   reference > 1000 rows   numeric, > 5 distinct values        normed Wasserstein distance      drift when ≥ 0.1
//                           everything else                     Jensen–Shannon distance          drift when ≥ 0.1
//
// Distinct values are counted over both windows. Small windows get a test, since its p-value accounts for their
// noise; large ones get a distance, since with thousands of rows a test flags differences too small to matter.
// The PSI is reported beside every feature. Nulls (and NaN) are dropped; a feature with fewer than `minRows`
// values in either window is skipped with the reason. The histogram shares its bins between the windows
// (≤ 20 equal-width bins for numbers, one per value when there are at most 5, the 20 most frequent categories
// plus "(other)"), with counts per window.
import type { DriftHistogram, DriftMethod, FeatureDrift } from '@/db/schema/production';
import { chiSquaredTest, jensenShannonDistance, ksTest, psi, psiCounts, wassersteinNormed, zTestProportions } from './stats';

export type FeatureKind = 'numeric' | 'categorical' | 'binary';

export interface FeatureSamples {
  feature: string;
  kind: FeatureKind;
  reference: (number | string | boolean | null)[];
  current: (number | string | boolean | null)[];
}

/** Reference windows above this many rows get a distance instead of a test. */
export const LARGE_REFERENCE_ROWS = 1000;
/** Numeric features with at most this many distinct values are treated like categories. */
export const FEW_VALUES = 5;
export const P_VALUE_THRESHOLD = 0.05;
export const DISTANCE_THRESHOLD = 0.1;
export const HISTOGRAM_BINS = 20;
export const TOP_CATEGORIES = 20;
export const OTHER_LABEL = '(other)';

/** The method and its threshold for a feature of this kind, reference size and number of distinct values. */
export function chooseMethod(kind: FeatureKind, referenceRows: number, distinctValues: number): { method: DriftMethod; threshold: number } {
  const manyValues = kind === 'numeric' && distinctValues > FEW_VALUES;
  if (referenceRows <= LARGE_REFERENCE_ROWS) {
    if (manyValues) return { method: 'ks', threshold: P_VALUE_THRESHOLD };
    if (kind === 'binary') return { method: 'z-test', threshold: P_VALUE_THRESHOLD };
    return { method: 'chi-squared', threshold: P_VALUE_THRESHOLD };
  }
  if (manyValues) return { method: 'wasserstein', threshold: DISTANCE_THRESHOLD };
  return { method: 'jensen-shannon', threshold: DISTANCE_THRESHOLD };
}

type Value = number | string | boolean | null;

function present(v: Value): boolean {
  return v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v));
}

function numericValues(feature: string, side: string, values: Value[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!present(v)) continue;
    if (typeof v === 'boolean') out.push(v ? 1 : 0);
    else if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
    else throw new Error(`featureDrift(${feature}): a numeric feature takes numbers, got ${JSON.stringify(v)} at ${side}[${i}]`);
  }
  return out;
}

function binaryValues(feature: string, side: string, values: Value[]): boolean[] {
  const out: boolean[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!present(v)) continue;
    if (typeof v === 'boolean') out.push(v);
    else if (v === 0 || v === 1) out.push(v === 1);
    else if (v === 'true' || v === 'false') out.push(v === 'true');
    else throw new Error(`featureDrift(${feature}): a binary feature takes true/false or 1/0, got ${JSON.stringify(v)} at ${side}[${i}]`);
  }
  return out;
}

function categoricalValues(values: Value[]): string[] {
  return values.filter(present).map((v) => String(v));
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : null);

/** Readable bin edges: the fewest significant digits (at least 4) that keep neighbouring edges apart. */
function edgeLabels(edges: number[]): string[] {
  for (let digits = 4; digits <= 15; digits++) {
    const labels = edges.map((x) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(digits)))));
    if (labels.every((l, i) => i === 0 || l !== labels[i - 1])) return labels;
  }
  return edges.map(String);
}

/** Counts per category over shared bins: categories in `order`, the rest folded into "(other)". */
function countCategories(order: string[], values: string[], withOther: boolean): number[] {
  const index = new Map(order.map((c, i) => [c, i] as const));
  const counts = new Array<number>(order.length + (withOther ? 1 : 0)).fill(0);
  for (const v of values) {
    const i = index.get(v);
    if (i !== undefined) counts[i]!++;
    else if (withOther) counts[order.length]!++;
  }
  return counts;
}

/** Equal-width shared bins over both windows (integer widths for integer data), at most 20. */
function numericHistogram(ref: number[], cur: number[], distinct: number): DriftHistogram {
  const all = [...ref, ...cur];
  if (all.length === 0) return { bins: [], reference: [], current: [] };
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of all) {
    if (x < lo) lo = x;
    if (x > hi) hi = x;
  }
  if (lo === hi) return { bins: [String(lo)], reference: [ref.length], current: [cur.length] };
  const integers = all.every(Number.isInteger);
  let count = Math.min(HISTOGRAM_BINS, Math.max(1, distinct));
  let width = (hi - lo) / count;
  if (integers) {
    width = Math.max(1, Math.ceil((hi - lo + 1) / count));
    count = Math.ceil((hi - lo + 1) / width);
  }
  const edges = Array.from({ length: count + 1 }, (_, i) => lo + i * width);
  const binOf = (x: number) => Math.min(count - 1, Math.max(0, Math.floor((x - lo) / width)));
  const rc = new Array<number>(count).fill(0);
  const cc = new Array<number>(count).fill(0);
  for (const x of ref) rc[binOf(x)]!++;
  for (const x of cur) cc[binOf(x)]!++;
  let bins: string[];
  if (integers) {
    bins = edges.slice(0, -1).map((e) => {
      const last = Math.min(e + width - 1, hi);
      return last === e ? String(e) : `[${e}, ${last}]`;
    });
  } else {
    const labels = edgeLabels([...edges.slice(0, -1), hi]);
    bins = labels.slice(0, -1).map((l, i) => (i === count - 1 ? `[${l}, ${labels[i + 1]}]` : `[${l}, ${labels[i + 1]})`));
  }
  return { bins, reference: rc, current: cc };
}

/** The drift of one feature; see the table at the top of this file. */
export function featureDrift(input: FeatureSamples, opts: { minRows?: number } = {}): FeatureDrift {
  const { feature, kind } = input;
  const minRows = opts.minRows ?? 30;
  if (!Number.isInteger(minRows) || minRows < 1) throw new Error(`featureDrift(${feature}): minRows must be a positive integer, got ${minRows}`);
  if (!['numeric', 'categorical', 'binary'].includes(kind)) throw new Error(`featureDrift(${feature}): kind must be numeric, categorical or binary, got ${JSON.stringify(kind)}`);

  // Every value as a category label (for chi-squared, Jensen–Shannon, PSI over categories and the histogram).
  let refLabels: string[];
  let curLabels: string[];
  let refNumbers: number[] | null = null;
  let curNumbers: number[] | null = null;
  let referenceMean: number | null = null;
  let currentMean: number | null = null;
  if (kind === 'numeric') {
    refNumbers = numericValues(feature, 'reference', input.reference);
    curNumbers = numericValues(feature, 'current', input.current);
    refLabels = refNumbers.map(String);
    curLabels = curNumbers.map(String);
    referenceMean = mean(refNumbers);
    currentMean = mean(curNumbers);
  } else if (kind === 'binary') {
    const rb = binaryValues(feature, 'reference', input.reference);
    const cb = binaryValues(feature, 'current', input.current);
    refLabels = rb.map(String);
    curLabels = cb.map(String);
    referenceMean = mean(rb.map(Number));
    currentMean = mean(cb.map(Number));
  } else {
    refLabels = categoricalValues(input.reference);
    curLabels = categoricalValues(input.current);
  }
  const referenceRows = refLabels.length;
  const currentRows = curLabels.length;
  const counts = new Map<string, number>();
  for (const l of refLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  for (const l of curLabels) counts.set(l, (counts.get(l) ?? 0) + 1);
  const distinct = counts.size;
  const { method, threshold } = chooseMethod(kind, referenceRows, distinct);
  const asCategories = !(kind === 'numeric' && distinct > FEW_VALUES);

  // Shared bins.
  let histogram: DriftHistogram;
  let order: string[];
  if (kind === 'numeric' && !asCategories) {
    histogram = numericHistogram(refNumbers!, curNumbers!, distinct);
    order = [];
  } else {
    if (kind === 'numeric') order = [...counts.keys()].sort((a, b) => Number(a) - Number(b));
    else if (kind === 'binary') order = ['false', 'true'];
    else order = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([c]) => c);
    const top = order.slice(0, TOP_CATEGORIES);
    const withOther = order.length > top.length;
    histogram = {
      bins: withOther ? [...top, OTHER_LABEL] : top,
      reference: countCategories(top, refLabels, withOther),
      current: countCategories(top, curLabels, withOther),
    };
  }

  const base = { feature, kind, method, threshold, referenceRows, currentRows, referenceMean, currentMean, histogram };
  if (referenceRows < minRows || currentRows < minRows) {
    const reason =
      referenceRows === 0 && currentRows === 0
        ? 'no values in either window'
        : `too few values: ${referenceRows} in the reference and ${currentRows} in the current window (at least ${minRows} each)`;
    return { ...base, statistic: 0, pValue: null, drifted: false, psi: null, skipped: reason };
  }

  // Counts over every category (not only the top 20) for the categorical tests and the PSI.
  const refCounts = countCategories(order, refLabels, false);
  const curCounts = countCategories(order, curLabels, false);
  let statistic: number;
  let pValue: number | null = null;
  switch (method) {
    case 'ks': {
      const r = ksTest(refNumbers!, curNumbers!);
      statistic = r.statistic;
      pValue = r.pValue;
      break;
    }
    case 'wasserstein':
      statistic = wassersteinNormed(refNumbers!, curNumbers!);
      break;
    case 'chi-squared': {
      const r = chiSquaredTest(refCounts, curCounts);
      statistic = r.statistic;
      pValue = r.pValue;
      break;
    }
    case 'z-test': {
      const r = zTestProportions(refCounts[1]!, referenceRows, curCounts[1]!, currentRows);
      statistic = r.statistic;
      pValue = r.pValue;
      break;
    }
    case 'jensen-shannon':
      statistic = jensenShannonDistance(refCounts, curCounts);
      break;
    default:
      throw new Error(`featureDrift(${feature}): no test for method ${method}`);
  }
  const drifted = pValue !== null ? pValue < threshold : statistic >= threshold;
  const psiValue = asCategories ? psiCounts(refCounts, curCounts) : psi(refNumbers!, curNumbers!);
  return { ...base, statistic, pValue, drifted, psi: psiValue, skipped: null };
}
