// Eval suite definitions: YAML naming a dataset (pinned to a version when saved), the assertions, the case
// threshold and the gate rule, validated with every problem reported at its line, like pipeline definitions.
import { z } from 'zod';
import { SUITE_TYPES, type AssertionSpec, type GateRule, type Json, type SuiteType } from '@/db/schema';
import { unstorableIssues } from '@/server/lib/storable';
import { parseYamlWithLines } from '@/server/lib/yaml-lines';
import { slugSchema } from '@/server/lib/slug';
import { validateAssertion } from './assertions';
import { kindOf, RUNNABLE_SUITE_TYPES } from './kinds';

export const DEFAULT_THRESHOLD = 0.5;
export const DEFAULT_CONCURRENCY = 4;
export const MAX_CONCURRENCY = 32;
export const DEFAULT_MAX_REGRESSION = 0.02;
export const DEFAULT_ALPHA = 0.05;
export const MAX_ASSERTIONS = 50;

const fraction = (what = 'a fraction') => z.number({ error: `must be ${what} between 0 and 1` }).min(0, `must be ${what} between 0 and 1`).max(1, `must be ${what} between 0 and 1`);

/** `support-questions` (the latest version, pinned when saved) or `support-questions@3`. */
const datasetRef = z
  .string({ error: 'must name a dataset: name or name@version' })
  .trim()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*(?:@[1-9]\d*)?$/, 'must name a dataset: name or name@version (lowercase letters, digits and dashes)')
  .transform((ref) => {
    const [name, version] = ref.split('@') as [string, string | undefined];
    return { name, version: version ? Number(version) : ('latest' as const) };
  });

const gateSchema = z
  .object({
    minScore: fraction('a score').nullable().optional(),
    maxRegression: fraction().default(DEFAULT_MAX_REGRESSION),
    alpha: z.number({ error: 'must be a significance level between 0 and 0.5' }).gt(0, 'must be greater than 0').max(0.5, 'must be at most 0.5').default(DEFAULT_ALPHA),
  })
  .strict();

/** The keys of the types' own blocks; each is checked by its type's schema, and only allowed in a suite of that type. */
const SETTINGS_KEYS: Record<string, SuiteType> = { safety: 'safety', injection: 'injection', dataQuality: 'data-quality' };

const suiteSchema = z
  .object({
    type: z.enum(SUITE_TYPES, { error: `must be one of ${SUITE_TYPES.join(', ')}` }).default('eval'),
    description: z.string({ error: 'must be text' }).max(2000, 'must be at most 2000 characters').default(''),
    dataset: datasetRef.optional(),
    environments: z
      // Left out: every environment that requires the suite's gate; [] decides no gate (a suite for online evals or smoke tests).
      .array(slugSchema, { error: 'must be a list of environment names' })
      .max(50)
      .optional(),
    threshold: fraction('a score').default(DEFAULT_THRESHOLD),
    concurrency: z.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(MAX_CONCURRENCY, `must be at most ${MAX_CONCURRENCY}`).default(DEFAULT_CONCURRENCY),
    budgetUsd: z.number({ error: 'must be an amount in USD' }).positive('must be greater than 0').max(1_000_000, 'must be at most 1000000').optional(),
    gate: gateSchema.default({ maxRegression: DEFAULT_MAX_REGRESSION, alpha: DEFAULT_ALPHA }),
    assertions: z
      .array(z.record(z.string(), z.unknown(), { error: 'each assertion must be a mapping with a type' }), { error: 'must be a list of assertions' })
      .max(MAX_ASSERTIONS, `at most ${MAX_ASSERTIONS} assertions`)
      .default([]),
    ...Object.fromEntries(Object.keys(SETTINGS_KEYS).map((k) => [k, z.unknown().optional()])),
  })
  .strict();

/** A suite as written, before its dataset is pinned: `version` is `latest` when the YAML leaves it out. */
export interface SuiteDraft {
  type: SuiteType;
  description: string;
  dataset: { name: string; version: number | 'latest' } | null;
  environments: string[] | null;
  threshold: number;
  concurrency: number;
  budgetUsd: number | null;
  gate: GateRule;
  assertions: AssertionSpec[];
  /** The parsed block of the type (`safety:` …), with its defaults; absent for eval. */
  settings?: Record<string, Json>;
}

export interface SuiteProblem {
  line: number | null;
  path: string;
  message: string;
}

export type SuiteCheck = { ok: true; suite: SuiteDraft } | { ok: false; problems: SuiteProblem[] };

const formatPath = (p: PropertyKey[]) => p.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');

