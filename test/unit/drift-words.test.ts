// The words the console uses for drift reports: each method's statistic and p-value as people read them, the rule a
// feature was judged by, and a report's verdict in a heading.
import { describe, expect, it } from 'vitest';
import { featureFigure, formatP, formatStat, ruleOf, textFigure, verdictOf } from '@/components/checks/drift-text';
import { features, texts } from '../e2e/drift-reports';

const report = (over: Partial<Parameters<typeof verdictOf>[0]> = {}) => ({ status: 'drift' as const, features: features(true), text: texts(true), driftedShare: 5 / 9, datasetDrift: true, error: null, settings: { datasetDriftShare: 0.5 }, ...over });

describe('drift words', () => {
  it('names the method with its statistic, and the p-value of a test', () => {
    const [, output, , , , refusal, , finish] = features(true);
    expect(featureFigure(output!)).toBe('KS test D = 0.412, p < 0.001');
    expect(featureFigure(refusal!)).toBe('z-test z = 0.84, p = 0.400');
    expect(featureFigure(finish!)).toBe('chi-squared χ² = 41.3, p < 0.001');
    expect(featureFigure({ method: 'wasserstein', statistic: 0.1234, pValue: null })).toBe('Wasserstein W = 0.123');
    expect(ruleOf(output!)).toBe('drift when p < 0.05');
    expect(ruleOf({ method: 'jensen-shannon', threshold: 0.1, pValue: null })).toBe('drift when ≥ 0.1');
    expect(textFigure(texts(true)[1]!)).toBe('AUC 0.812 above 0.571');
    expect(textFigure({ auc: null, threshold: 0.55, drifted: false })).toBe('not tested');
  });

  it('formats statistics to three significant digits and small p-values as a bound', () => {
    expect([formatStat(0.41234), formatStat(41.26), formatStat(0.00004), formatStat(12345.6), formatStat(null)]).toEqual(['0.412', '41.3', '4.0e-5', '12,346', '—']);
    expect([formatP(2e-9), formatP(0.0123), formatP(null)]).toEqual(['< 0.001', '0.012', '—']);
  });

  it('says what a report found: dataset drift, drift below the dataset share, none, too little data, a failure', () => {
    expect(verdictOf(report()).title).toBe('Dataset drift: 5 of 9 drifted');
    expect(verdictOf(report({ status: 'no-drift', datasetDrift: false, features: features(false), text: [texts(false)[0]!, texts(true)[1]!] })).title).toBe('No dataset drift: 1 of 9 drifted');
    expect(verdictOf(report({ status: 'no-drift', datasetDrift: false, features: features(false), text: texts(false), driftedShare: 0 }))).toEqual({ title: 'No drift in 9 tested', detail: 'None of the 9 features and texts tested drifted.' });
    const skipped = features(false).map((f) => ({ ...f, skipped: 'too few rows (12; at least 30)' }));
    expect(verdictOf(report({ status: 'insufficient', features: skipped, text: [], driftedShare: null }))).toEqual({ title: 'Not enough data to tell', detail: 'Nothing could be tested: too few rows (12; at least 30).' });
    expect(verdictOf(report({ status: 'failed', features: [], text: [], error: 'dataset "faq" has no version 3' })).detail).toBe('dataset "faq" has no version 3');
  });
});
