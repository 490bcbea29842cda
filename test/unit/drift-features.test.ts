// Per-feature drift: the method follows the reference size and the feature's type (Evidently's rule), a shifted
// feature drifts and one from the same distribution does not (seeded samples), the histogram shares its bins, and
// too little data skips the feature with the reason. The statistics themselves are checked against SciPy in
// drift-stats.test.ts; here featureDrift must hand them the right values.
import { describe, expect, it } from 'vitest';
import { chiSquaredTest, chooseMethod, driftVerdict, featureDrift, jensenShannonDistance, ksTest, psi, type FeatureSamples } from '@/server/drift';
import type { FeatureDrift, TextDrift } from '@/db/schema/production';
import { seededRandom } from '@/server/drift/special';
import { normalSample } from '../helpers/drift-samples';

const numeric = (reference: (number | null)[], current: (number | null)[]): FeatureSamples => ({ feature: 'output_tokens', kind: 'numeric', reference, current });

function categories(random: () => number, n: number, weights: Record<string, number>): string[] {
  const entries = Object.entries(weights);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  return Array.from({ length: n }, () => {
    let u = random() * total;
    for (const [c, w] of entries) if ((u -= w) < 0) return c;
    return entries[entries.length - 1]![0];
  });
}

describe('method selection', () => {
  it('follows the reference size and the feature type', () => {
    expect(chooseMethod('numeric', 1000, 6)).toEqual({ method: 'ks', threshold: 0.05 });
    expect(chooseMethod('numeric', 1000, 5)).toEqual({ method: 'chi-squared', threshold: 0.05 });
    expect(chooseMethod('categorical', 30, 40)).toEqual({ method: 'chi-squared', threshold: 0.05 });
    expect(chooseMethod('binary', 1000, 2)).toEqual({ method: 'z-test', threshold: 0.05 });
    expect(chooseMethod('numeric', 1001, 6)).toEqual({ method: 'wasserstein', threshold: 0.1 });
    expect(chooseMethod('numeric', 1001, 5)).toEqual({ method: 'jensen-shannon', threshold: 0.1 });
    expect(chooseMethod('categorical', 5000, 3)).toEqual({ method: 'jensen-shannon', threshold: 0.1 });
    expect(chooseMethod('binary', 1001, 2)).toEqual({ method: 'jensen-shannon', threshold: 0.1 });
  });

  it('featureDrift uses the method for its data: KS up to 1,000 reference rows, normed Wasserstein above', () => {
    const r = seededRandom(1);
    const small = featureDrift(numeric(normalSample(r, 1000, 300, 50), normalSample(r, 400, 300, 50)));
    expect(small.method).toBe('ks');
    expect(small.pValue).not.toBeNull();
    const large = featureDrift(numeric(normalSample(r, 1001, 300, 50), normalSample(r, 400, 300, 50)));
    expect(large.method).toBe('wasserstein');
    expect(large.pValue).toBeNull();
    expect(large.threshold).toBe(0.1);
    // Nulls do not count as rows: 1,001 values with 10 nulls is a 991-row reference.
    const withNulls = featureDrift(numeric([...normalSample(r, 991, 300, 50), ...new Array<null>(10).fill(null)], normalSample(r, 400, 300, 50)));
    expect(withNulls.referenceRows).toBe(991);
    expect(withNulls.method).toBe('ks');
  });
});

