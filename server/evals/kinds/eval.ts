// The eval type: the dataset's cases as they are, scored by the suite's assertions, and the paired statistics of
// the case scores (t-interval, Wilcoxon, McNemar) judged by the gate rule.
import { metricScores, scoreCase } from '../assertions';
import { regressionTest, summariseRun } from '../stats';
import type { ArmCase, PairedCase } from '../types';
import type { KindEngine, KindResult } from './types';

function armCase(r: KindResult | undefined): ArmCase {
  if (!r) return { score: 0, pass: false, error: true, costUsd: 0, latencyMs: null, metrics: {} };
  return { score: r.score, pass: r.pass, error: r.error !== null, costUsd: r.costUsd, latencyMs: r.latencyMs, metrics: metricScores(r.outcomes) };
}

/** Each case's results on both arms, paired by case (a missing result counts as a failed call). */
export function pairResults(cases: number, results: readonly KindResult[], withBaseline: boolean): PairedCase[] {
  const byCase = new Map<number, { candidate?: KindResult; baseline?: KindResult }>();
  for (const r of results) byCase.set(r.caseIndex, { ...byCase.get(r.caseIndex), [r.arm]: r });
  const paired: PairedCase[] = [];
  for (let i = 0; i < cases; i++) {
    const pair = byCase.get(i) ?? {};
    paired.push({ caseIndex: i, candidate: armCase(pair.candidate), baseline: withBaseline ? armCase(pair.baseline) : null });
  }
  return paired;
}

export const evalKind: KindEngine = {
  type: 'eval',
  summary: 'answers scored by assertions, compared with the baseline',
  settings: null,
  datasetRequired: true,
  assertionsRequired: true,
  usesAssertions: true,
  callsModel: true,
  cases: async (_db, q) => q.dataset,
  score: (spec, testCase, output, ctx) => scoreCase(spec.assertions, spec.threshold, testCase, output, ctx),
  summarise({ spec, cases, results, env, baselineRelease }) {
    const paired = pairResults(cases.length, results, baselineRelease !== null);
    const rule = { ...spec.gate, minScore: spec.gate.minScore ?? env?.slos.minEvalScore ?? null };
    return { summary: summariseRun(paired, { rule, baselineRelease }), pValue: regressionTest(paired)?.pValue ?? null };
  },
};
