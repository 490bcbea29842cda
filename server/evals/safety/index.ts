// The safety suite type: built-in safety cases (and the service's own) run through the release's prompt, each
// answer checked for format (JSON and its schema), refusals where due and only there, leaks of personal data and
// secrets, banned words and patterns and, when configured, a moderation endpoint; the run is judged check by
// check against each check's limit and the baseline (see summary.ts).
import type { Json } from '@/db/schema';
import type { KindEngine } from '../kinds/types';
import { safetyCases, safetyInfo } from './cases';
import { scoreSafetyCase } from './checks';
import { safetySettingsOf, safetySettingsSchema, type SafetySettings } from './settings';
import { summariseSafety } from './summary';

// A run scores hundreds of answers with the same settings; they are parsed once per stored spec.
const parsed = new WeakMap<object, SafetySettings>();
function settingsOf(spec: { settings?: Record<string, Json> }): SafetySettings {
  const raw = spec.settings ?? {};
  let s = parsed.get(raw);
  if (!s) parsed.set(raw, (s = safetySettingsOf(raw)));
  return s;
}

export const safetyKind: KindEngine<SafetySettings> = {
  type: 'safety',
  summary: 'output format and safety: JSON and its schema, refusals where due, leaks of personal data and secrets, banned content, moderation; each check against its limit and the baseline',
  settings: { key: 'safety', schema: safetySettingsSchema },
  datasetRequired: false,
  assertionsRequired: false,
  usesAssertions: true,
  callsModel: true,
  cases: async (_db, q) => safetyCases(settingsOf(q.spec), { dataset: q.dataset, prompts: q.prompts }),
  rewrite(req, testCase, spec) {
    const info = safetyInfo(testCase);
    // Structured outputs: the schema the prompt declares goes as response_format, unless the request sets one.
    if (!settingsOf(spec).sendSchema || !info.promptSchema || !info.schema || req.payload.response_format !== undefined) return req;
    return { ...req, payload: { ...req.payload, response_format: { type: 'json_schema', json_schema: { name: 'response', schema: info.schema, strict: true } } } };
  },
  score: (spec, testCase, output, ctx) => scoreSafetyCase(settingsOf(spec), testCase, output, ctx, spec.assertions.length ? { specs: spec.assertions, threshold: spec.threshold } : null),
  summarise: ({ spec, cases, results, baselineRelease }) => summariseSafety(settingsOf(spec), cases, results, baselineRelease, spec.assertions.length > 0),
};

export { safetySettingsSchema, type SafetySettings } from './settings';
export { moderateText } from './moderation';
