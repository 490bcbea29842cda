// Pipeline definitions: YAML with ordered stages of typed steps and a branch policy, validated with every
// problem reported at its line.
import { z } from 'zod';
import type { PipelineDef } from '@/db/schema';
import { unstorableIssues } from '@/server/lib/storable';
import { parseYamlWithLines } from '@/server/lib/yaml-lines';
import { slugSchema } from '@/server/services/registry-shared';
import { loadTestBudgetSeconds } from '@/server/services/load-tests/settings';
import { AVAILABLE_STEP_TYPES, isAvailableStepType, PLANNED_STEP_TYPES } from './step-types';

const stepSchema = z
  .object({
    name: slugSchema,
    type: z.string().min(1, 'is required'),
    inputs: z.record(z.string(), z.unknown()).default({}),
    thresholds: z.record(z.string(), z.unknown()).default({}),
    timeout: z.number().int('must be whole seconds').min(1, 'must be at least 1 second').max(86_400, 'must be at most a day').default(600),
    'continue-on-failure': z.boolean().default(false),
  })
  .strict();

/** Server-side checks that need the server's settings (the outbound policy): a problem's message, or null. */
export interface DefinitionChecks {
  url?: (url: string) => string | null;
}

const schemaWith = (checks: DefinitionChecks) => z
  .object({
    branches: z
      .array(
        z
          .object({
            pattern: z.string().min(1, 'is required').max(200).regex(/^[A-Za-z0-9._\-/*?]+$/, 'must be a branch name or glob (letters, digits, . _ - / * ?)'),
            mode: z.enum(['evaluate', 'deploy'], { message: 'must be evaluate or deploy' }),
            environment: slugSchema.optional(),
          })
          .strict(),
      )
      .default([]),
    stages: z
      .array(z.object({ name: slugSchema, steps: z.array(stepSchema).min(1, 'a stage needs at least one step') }).strict())
      .min(1, 'a pipeline needs at least one stage'),
  })
  .strict()
  .superRefine((def, ctx) => {
    def.branches.forEach((b, i) => {
      if (b.mode === 'deploy' && !b.environment) ctx.addIssue({ code: 'custom', path: ['branches', i, 'environment'], message: 'a deploy branch names the environment it goes to' });
    });
    const names = new Set<string>();
    def.stages.forEach((stage, si) =>
      stage.steps.forEach((step, i) => {
        const at = ['stages', si, 'steps', i];
        if (names.has(step.name)) ctx.addIssue({ code: 'custom', path: [...at, 'name'], message: `"${step.name}" is used twice; step names are unique in a pipeline` });
        names.add(step.name);
        if (!isAvailableStepType(step.type)) {
          const planned = PLANNED_STEP_TYPES[step.type];
          ctx.addIssue({
            code: 'custom',
            path: [...at, 'type'],
            message: planned
              ? `step type ${step.type} is not available yet (it comes with ${planned})`
              : step.type === 'approval' || step.type === 'rollout'
                ? `there is no ${step.type} step: a deploy step asks for the environment's approvals and rolls out per its policy`
                : `unknown step type ${step.type}; available: ${Object.keys(AVAILABLE_STEP_TYPES).join(', ')}`,
          });
          return;
        }
        const inputs = AVAILABLE_STEP_TYPES[step.type].inputs.safeParse(step.inputs);
        if (!inputs.success) for (const issue of inputs.error.issues) ctx.addIssue({ code: 'custom', path: [...at, 'inputs', ...issue.path], message: issue.message });
        else if (step.type === 'load-test') {
          // The step's timeout stops the sending: it must leave the test its whole time and the last answers.
          const need = loadTestBudgetSeconds(inputs.data as { durationSeconds: number; requestTimeoutMs: number });
          if (step.timeout < need) ctx.addIssue({ code: 'custom', path: [...at, 'timeout'], message: `must be at least ${need} seconds for this load test (its duration, one request timeout and a margin)` });
        } else if (step.type === 'webhook' && checks.url) {
          const problem = checks.url((inputs.data as { url: string }).url);
          if (problem) ctx.addIssue({ code: 'custom', path: [...at, 'inputs', 'url'], message: problem });
        }
      }),
    );
  });

export interface DefinitionProblem {
  line: number | null;
  path: string;
  message: string;
}

export type DefinitionCheck = { ok: true; definition: PipelineDef } | { ok: false; problems: DefinitionProblem[] };

const formatPath = (p: PropertyKey[]) => p.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), '');

export function checkDefinition(yaml: string, checks: DefinitionChecks = {}): DefinitionCheck {
  const parsed = parseYamlWithLines(yaml);
  if (!parsed.ok) return { ok: false, problems: [{ line: parsed.line, path: '', message: `not valid YAML: ${parsed.message}` }] };
  // A NUL written as an escape ("\0") parses fine but cannot be stored; refuse it here like any other rule.
  const unstorable = unstorableIssues(parsed.value);
  if (unstorable.length) return { ok: false, problems: unstorable.map((i) => ({ line: parsed.lineOf(i.path), path: formatPath(i.path), message: i.message })) };
  const result = schemaWith(checks).safeParse(parsed.value ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      const message = i.code === 'unrecognized_keys' ? `unknown field${i.keys.length > 1 ? 's' : ''} ${i.keys.join(', ')}` : i.message;
      // An unknown field is shown at its own line.
      const at = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
      return { line: parsed.lineOf(at), path: formatPath(i.path), message };
    });
    return { ok: false, problems: problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)) };
  }
  const d = result.data;
  return {
    ok: true,
    definition: {
      branches: d.branches.map((b) => ({ pattern: b.pattern, mode: b.mode, environment: b.environment ?? null })),
      stages: d.stages.map((s) => ({
        name: s.name,
        steps: s.steps.map((st) => ({ name: st.name, type: st.type, inputs: AVAILABLE_STEP_TYPES[st.type as keyof typeof AVAILABLE_STEP_TYPES].inputs.parse(st.inputs), thresholds: st.thresholds, timeoutSeconds: st.timeout, continueOnFailure: st['continue-on-failure'] })),
      })),
    },
  };
}

export function describeProblems(problems: DefinitionProblem[]): string {
  return problems.map((p) => `${p.line ? `line ${p.line}: ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`).join('\n');
}

/** Matches a branch against a glob: `*` within a path segment, `**` across segments, `?` one character. */
export function branchMatches(pattern: string, branch: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(branch);
}

/** The first branch rule that matches decides; a branch no rule names is evaluated only. */
export function branchPolicy(def: PipelineDef, branch: string | null): { mode: 'evaluate' | 'deploy'; environment: string | null; rule: string | null } {
  const rule = branch ? def.branches.find((b) => branchMatches(b.pattern, branch)) : undefined;
  return rule ? { mode: rule.mode, environment: rule.environment, rule: rule.pattern } : { mode: 'evaluate', environment: null, rule: null };
}

// Lines stay under 75 characters: the definition editor does not wrap, and beside the step catalog a 1280 px
// window shows about 80 columns of it.
export const DEFAULT_PIPELINE_YAML = `# Branches decide what a run does: evaluate, or deploy to an environment.
# The first match wins.
branches:
  - pattern: "feature/**"
    mode: evaluate
  - pattern: develop
    mode: deploy
    environment: staging
  - pattern: main
    mode: deploy
    environment: staging

stages:
  - name: check
    steps:
      - name: config
        type: validate-config
  - name: deliver
    steps:
      - name: deploy
        type: deploy
`;