describe('numeric features', () => {
  it('a shifted sample drifts and one from the same distribution does not, over 20 seeds (KS)', () => {
    let falseAlarms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = seededRandom(seed);
      const reference = normalSample(r, 500, 300, 60);
      const same = featureDrift(numeric(reference, normalSample(r, 500, 300, 60)));
      const shifted = featureDrift(numeric(reference, normalSample(r, 500, 330, 60)));
      expect(shifted.method).toBe('ks');
      expect(shifted.drifted).toBe(true);
      expect(shifted.pValue!).toBeLessThan(0.05);
      expect(shifted.currentMean! - shifted.referenceMean!).toBeGreaterThan(20);
      if (same.drifted) falseAlarms++;
    }
    // The test's own false-positive rate is 5%: about one of 20.
    expect(falseAlarms).toBeLessThanOrEqual(3);
  });

  it('large windows: normed Wasserstein flags a shift of a third of a standard deviation, not noise', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = seededRandom(100 + seed);
      const reference = normalSample(r, 3000, 300, 60);
      const same = featureDrift(numeric(reference, normalSample(r, 3000, 300, 60)));
      const shifted = featureDrift(numeric(reference, normalSample(r, 3000, 320, 60)));
      expect(same.method).toBe('wasserstein');
      expect(same.drifted).toBe(false);
      expect(same.statistic).toBeLessThan(0.1);
      expect(shifted.drifted).toBe(true);
      expect(shifted.statistic).toBeGreaterThan(0.25);
      expect(shifted.psi!).toBeGreaterThan(same.psi!);
    }
  });

  it('hands the library the values, and reports PSI and means beside the test', () => {
    const r = seededRandom(7);
    const ref = normalSample(r, 200, 10, 2);
    const cur = normalSample(r, 150, 11, 2);
    const f = featureDrift(numeric(ref, cur));
    expect(f.statistic).toBe(ksTest(ref, cur).statistic);
    expect(f.pValue).toBe(ksTest(ref, cur).pValue);
    expect(f.psi).toBe(psi(ref, cur));
    expect(f.referenceMean).toBeCloseTo(ref.reduce((s, x) => s + x, 0) / ref.length, 12);
    expect(f.skipped).toBeNull();
  });

  it('the histogram has at most 20 shared bins holding every value; integer data gets integer bins', () => {
    const r = seededRandom(3);
    const f = featureDrift(numeric(normalSample(r, 300, 0, 1), normalSample(r, 200, 0.5, 1)));
    expect(f.histogram.bins.length).toBe(20);
    expect(f.histogram.reference.reduce((s, x) => s + x, 0)).toBe(300);
    expect(f.histogram.current.reduce((s, x) => s + x, 0)).toBe(200);
    expect(f.histogram.bins[0]).toMatch(/^\[-?[\d.]+, -?[\d.]+\)$/);
    expect(f.histogram.bins[19]).toMatch(/\]$/);

    const tokens = featureDrift(numeric(Array.from({ length: 100 }, (_, i) => 100 + (i % 10)), Array.from({ length: 100 }, (_, i) => 104 + (i % 10))));
    expect(tokens.histogram.bins).toEqual(['100', '101', '102', '103', '104', '105', '106', '107', '108', '109', '110', '111', '112', '113']);
    expect(tokens.histogram.reference.slice(0, 4)).toEqual([10, 10, 10, 10]);
    expect(tokens.histogram.current.slice(0, 4)).toEqual([0, 0, 0, 0]);
    const wide = featureDrift(numeric(Array.from({ length: 100 }, (_, i) => i * 37), Array.from({ length: 100 }, (_, i) => i * 41)));
    expect(wide.histogram.bins.length).toBeLessThanOrEqual(20);
    expect(wide.histogram.bins[0]).toMatch(/^\[0, \d+\]$/);
    // Narrow ranges get enough digits to keep the bins apart.
    const narrow = featureDrift(numeric(Array.from({ length: 50 }, (_, i) => 1000.01 + i * 0.0002), Array.from({ length: 50 }, (_, i) => 1000.011 + i * 0.0002)));
    expect(new Set(narrow.histogram.bins).size).toBe(20);
    expect(narrow.histogram.bins[0]).toBe('[1000.01, 1000.0105)');
  });

  it('a numeric feature with at most 5 values is tested like a category (chi-squared), one bin per value', () => {
    const ref = [...new Array<number>(40).fill(1), ...new Array<number>(30).fill(3), ...new Array<number>(30).fill(5)];
    const cur = [...new Array<number>(20).fill(1), ...new Array<number>(30).fill(3), ...new Array<number>(50).fill(5)];
    const f = featureDrift({ feature: 'feedback', kind: 'numeric', reference: ref, current: cur });
    expect(f.method).toBe('chi-squared');
    expect(f.histogram).toEqual({ bins: ['1', '3', '5'], reference: [40, 30, 30], current: [20, 30, 50] });
    expect(f.pValue).toBe(chiSquaredTest([40, 30, 30], [20, 30, 50]).pValue);
    expect(f.drifted).toBe(true);
    expect(f.referenceMean).toBeCloseTo(2.8, 12);
  });
});

