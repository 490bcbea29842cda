// Which of a suite's assertions can score a live answer. Live traffic has no test case behind it: no expected
// answer, no case variables or metadata. An assertion that reads any of those (a `{{expected}}` placeholder, a
// type that compares with the expected answer when it names no value of its own, JavaScript that reads
// `expected`) is left out, with the reason; model-graded ones are kept apart, as they spend the daily budget.
import type { AssertionSpec } from '@/db/schema';
import { NEGATION_PREFIX, validateAssertion } from '@/server/evals/assertions';

/** Types that compare with the case's expected answer when they are given no `value`. */
const EXPECTED_BY_DEFAULT = new Set(['equals', 'contains', 'icontains', 'starts-with', 'levenshtein', 'rouge-n', 'bleu', 'similar', 'factuality']);
const MODEL_GRADED = new Set(['llm-rubric', 'factuality']);
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

export interface LiveAssertion {
  /** Its position in the suite's `assertions`. */
  index: number;
  type: string;
  spec: AssertionSpec;
  modelGraded: boolean;
}

export interface SkippedAssertion {
  index: number;
  type: string;
  reason: string;
}

export interface LiveAssertions {
  deterministic: LiveAssertion[];
  modelGraded: LiveAssertion[];
  skipped: SkippedAssertion[];
}

const baseType = (type: string) => (type.startsWith(NEGATION_PREFIX) ? type.slice(NEGATION_PREFIX.length) : type);

/** The text fields of an assertion a template can sit in: value (a string or a list of them) and question. */
function templated(spec: AssertionSpec): string[] {
  const out: string[] = [];
  if (typeof spec.value === 'string') out.push(spec.value);
  if (Array.isArray(spec.value)) for (const v of spec.value) if (typeof v === 'string') out.push(v);
  if (typeof spec.question === 'string') out.push(spec.question);
  return out;
}

/** Why a (valid) assertion cannot score a live answer, or null when it can. */
export function whyNotLive(spec: AssertionSpec): string | null {
  const base = baseType(spec.type);
  // Regular expressions and code are not templated: their braces are their own.
  if (base !== 'regex' && base !== 'javascript') {
    for (const text of templated(spec)) {
      for (const m of text.matchAll(PLACEHOLDER)) {
        const name = m[1]!;
        if (name === 'expected') return `it refers to the case's expected answer (${m[0]}), which live requests do not have`;
        if (name.startsWith('vars.')) return `it refers to a case variable (${m[0]}), which live requests do not carry`;
        if (name.startsWith('metadata.')) return `it refers to case metadata (${m[0]}), which live requests do not carry`;
      }
    }
  }
  if (spec.value === undefined && EXPECTED_BY_DEFAULT.has(base)) return `with no value it compares with the case's expected answer, which live requests do not have`;
  if (base === 'javascript' && typeof spec.value === 'string' && /\bexpected\b/.test(spec.value)) return `its code reads the case's expected answer, which live requests do not have`;
  return null;
}

/** The suite's assertions split into those that score live answers (deterministic, model-graded) and those left out. */
export function liveAssertions(specs: readonly AssertionSpec[]): LiveAssertions {
  const out: LiveAssertions = { deterministic: [], modelGraded: [], skipped: [] };
  specs.forEach((spec, index) => {
    const type = String(spec?.type ?? '');
    const problems = validateAssertion(spec, `assertions[${index}]`);
    if (problems.length) {
      out.skipped.push({ index, type, reason: `it is not valid: ${problems.join('; ')}` });
      return;
    }
    const why = whyNotLive(spec);
    if (why) {
      out.skipped.push({ index, type, reason: why });
      return;
    }
    const modelGraded = MODEL_GRADED.has(baseType(spec.type));
    (modelGraded ? out.modelGraded : out.deterministic).push({ index, type, spec, modelGraded });
  });
  return out;
}
