// Assertions: the checks an eval suite runs on each output. This module lists the types, validates an
// assertion as written in a suite (messages name the field and the rule), and scores one output of one case:
// each assertion's score and pass with a reason a person can read, negated by a `not-` prefix, and the case's
// weighted mean score against the suite's threshold.
import type { AssertionContext, AssertionOutcome, AssertionSpec, CaseScore, EvalCase, ModelOutput } from '../types';
import { JAVASCRIPT_ASSERTIONS } from './javascript';
import { JSON_ASSERTIONS } from './json';
import { MODEL_GRADED_ASSERTIONS } from './model-graded';
import { OPERATIONAL_ASSERTIONS } from './operational';
import { REFUSAL_ASSERTIONS } from './refusal';
import { SIMILARITY_ASSERTIONS } from './similarity';
import { COMMON_FIELDS, renderTemplate, TemplateError, type AssertionDef, type Evaluation } from './spec';
import { TEXT_ASSERTIONS } from './text';

const DEFS: readonly AssertionDef[] = [
  ...TEXT_ASSERTIONS,
  ...JSON_ASSERTIONS,
  ...SIMILARITY_ASSERTIONS,
  ...REFUSAL_ASSERTIONS,
  ...OPERATIONAL_ASSERTIONS,
  ...JAVASCRIPT_ASSERTIONS,
  ...MODEL_GRADED_ASSERTIONS,
];
const BY_TYPE = new Map(DEFS.map((d) => [d.type, d]));

/** Every assertion type; most also take a `not-` prefix (see ASSERTION_CATALOGUE). */
export const ASSERTION_TYPES: readonly string[] = DEFS.map((d) => d.type);

export const NEGATION_PREFIX = 'not-';

/** For documentation and the UI: what each type checks and what it accepts. */
export const ASSERTION_CATALOGUE = DEFS.map((d) => ({
  type: d.type,
  summary: d.summary,
  graded: d.defaultThreshold !== undefined,
  defaultThreshold: d.defaultThreshold ?? null,
  negatable: d.negatable,
  options: [...(d.options ?? [])],
}));

/** The metric name reserved for the weighted case score in run summaries. */
export const SCORE_METRIC = 'score';
const METRIC_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;

function resolve(type: string): { def: AssertionDef | undefined; negated: boolean; base: string } {
  const negated = type.startsWith(NEGATION_PREFIX);
  const base = negated ? type.slice(NEGATION_PREFIX.length) : type;
  return { def: BY_TYPE.get(base), negated, base };
}

/**
 * Checks one assertion as written in a suite. `path` names it in messages (`assertions[2]`), so each message
 * reads `assertions[2].value: must be a list of strings`. No messages: the assertion is usable.
 */
export function validateAssertion(spec: unknown, path: string): string[] {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return [`${path}: must be an object with a type, e.g. { type: icontains, value: "{{expected}}" }`];
  const s = spec as AssertionSpec;
  if (s.type === undefined) return [`${path}.type: is required`];
  if (typeof s.type !== 'string') return [`${path}.type: must be a string`];
  const { def, negated, base } = resolve(s.type);
  if (!def) return [`${path}.type: unknown assertion type "${s.type}"; known types: ${ASSERTION_TYPES.join(', ')} (a not- prefix negates most)`];
  const problems: string[] = [];
  if (negated && !def.negatable) problems.push(`${path}.type: ${base} cannot be negated: its value is already a limit`);
  if (s.weight !== undefined && (typeof s.weight !== 'number' || !Number.isFinite(s.weight) || s.weight < 0)) problems.push(`${path}.weight: must be a number at least 0`);
  if (s.metric !== undefined) {
    if (typeof s.metric !== 'string' || !METRIC_NAME.test(s.metric)) problems.push(`${path}.metric: must be a name of letters, digits and _ . : - (at most 64 characters)`);
    else if (s.metric === SCORE_METRIC) problems.push(`${path}.metric: "${SCORE_METRIC}" is reserved for the weighted case score; choose another name`);
  }
  if (s.threshold !== undefined) {
    if (def.defaultThreshold === undefined) problems.push(`${path}.threshold: ${base} scores 0 or 1 and takes no threshold`);
    else if (typeof s.threshold !== 'number' || !(s.threshold >= 0 && s.threshold <= 1)) problems.push(`${path}.threshold: must be a number from 0 to 1`);
  }
  const allowed = new Set<string>([...COMMON_FIELDS, ...(def.options ?? [])]);
  for (const key of Object.keys(s)) {
    if (!allowed.has(key)) problems.push(`${path}.${key}: is not a field of ${base}; its fields are ${[...allowed].join(', ')}`);
  }
  problems.push(...def.validate(s, path));
  return problems;
}