/** `assertions[2].value[0]` back into a path, so an assertion's problem is shown at its line. */
function parsePath(text: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of text.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

export function checkSuite(yaml: string): SuiteCheck {
  const parsed = parseYamlWithLines(yaml);
  if (!parsed.ok) return { ok: false, problems: [{ line: parsed.line, path: '', message: `not valid YAML: ${parsed.message}` }] };
  const value = parsed.value ?? {};
  if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, problems: [{ line: 1, path: '', message: 'a suite is a mapping with dataset, assertions and the gate rule' }] };
  const unstorable = unstorableIssues(value);
  if (unstorable.length) return { ok: false, problems: unstorable.map((i) => ({ line: parsed.lineOf(i.path), path: formatPath(i.path), message: i.message })) };
  const problems: SuiteProblem[] = [];
  const result = suiteSchema.safeParse(value);
  if (!result.success) {
    for (const i of result.error.issues) {
      const message = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}` : i.message;
      const at = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
      problems.push({ line: parsed.lineOf(at), path: formatPath(i.path), message });
    }
  }
  // Assertions are checked by their own rules even when other fields are wrong, so every problem shows at once.
  const assertions = (value as { assertions?: unknown }).assertions;
  if (Array.isArray(assertions)) {
    assertions.forEach((spec, i) => {
      if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return;
      for (const message of validateAssertion(spec, `assertions[${i}]`)) {
        const m = /^(assertions\[\d+\](?:\.[A-Za-z0-9_-]+|\[\d+\])*):\s*(.*)$/s.exec(message);
        const path = m ? parsePath(m[1]!) : ['assertions', i];
        problems.push({ line: parsed.lineOf(path), path: m ? m[1]! : `assertions[${i}]`, message: m ? m[2]! : message });
      }
    });
  }
  let settings: Record<string, Json> | undefined;
  if (result.success) {
    const type = result.data.type;
    const at = (path: (string | number)[], message: string) => problems.push({ line: parsed.lineOf(path), path: formatPath(path), message });
    if (!RUNNABLE_SUITE_TYPES.includes(type)) {
      at(['type'], `${type} suites are not built yet`);
    } else {
      const engine = kindOf(type);
      const raw = value as Record<string, unknown>;
      for (const [key, owner] of Object.entries(SETTINGS_KEYS)) if (raw[key] !== undefined && owner !== type) at([key], `only a ${owner} suite has a ${key} block; this suite's type is ${type}`);
      if (engine.datasetRequired && !result.data.dataset) at(['dataset'], `${type === 'eval' ? 'an' : 'a'} ${type} suite needs a dataset: name or name@version`);
      if (engine.assertionsRequired && !result.data.assertions.length) at(['assertions'], 'a suite needs at least one assertion');
      if (!engine.usesAssertions && result.data.assertions.length) at(['assertions'], `a ${type} suite uses no assertions; its checks are set in its ${engine.settings?.key ?? type} block`);
      if (engine.settings) {
        const block = engine.settings.schema.safeParse(raw[engine.settings.key] ?? {});
        if (block.success) settings = block.data as Record<string, Json>;
        else {
          for (const i of block.error.issues) {
            const message = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}` : i.message;
            const path = [engine.settings.key, ...(i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path)] as (string | number)[];
            problems.push({ line: parsed.lineOf(path), path: formatPath([engine.settings.key, ...i.path]), message });
          }
        }
      }
    }
  }
  if (problems.length || !result.success) return { ok: false, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  const d = result.data;
  return {
    ok: true,
    suite: {
      type: d.type,
      ...(settings ? { settings } : {}),
      description: d.description,
      dataset: d.dataset ?? null,
      environments: d.environments ?? null,
      threshold: d.threshold,
      concurrency: d.concurrency,
      budgetUsd: d.budgetUsd ?? null,
      gate: { minScore: d.gate.minScore ?? null, maxRegression: d.gate.maxRegression, alpha: d.gate.alpha },
      assertions: d.assertions as AssertionSpec[],
    },
  };
}

export function describeSuiteProblems(problems: SuiteProblem[]): string {
  return problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}

export const EXAMPLE_SUITE_YAML = `# What the release must get right, checked case by case against the dataset.
description: Answers support questions correctly
dataset: support-questions        # or support-questions@3; pinned to a version when saved
threshold: 0.5                    # a case passes at this weighted score
concurrency: 4                    # calls at once per upstream
gate:
  maxRegression: 0.02             # a drop of more than 2 points against the baseline fails, when significant
  alpha: 0.05
assertions:
  - type: icontains
    value: "{{expected}}"
    metric: accuracy
`;
