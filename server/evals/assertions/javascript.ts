// javascript: a user expression (or function body with `return`) judged in the sandbox worker, never in the
// app. It sees output, expected, vars (the case's variables), input (the case's input: variables and/or
// messages), metadata and tags, and returns a boolean, a score from 0 to 1, or { pass, score, reason }.
import type { Json } from '@/db/schema';
import { compileExpression, runExpression, SANDBOX_DEFAULTS, SANDBOX_MAX } from '../sandbox';
import { binary, checkInteger, graded, quote, type AssertionDef, type Evaluation } from './spec';

function describe(value: Json): string {
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** Turns what the code returned into a verdict, or says why it cannot be one. */
export function interpretResult(value: Json, threshold: number): Evaluation {
  const shape = 'must return a boolean, a number from 0 to 1, or { pass, score, reason }';
  if (typeof value === 'boolean') return binary(value, `expression returned ${value}`);
  if (typeof value === 'number') {
    if (!(value >= 0 && value <= 1)) return binary(false, `expression returned ${value}, outside 0–1`);
    return graded(value, threshold, 'expression returned');
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { pass, score, reason } = value as { pass?: Json; score?: Json; reason?: Json };
    if (pass !== undefined && typeof pass !== 'boolean') return binary(false, `expression returned pass ${describe(pass)}; pass must be true or false`);
    if (score !== undefined && (typeof score !== 'number' || !(score >= 0 && score <= 1))) return binary(false, `expression returned score ${describe(score)}; score must be a number from 0 to 1`);
    if (pass === undefined && score === undefined) return binary(false, `expression returned ${describe(value)}; ${shape}`);
    const s = typeof score === 'number' ? score : pass ? 1 : 0;
    const p = typeof pass === 'boolean' ? pass : s >= threshold;
    const why = typeof reason === 'string' && reason.trim() ? reason.trim() : `expression returned ${describe(value)}`;
    return { pass: p, score: s, reason: why };
  }
  return binary(false, `expression returned ${value === null ? 'nothing' : describe(value)}; ${shape}`);
}

const javascript: AssertionDef = {
  type: 'javascript',
  summary: 'a JavaScript expression or function body run in a sandbox (options timeoutMs, memoryMb) returning a boolean, a score 0–1 or { pass, score, reason }',
  defaultThreshold: 0.5,
  negatable: true,
  options: ['timeoutMs', 'memoryMb'],
  validate(spec, path) {
    if (typeof spec.value !== 'string' || spec.value.trim() === '') return [`${path}.value: must be JavaScript code (a non-empty string)`];
    const problems = [...checkInteger(spec, path, 'timeoutMs', 10, SANDBOX_MAX.timeoutMs), ...checkInteger(spec, path, 'memoryMb', 16, SANDBOX_MAX.memoryMb)];
    const compiled = compileExpression(spec.value);
    if ('error' in compiled) problems.push(`${path}.value: is not valid JavaScript: ${compiled.error}`);
    return problems;
  },
  async evaluate({ spec, output, testCase, ctx, threshold }) {
    const result = await runExpression(
      spec.value as string,
      { output: output.content, expected: testCase.expected, vars: testCase.input.variables ?? {}, input: testCase.input as unknown as Json, metadata: testCase.metadata, tags: testCase.tags },
      { timeoutMs: (spec.timeoutMs as number | undefined) ?? SANDBOX_DEFAULTS.timeoutMs, memoryMb: (spec.memoryMb as number | undefined) ?? SANDBOX_DEFAULTS.memoryMb, signal: ctx.signal },
    );
    if (!result.ok) return binary(false, `javascript ${quote(spec.value as string, 50)} ${result.error}`);
    return interpretResult(result.value, threshold);
  },
};

export const JAVASCRIPT_ASSERTIONS: AssertionDef[] = [javascript];