/** The name an assertion's score is reported under: its `metric`, else its type (`not-contains`). */
export function metricName(spec: AssertionSpec): string {
  return typeof spec.metric === 'string' && spec.metric ? spec.metric : spec.type;
}

function weightOf(spec: AssertionSpec): number {
  return typeof spec.weight === 'number' && Number.isFinite(spec.weight) && spec.weight >= 0 ? spec.weight : 1;
}

/** Scores one assertion on one output. Never throws, except when ctx.signal aborts the run. */
export async function scoreAssertion(spec: AssertionSpec, testCase: EvalCase, output: ModelOutput, ctx: AssertionContext): Promise<AssertionOutcome> {
  const outcome = (e: Evaluation): AssertionOutcome => ({ type: String(spec.type), metric: metricName(spec), pass: e.pass, score: e.score, weight: weightOf(spec), reason: e.reason });
  const problems = validateAssertion(spec, 'assertion');
  if (problems.length) return outcome({ pass: false, score: 0, reason: `the assertion is not valid: ${problems.join('; ')}` });
  const { def, negated, base } = resolve(spec.type);
  const threshold = typeof spec.threshold === 'number' ? spec.threshold : (def!.defaultThreshold ?? 1);
  let result: Evaluation;
  try {
    result = await def!.evaluate({ spec, output, testCase, ctx, threshold, render: (text) => renderTemplate(text, testCase) });
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    const why = err instanceof TemplateError ? err.message : `${base} could not be checked: ${(err as Error).message}`;
    return outcome({ pass: false, score: 0, reason: why });
  }
  const score = Math.max(0, Math.min(1, Number.isFinite(result.score) ? result.score : 0));
  if (!negated) return outcome({ ...result, score });
  return outcome({ pass: !result.pass, score: 1 - score, reason: `${result.reason} (${spec.type} ${result.pass ? 'forbids this' : 'holds'})` });
}

/** The weighted mean of outcome scores; with every weight 0, the plain mean. 0 when there are none. */
export function weightedScore(outcomes: readonly AssertionOutcome[]): number {
  if (!outcomes.length) return 0;
  const total = outcomes.reduce((n, o) => n + o.weight, 0);
  if (total === 0) return outcomes.reduce((n, o) => n + o.score, 0) / outcomes.length;
  return outcomes.reduce((n, o) => n + o.weight * o.score, 0) / total;
}

/**
 * Scores one output of one case: every assertion, then the weighted mean, passing when it reaches the suite's
 * threshold. Assertions run one after another, so at most one judge call or sandbox run per case at a time.
 */
export async function scoreCase(specs: AssertionSpec[], threshold: number, testCase: EvalCase, output: ModelOutput, ctx: AssertionContext): Promise<CaseScore> {
  const outcomes: AssertionOutcome[] = [];
  for (const spec of specs) {
    ctx.signal?.throwIfAborted();
    outcomes.push(await scoreAssertion(spec, testCase, output, ctx));
  }
  const score = weightedScore(outcomes);
  return { score, pass: outcomes.length > 0 && score >= threshold, outcomes };
}

/** Per metric name, the weighted mean score of the outcomes reported under it (ArmCase.metrics). */
export function metricScores(outcomes: readonly AssertionOutcome[]): Record<string, number> {
  const groups = new Map<string, AssertionOutcome[]>();
  for (const o of outcomes) groups.set(o.metric, [...(groups.get(o.metric) ?? []), o]);
  return Object.fromEntries([...groups].map(([metric, list]) => [metric, weightedScore(list)]));
}

export { renderTemplate, TemplateError } from './spec';
export { FACTUALITY_SYSTEM_PROMPT, factualityMessages, JUDGE_ANSWER_FORMAT, parseJudgeAnswer, RUBRIC_SYSTEM_PROMPT, rubricMessages } from './judge-prompts';
export { caseQuestion } from './model-graded';
