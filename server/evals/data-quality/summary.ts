// A data-quality run's checks and verdict from its rows' results: per expectation, the rows it applied to and the
// rows that broke it against what `mostly` tolerates; the share of cases per tag; enough samples to judge.
import type { CheckResult, RunSummary } from '@/db/schema';
import type { EvalCase } from '../types';
import { type DataQualitySettings, type ExpectationType, type Source } from './settings';

/** What a run stores per row (eval_results.detail). */
export interface RowDetail {
  source: Source;
  /** The case's id or position, or the sample's request id. */
  row: string;
  /** The start of the row's input (personal data masked), to recognise it by. */
  excerpt: string;
  /** Expectations (by position in the suite) that applied to the row. */
  checked: number[];
  failures: { check: number; name: string; rule: ExpectationType; reason: string }[];
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const rowsWord = (n: number, source?: Source) => `${n} ${source === 'samples' ? 'sample' : source === 'dataset' ? 'case' : 'row'}${n === 1 ? '' : 's'}`;

export interface ChecksInput {
  settings: DataQualitySettings;
  names: string[];
  cases: EvalCase[];
  /** By case index; null where a row has no result. */
  details: Map<number, RowDetail>;
}

export function dataQualityChecks({ settings, names, cases, details }: ChecksInput): CheckResult[] {
  const checks: CheckResult[] = [];
  const all = [...details.values()];
  const count = (source: Source) => all.filter((d) => d.source === source).length;
  if (settings.sources.includes('samples')) {
    const n = count('samples');
    const { minRows, window } = settings.samples;
    const passed = n >= minRows;
    checks.push({
      name: 'samples kept',
      kind: 'samples',
      applicable: n,
      failed: passed ? 0 : minRows - n,
      candidateRate: n,
      baselineRate: null,
      threshold: minRows,
      pValue: null,
      passed,
      reason: passed
        ? `${rowsWord(n, 'samples')} kept in the last ${window}${n === settings.samples.limit ? ` (the newest ${n}, the limit)` : ''}.`
        : `Only ${rowsWord(n, 'samples')} kept in the last ${window}; the suite asks for at least ${minRows} (samples.minRows). Raise "Samples kept (%)" in the environment's gateway settings or widen the window.`,
    });
  }
  settings.expectations.forEach((e, i) => {
    const name = names[i]!;
    if (e.type === 'tag-share') {
      const dataset = cases.filter((c) => details.get(c.index)?.source === 'dataset');
      const tagged = dataset.filter((c) => c.tags.includes(e.tag)).length;
      const share = dataset.length ? tagged / dataset.length : 0;
      const low = e.min !== undefined && share < e.min;
      const high = e.max !== undefined && share > e.max;
      const bounds = [e.min !== undefined ? `at least ${pct(e.min)}` : '', e.max !== undefined ? `at most ${pct(e.max)}` : ''].filter(Boolean).join(' and ');
      checks.push({
        name,
        kind: e.type,
        applicable: dataset.length,
        failed: tagged,
        candidateRate: share,
        baselineRate: null,
        threshold: (low ? e.min : e.max ?? e.min)!,
        pValue: null,
        passed: !low && !high && dataset.length > 0,
        reason: dataset.length
          ? `${tagged} of ${rowsWord(dataset.length, 'dataset')} (${pct(share)}) are tagged "${e.tag}"; the suite asks for ${bounds}${low ? ': too few' : high ? ': too many' : ''}.`
          : `No dataset cases to count tag "${e.tag}" in.`,
      });
      return;
    }
    const applicable = all.filter((d) => d.checked.includes(i)).length;
    const failed = all.filter((d) => d.failures.some((f) => f.check === i)).length;
    const rate = applicable ? failed / applicable : 0;
    const passed = applicable === 0 || applicable - failed >= e.mostly * applicable - 1e-9;
    const tolerated = e.mostly < 1 ? `mostly ${e.mostly} tolerates ${pct(1 - e.mostly)}` : 'none tolerated';
    checks.push({
      name,
      kind: e.type,
      applicable,
      failed,
      candidateRate: rate,
      baselineRate: null,
      threshold: 1 - e.mostly,
      pValue: null,
      passed,
      reason:
        applicable === 0
          ? `No row has a value at ${e.field}: nothing to check.`
          : failed === 0
            ? `All ${rowsWord(applicable)} meet it.`
            : `${failed} of ${rowsWord(applicable)} (${pct(rate)}) break it; ${tolerated}.`,
    });
  });
  return checks;
}

/** The run's summary: one row is one case; a row passes when it breaks nothing; the run passes when every check does. */
export function dataQualitySummary(input: ChecksInput): RunSummary {
  const checks = dataQualityChecks(input);
  const rows = [...input.details.values()];
  const clean = rows.filter((d) => d.failures.length === 0).length;
  const failing = checks.filter((c) => !c.passed);
  const bySource = (['dataset', 'samples'] as const).map((s) => [s, rows.filter((d) => d.source === s).length] as const).filter(([, n]) => n > 0);
  const what = bySource.map(([s, n]) => rowsWord(n, s === 'dataset' ? 'dataset' : 'samples')).join(' and ') || 'no rows';
  const score = rows.length ? clean / rows.length : 1;
  return {
    cases: rows.length,
    candidate: { score, passRate: score, errors: 0, costUsd: 0, latencyP50Ms: null },
    baseline: null,
    metrics: [],
    mcnemar: null,
    minDetectableRegression: null,
    checks,
    verdict: {
      passed: failing.length === 0,
      reasons: failing.length ? failing.map((c) => `${c.name}: ${c.reason}`) : [`All ${checks.length} check${checks.length === 1 ? '' : 's'} passed on ${what}.`],
      tooSmall: false,
    },
  };
}
