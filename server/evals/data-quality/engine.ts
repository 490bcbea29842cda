// The data-quality suite type: no model is called; the rows of its sources (the suite's dataset version, the
// gateway's kept samples) are checked against its expectations in one step, each row's broken rules kept with its
// result, and the run passes when every check does.
import type { Json } from '@/db/schema';
import { maskPersonalDataIn } from '@/server/lib/pii';
import type { KindEngine } from '../kinds/types';
import { runExpression } from '../sandbox';
import { evaluateRows, type ExpectationDeps } from './expectations';
import { excerpt, textOf, type Row } from './rows';
import { checkNames, dataQualitySettings, type DataQualitySettings } from './settings';
import { dataQualityCases, datasetVersionIdOf, rowsOfCases, trainingRows } from './sources';
import { dataQualitySummary, type RowDetail } from './summary';

/** Texts per sandbox call: one pattern over many rows, each call under its own time limit. */
const REGEX_BATCH = 500;
const REGEX_TIMEOUT_MS = 5000;
// Fixed code; the pattern and the texts arrive as data in `input`, never as code.
const REGEX_CODE = 'var r = new RegExp(input.pattern, input.flags); return input.texts.map(function (t) { return r.test(t); });';

async function regexInSandbox(pattern: string, flags: string, texts: string[]): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let i = 0; i < texts.length; i += REGEX_BATCH) {
    const result = await runExpression(REGEX_CODE, { output: null, expected: null, vars: {}, input: { pattern, flags, texts: texts.slice(i, i + REGEX_BATCH) }, metadata: {}, tags: [] }, { timeoutMs: REGEX_TIMEOUT_MS });
    if (!result.ok) throw new Error(`regex /${pattern}/${flags} could not be checked: ${result.error}`);
    out.push(...(result.value as boolean[]));
  }
  return out;
}

/** The settings as saved: the block parsed with its defaults when the suite was saved. */
const settingsOf = (spec: { settings?: Record<string, Json> }) => spec.settings as unknown as DataQualitySettings;

export const dataQualityKind: KindEngine<DataQualitySettings> = {
  type: 'data-quality',
  summary: 'the dataset and the gateway’s kept samples checked against expectations (no model calls)',
  settings: { key: 'dataQuality', schema: dataQualitySettings },
  datasetRequired: false,
  assertionsRequired: false,
  usesAssertions: false,
  callsModel: false,
  cases: (db, q) => dataQualityCases(db, { serviceId: q.serviceId, settings: settingsOf(q.spec), dataset: q.spec.dataset ? q.dataset : null, environmentId: q.environmentId, asOf: q.asOf }),
  score() {
    throw new Error('a data-quality suite calls no model: its rows are evaluated at once');
  },
  async evaluate(db, q) {
    const settings = settingsOf(q.spec);
    const names = checkNames(settings.expectations);
    const versionId = q.spec.dataset ? await datasetVersionIdOf(db, q.serviceId, q.spec.dataset) : null;
    const rows = await rowsOfCases(db, settings, versionId, q.cases);
    const training = new Map<string, Promise<Row[]>>();
    const deps: ExpectationDeps = {
      regex: regexInSandbox,
      training: (ref) => {
        const key = `${ref.name}@${ref.version}`;
        let p = training.get(key);
        if (!p) training.set(key, (p = trainingRows(db, q.serviceId, ref)));
        return p;
      },
    };
    const verdicts = await evaluateRows(settings, rows, deps);
    return rows.map((r) => {
      const v = verdicts.get(r.caseIndex)!;
      const detail: RowDetail = {
        source: r.source,
        row: r.label,
        excerpt: excerpt(maskPersonalDataIn(textOf(r.value.input)), 160),
        checked: v.checked,
        failures: v.failures.map((f) => ({ check: f.check, name: names[f.check]!, rule: settings.expectations[f.check]!.type, reason: f.reason })),
      };
      const pass = v.failures.length === 0;
      return {
        caseIndex: r.caseIndex,
        score: pass ? 1 : 0,
        pass,
        outcomes: detail.failures.map((f) => ({ type: f.rule, metric: f.name, pass: false, score: 0, weight: 1, reason: f.reason })),
        detail: detail as unknown as Json,
      };
    });
  },
  summarise({ spec, cases, results }) {
    const settings = settingsOf(spec);
    const details = new Map<number, RowDetail>();
    for (const r of results) if (r.arm === 'candidate' && r.detail) details.set(r.caseIndex, r.detail as unknown as RowDetail);
    return { summary: dataQualitySummary({ settings, names: checkNames(settings.expectations), cases, details }), pValue: null };
  },
};