describe('categorical and binary features', () => {
  it('chi-squared below 1,000 reference rows, Jensen–Shannon above; a changed mix drifts', () => {
    const mix = { stop: 90, length: 8, tool_calls: 2 };
    let falseAlarms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = seededRandom(seed);
      const reference = categories(r, 600, mix);
      const same = featureDrift({ feature: 'finish_reason', kind: 'categorical', reference, current: categories(r, 600, mix) });
      const shifted = featureDrift({ feature: 'finish_reason', kind: 'categorical', reference, current: categories(r, 600, { stop: 80, length: 18, tool_calls: 2 }) });
      expect(same.method).toBe('chi-squared');
      expect(shifted.drifted).toBe(true);
      expect(shifted.histogram.bins[0]).toBe('stop');
      expect(shifted.referenceMean).toBeNull();
      if (same.drifted) falseAlarms++;
    }
    expect(falseAlarms).toBeLessThanOrEqual(3);

    const r = seededRandom(11);
    const bigRef = categories(r, 2000, mix);
    const bigCur = categories(r, 2000, { stop: 60, length: 38, tool_calls: 2 });
    const big = featureDrift({ feature: 'finish_reason', kind: 'categorical', reference: bigRef, current: bigCur });
    expect(big.method).toBe('jensen-shannon');
    const counts = (xs: string[]) => ['stop', 'length', 'tool_calls'].map((c) => xs.filter((x) => x === c).length);
    expect(big.statistic).toBeCloseTo(jensenShannonDistance(counts(bigRef), counts(bigCur)), 12);
    expect(big.drifted).toBe(true);
  });

  it('keeps the 20 most frequent categories and folds the rest into "(other)", testing every category', () => {
    const ref = Array.from({ length: 300 }, (_, i) => `c${i % 30}`);
    const cur = Array.from({ length: 300 }, (_, i) => `c${i % 25}`);
    const f = featureDrift({ feature: 'route', kind: 'categorical', reference: ref, current: cur });
    expect(f.histogram.bins.length).toBe(21);
    expect(f.histogram.bins[20]).toBe('(other)');
    expect(f.histogram.reference.reduce((s, x) => s + x, 0)).toBe(300);
    expect(f.histogram.current.reduce((s, x) => s + x, 0)).toBe(300);
    const all = Array.from({ length: 30 }, (_, i) => `c${i}`);
    expect(f.statistic).toBeCloseTo(chiSquaredTest(all.map((c) => ref.filter((x) => x === c).length), all.map((c) => cur.filter((x) => x === c).length)).statistic, 9);
  });

  it('binary: the z-test on the share of true, with the share as the mean', () => {
    const flags = (n: number, positives: number) => Array.from({ length: n }, (_, i) => i < positives);
    const f = featureDrift({ feature: 'refusal', kind: 'binary', reference: flags(400, 20), current: flags(400, 60) });
    expect(f.method).toBe('z-test');
    expect(f.drifted).toBe(true);
    expect(f.referenceMean).toBe(0.05);
    expect(f.currentMean).toBe(0.15);
    expect(f.histogram).toEqual({ bins: ['false', 'true'], reference: [380, 20], current: [340, 60] });
    const same = featureDrift({ feature: 'json_valid', kind: 'binary', reference: [...flags(100, 90), null], current: flags(100, 88).map(Number) });
    expect(same.drifted).toBe(false);
    expect(same.referenceRows).toBe(100);
    expect(() => featureDrift({ feature: 'refusal', kind: 'binary', reference: ['maybe'], current: [true] })).toThrow(/refusal.*true\/false or 1\/0.*"maybe" at reference\[0\]/);
  });
});

describe('skipping and the verdict', () => {
  it('too few values on either side skips the feature with the reason, keeping what it can show', () => {
    const f = featureDrift(numeric([1, 2, 3, null, null], Array.from({ length: 50 }, (_, i) => i)));
    expect(f.skipped).toBe('too few values: 3 in the reference and 50 in the current window (at least 30 each)');
    expect(f.drifted).toBe(false);
    expect(f.pValue).toBeNull();
    expect(f.psi).toBeNull();
    expect(f.referenceRows).toBe(3);
    expect(f.currentMean).toBe(24.5);
    expect(featureDrift(numeric([null], [])).skipped).toBe('no values in either window');
    expect(featureDrift(numeric([1, 2, 3], [4, 5, 6]), { minRows: 3 }).skipped).toBeNull();
    expect(() => featureDrift(numeric(['a' as unknown as number], [1]))).toThrow(/output_tokens.*numbers.*"a" at reference\[0\]/);
    expect(() => featureDrift(numeric([1], [1]), { minRows: 0 })).toThrow(/minRows must be a positive integer/);
  });

  it('dataset drift when at least the given share of tested columns drift; nothing tested is insufficient', () => {
    const feature = (drifted: boolean, skipped: string | null = null) => ({ drifted, skipped }) as FeatureDrift;
    const text = (drifted: boolean, skipped: string | null = null) => ({ drifted, skipped }) as TextDrift;
    expect(driftVerdict([feature(true), feature(false), feature(false, 'too few')], [text(true)], 0.5)).toEqual({ driftedShare: 2 / 3, datasetDrift: true, status: 'drift' });
    expect(driftVerdict([feature(true), feature(false), feature(false)], [text(false)], 0.5)).toEqual({ driftedShare: 0.25, datasetDrift: false, status: 'no-drift' });
    expect(driftVerdict([feature(false, 'too few')], [text(false, 'too few')], 0.5)).toEqual({ driftedShare: null, datasetDrift: false, status: 'insufficient' });
    expect(() => driftVerdict([], [], 0)).toThrow(/datasetDriftShare/);
  });
});
