// What every assertion type is made of: its definition (options, default threshold, checks of its own fields,
// evaluation), the small validators the families share, and the `{{expected}}` / `{{vars.name}}` templates.
import type { Json } from '@/db/schema';
import type { AssertionContext, AssertionSpec, EvalCase, ModelOutput } from '../types';

/** An assertion's verdict before negation and weighting. */
export interface Evaluation {
  pass: boolean;
  /** 0–1. */
  score: number;
  reason: string;
}

export interface EvaluateInput {
  spec: AssertionSpec;
  output: ModelOutput;
  testCase: EvalCase;
  ctx: AssertionContext;
  /** The threshold in force: the spec's, else the type's default (graded types only). */
  threshold: number;
  /** Fills `{{expected}}`, `{{vars.name}}` and `{{metadata.name}}`; throws a TemplateError naming what is missing. */
  render: (text: string) => string;
}

export interface AssertionDef {
  type: string;
  /** One line for people: what it checks and what `value` is. */
  summary: string;
  /** Graded types score 0–1 and pass at a threshold (this default); binary types score 0 or 1 and take none. */
  defaultThreshold?: number;
  /** `not-<type>` is meaningful (not for latency and cost, whose value already is a bound). */
  negatable: boolean;
  /** Fields beyond type, value, weight, metric and threshold. */
  options?: readonly string[];
  /** Checks `value` and the type's options; messages name the field (`${path}.value: …`). */
  validate(spec: AssertionSpec, path: string): string[];
  evaluate(input: EvaluateInput): Evaluation | Promise<Evaluation>;
}

export const COMMON_FIELDS = ['type', 'value', 'weight', 'metric', 'threshold'] as const;

export class TemplateError extends Error {}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
const PLACEHOLDER_NAME = /^(expected|(vars|metadata)\.[A-Za-z_][\w-]*)$/;

/** Placeholders that are not `expected`, `vars.<name>` or `metadata.<name>`, as written. */
export function badPlaceholders(text: string): string[] {
  return [...text.matchAll(PLACEHOLDER)].filter((m) => !PLACEHOLDER_NAME.test(m[1]!)).map((m) => m[0]);
}

function asText(value: Json | undefined): string | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Fills a value's placeholders from the case; a missing variable or expected answer is an error, never ''. */
export function renderTemplate(text: string, testCase: EvalCase): string {
  return text.replace(PLACEHOLDER, (whole, name: string) => {
    if (name === 'expected') {
      if (testCase.expected == null) throw new TemplateError(`${whole} is empty: case ${testCase.index} has no expected answer`);
      return testCase.expected;
    }
    const dot = name.indexOf('.');
    const scope = name.slice(0, dot);
    const key = name.slice(dot + 1);
    const source = scope === 'vars' ? testCase.input.variables : scope === 'metadata' ? testCase.metadata : undefined;
    const value = source && Object.hasOwn(source, key) ? asText(source[key]) : undefined;
    if (value === undefined) throw new TemplateError(`${whole} is not set in case ${testCase.index}`);
    return value;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Field checks shared by the families. Each returns messages `${path}.<field>: <rule>`.

export function placeholderProblems(field: string, text: string): string[] {
  return badPlaceholders(text).map((p) => `${field}: unknown placeholder ${p}; use {{expected}}, {{vars.<name>}} or {{metadata.<name>}}`);
}

/** A string value, or (when `optional`) none, meaning the case's expected answer. */
export function checkStringValue(spec: AssertionSpec, path: string, optional: boolean): string[] {
  const field = `${path}.value`;
  if (spec.value === undefined) return optional ? [] : [`${field}: is required`];
  if (typeof spec.value !== 'string') return [`${field}: must be a string`];
  if (!optional && spec.value.trim() === '') return [`${field}: must not be empty`];
  return placeholderProblems(field, spec.value);
}

export function checkStringList(spec: AssertionSpec, path: string): string[] {
  const field = `${path}.value`;
  const v = spec.value;
  if (!Array.isArray(v) || v.length === 0 || !v.every((s) => typeof s === 'string')) return [`${field}: must be a list of strings`];
  return (v as string[]).flatMap((s, i) => placeholderProblems(`${field}[${i}]`, s));
}

export function checkNumberValue(spec: AssertionSpec, path: string, what: string): string[] {
  const v = spec.value;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) return [`${path}.value: must be ${what} (a number at least 0)`];
  return [];
}

export function checkInteger(spec: AssertionSpec, path: string, option: string, min: number, max: number): string[] {
  const v = spec[option];
  if (v === undefined) return [];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) return [`${path}.${option}: must be a whole number from ${min} to ${max}`];
  return [];
}

/** The value as text with placeholders filled; no value means the case's expected answer. */
export function textValue(input: EvaluateInput, fallbackToExpected: boolean): string {
  const v = input.spec.value;
  if (v === undefined && fallbackToExpected) return input.render('{{expected}}');
  return input.render(typeof v === 'string' ? v : JSON.stringify(v ?? ''));
}

export function binary(pass: boolean, reason: string): Evaluation {
  return { pass, score: pass ? 1 : 0, reason };
}

/** A graded result: passes at the threshold, and says so with both figures. */
export function graded(score: number, threshold: number, what: string): Evaluation {
  const s = Math.max(0, Math.min(1, score));
  const pass = s >= threshold;
  return { pass, score: s, reason: `${what} ${fmt(s)} ${pass ? 'reaches' : 'is below'} the threshold ${fmt(threshold)}` };
}

/** A short, readable number: up to three decimals, no trailing zeros. */
export function fmt(n: number): string {
  return String(Math.round(n * 1000) / 1000);
}

/** Quotes text for a reason, shortened so a long output does not flood the case table. */
export function quote(text: string, max = 80): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return JSON.stringify(oneLine.length > max ? `${oneLine.slice(0, max - 1)}…` : oneLine);
}
