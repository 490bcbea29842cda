// Model-graded assertions: llm-rubric (does the output satisfy a rubric?) and factuality (is it consistent with
// a reference answer?), asked of a judge model version registered in Slipway (`judge: grader@1`) through
// ctx.judge. A missing judge, a failed call or an answer that cannot be read fails the assertion, saying so.
import type { CaseInput, Json } from '@/db/schema';
import { checkStringValue, fmt, placeholderProblems, quote, textValue, type AssertionDef, type EvaluateInput, type Evaluation } from './spec';
import { factualityMessages, parseJudgeAnswer, rubricMessages } from './judge-prompts';

/** How a model version is named elsewhere in Slipway: name, name@<version> or name:<label>. */
const MODEL_VERSION_REF = /^[a-z0-9-]+(@\d+|:[a-z0-9-]+)?$/;

function checkJudgeOptions(spec: Record<string, Json | undefined>, path: string): string[] {
  const problems: string[] = [];
  if (spec.judge === undefined) problems.push(`${path}.judge: is required: the model version that grades, e.g. grader@1`);
  else if (typeof spec.judge !== 'string' || !MODEL_VERSION_REF.test(spec.judge)) problems.push(`${path}.judge: must name a model version: name, name@<version> or name:<label>`);
  if (spec.question !== undefined) {
    if (typeof spec.question !== 'string') problems.push(`${path}.question: must be a string`);
    else problems.push(...placeholderProblems(`${path}.question`, spec.question));
  }
  return problems;
}

function text(value: Json | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** What the case asked: its last user message, else its variables (one alone as is, several as name: value lines). */
export function caseQuestion(input: CaseInput): string | null {
  const lastUser = [...(input.messages ?? [])].reverse().find((m) => m.role === 'user');
  if (lastUser) return lastUser.content;
  const vars = Object.entries(input.variables ?? {});
  if (vars.length === 1) return text(vars[0]![1]);
  if (vars.length > 1) return vars.map(([k, v]) => `${k}: ${text(v)}`).join('\n');
  return null;
}

async function askJudge(input: EvaluateInput, messages: ReturnType<typeof rubricMessages>): Promise<Evaluation> {
  const ref = input.spec.judge as string;
  const judge = input.ctx.judge;
  if (!judge) return { pass: false, score: 0, reason: `no judge is available to call ${ref}; model-graded assertions need a registered judge model version` };
  let answer: string;
  try {
    answer = await judge(ref, messages);
  } catch (err) {
    if (input.ctx.signal?.aborted) throw err;
    return { pass: false, score: 0, reason: `the judge ${ref} failed: ${(err as Error).message}` };
  }
  const parsed = parseJudgeAnswer(answer);
  if (!parsed.ok) return { pass: false, score: 0, reason: `the judge ${ref} answered ${quote(answer, 80)}, which cannot be read: ${parsed.error}` };
  const { pass, score, reason } = parsed.verdict;
  const s = score ?? (pass ? 1 : 0);
  // A threshold written in the suite overrides the judge's own pass; without one, its pass decides.
  const p = input.spec.threshold !== undefined ? s >= input.threshold : (pass ?? s >= input.threshold);
  return { pass: p, score: s, reason: `judge ${ref} (score ${fmt(s)}): ${reason || (p ? 'passed' : 'failed')}` };
}

function question(input: EvaluateInput): string | null {
  const q = input.spec.question;
  return typeof q === 'string' ? input.render(q) : caseQuestion(input.testCase.input);
}

const llmRubric: AssertionDef = {
  type: 'llm-rubric',
  summary: 'a judge model (option judge: grader@1) decides whether the output satisfies the rubric in value',
  defaultThreshold: 0.5,
  negatable: true,
  options: ['judge', 'question'],
  validate: (spec, path) => [...checkStringValue(spec, path, false), ...checkJudgeOptions(spec, path)],
  evaluate(input) {
    return askJudge(input, rubricMessages({ rubric: textValue(input, false), output: input.output.content, question: question(input) }));
  },
};

const factuality: AssertionDef = {
  type: 'factuality',
  summary: 'a judge model (option judge: grader@1) decides whether the output agrees with the reference in value (default: the expected answer)',
  defaultThreshold: 0.5,
  negatable: true,
  options: ['judge', 'question'],
  validate: (spec, path) => [...checkStringValue(spec, path, true), ...checkJudgeOptions(spec, path)],
  evaluate(input) {
    return askJudge(input, factualityMessages({ reference: textValue(input, true), output: input.output.content, question: question(input) }));
  },
};

export const MODEL_GRADED_ASSERTIONS: AssertionDef[] = [llmRubric, factuality];
