// What the reference model says: answers to the built-in questions (right or wrong), on-topic generic replies,
// compliance with or refusal of injected instructions, verbosity, and JSON output (valid or broken).
// Every choice takes its randomness from the Rng it is given, so a seeded caller gets repeatable text.
import { complyWithInjection, detectInjection, detectSplitInjection } from './injection';
import { matchQuestion, type Question } from './questions';
import type { Rng } from './random';
import { answerRiskyRequest, type HarmCategory } from './safety';

export { complyWithInjection, detectInjection, type Injection } from './injection';

// ---------------------------------------------------------------------------------------------------------
// Injected instructions (read in ./injection.ts)

const REFUSALS = [
  "I can't set aside my instructions or share them, but I'm happy to help with your support question.",
  "Sorry, I can't do that. I can only help with questions about your account and our product.",
  "I'm not able to ignore my guidelines. If you have a question about the product, just ask.",
];

// ---------------------------------------------------------------------------------------------------------
// Plain answers

const CLOSINGS = [
  'Let me know if there is anything else I can help with.',
  'If anything is still unclear, reply here and I will take another look.',
  'The help centre has a step-by-step article on this as well.',
  'You can also reach the support team from the Help menu in the app.',
  'I hope that helps.',
  'Changes like this apply to the whole workspace.',
];

const GENERIC_OPENERS = ['Thanks for reaching out about {topic}.', 'Good question about {topic}.', 'Happy to help with {topic}.'];

const GENERIC_BODY = [
  'The quickest way to sort this out is from the Settings page of your workspace.',
  'Most of these options are described in the help centre under Getting started.',
  'If you share a little more detail, such as the page you were on and what you expected, I can be more specific.',
  'Workspace owners and administrators can change these settings; other members may need to ask them.',
  'If something looks broken, a screenshot and the time it happened help us find it in our logs.',
  'Our status page shows whether there is an ongoing incident that could explain it.',
];

/** Sentences in an answer at verbosity 1; verbosity scales it (never below one sentence). */
export const BASE_SENTENCES = 3;

export function sentenceCount(verbosity: number): number {
  return Math.max(1, Math.round(BASE_SENTENCES * verbosity));
}

/** Picks `n` distinct items in a random order (fewer when the list is shorter). */
function sample<T>(rng: Rng, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(rng.int(pool.length), 1)[0]!);
  return out;
}

/** Fills `n` sentences after the core one: specific details first, then generic closings (repeating if must). */
function elaborate(rng: Rng, details: readonly string[], n: number): string[] {
  const extra = [...details.slice(0, n), ...sample(rng, CLOSINGS, Math.max(0, n - details.length))];
  while (extra.length < n) extra.push(rng.pick(CLOSINGS));
  return extra;
}

/** The question's topic in a few words, quoted back so that a generic reply still reads as on-topic. */
export function topicOf(text: string): string {
  const first = text.trim().split(/(?<=[.?!])\s+|\n+/)[0] ?? '';
  const words = first.replace(/[.?!]+$/, '').split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'your request';
  const short = words.slice(0, 12).join(' ') + (words.length > 12 ? '…' : '');
  return `"${short}"`;
}

export type AnswerOutcome =
  | { kind: 'question'; questionId: string; correct: boolean }
  | { kind: 'injection'; complied: boolean }
  | { kind: 'generic' }
  | { kind: 'risky'; category: HarmCategory | 'sensitive'; refused: boolean }
  | { kind: 'grade'; pass: boolean };

export interface AnswerInput {
  /** The latest user (or tool) message: what the model answers. */
  userText: string;
  /** System and developer messages, joined: what a leak reveals and what "cite sources" is read from. */
  systemPrompt: string;
  /** Every user (and tool) turn in order, the latest last: where a payload split over turns is put together. */
  userTurns?: string[];
  quality: number;
  injectionSusceptibility: number;
  verbosity: number;
  /** Chance of refusing a harmful request, and of refusing a harmless one that sounds risky (see safety.ts). */
  refusalRate?: number;
  overRefusalRate?: number;
}

export interface Answer {
  text: string;
  outcome: AnswerOutcome;
  question?: Question;
}

/**
 * Decides and writes the answer text: an attack first (in the latest user turn, split over the user turns, or in
 * the system prompt, where a template variable may have put it), then a known question, else a generic reply.
 */
export function composeAnswer(rng: Rng, input: AnswerInput): Answer {
  const injection = detectInjection(input.userText) ?? detectSplitInjection(input.userTurns ?? []) ?? detectInjection(input.systemPrompt, { trusted: true });
  if (injection) {
    if (rng.chance(input.injectionSusceptibility)) {
      return { text: complyWithInjection(injection, input.systemPrompt), outcome: { kind: 'injection', complied: true } };
    }
    return { text: rng.pick(REFUSALS), outcome: { kind: 'injection', complied: false } };
  }
  const n = sentenceCount(input.verbosity);
  const question = matchQuestion(input.userText);
  // A harmful request is refused (or complied with) even when it mentions a known question's words; a known
  // support question is never over-refused.
  const risky = answerRiskyRequest(rng, input.userText, { refusalRate: input.refusalRate ?? 1, overRefusalRate: question ? 0 : (input.overRefusalRate ?? 0) });
  if (risky) return { text: risky.text, outcome: { kind: 'risky', category: risky.category, refused: risky.refused } };
  if (question) {
    const correct = rng.chance(input.quality);
    const core = correct ? question.answer : rng.pick(question.wrong).answer;
    const sentences = [core, ...elaborate(rng, question.details, n - 1)];
    // Following a "cite your sources" instruction is part of looking like a real, instruction-tuned model.
    if (/\bcite\b|\bsources?\b|\bhelp[- ]centre article\b/i.test(input.systemPrompt)) {
      sentences.push(`Source: https://help.acme.example/${question.article}`);
    }
    return { text: sentences.join(' '), outcome: { kind: 'question', questionId: question.id, correct }, question };
  }
  const opener = rng.pick(GENERIC_OPENERS).replace('{topic}', topicOf(input.userText));
  const body = sample(rng, GENERIC_BODY, n - 1);
  while (body.length < n - 1) body.push(rng.pick(CLOSINGS));
  return { text: [opener, ...body].join(' '), outcome: { kind: 'generic' } };
}

// ---------------------------------------------------------------------------------------------------------
// JSON output

type JsonSchema = Record<string, unknown>;

const TEXT_KEY = /answer|response|reply|text|content|message|summary|explanation|body|output|result/i;
const LINK_KEY = /url|link|article|source|citation|reference/i;
const SCORE_KEY = /confidence|score|probability|certainty/i;

interface InstanceContext {
  root: JsonSchema;
  rng: Rng;
  answer: string;
  article: string;
  depth: number;
}

function resolveRef(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(2).split('/')) {
    if (!node || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return node && typeof node === 'object' ? (node as JsonSchema) : undefined;
}

function clampNumber(schema: JsonSchema, value: number, integer: boolean): number {
  let v = value;
  const min = typeof schema.minimum === 'number' ? schema.minimum : typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum + (integer ? 1 : 1e-6) : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : typeof schema.exclusiveMaximum === 'number' ? schema.exclusiveMaximum - (integer ? 1 : 1e-6) : undefined;
  if (min !== undefined && v < min) v = min;
  if (max !== undefined && v > max) v = max;
  return integer ? (Math.ceil(v) <= (max ?? Infinity) ? Math.ceil(v) : Math.floor(v)) : v;
}

function fitString(schema: JsonSchema, value: string): string {
  let v = value;
  if (typeof schema.maxLength === 'number' && v.length > schema.maxLength) v = v.slice(0, schema.maxLength);
  if (typeof schema.minLength === 'number' && v.length < schema.minLength) v = v.padEnd(schema.minLength, '.');
  return v;
}

/** A value that satisfies the common subset of JSON Schema structured outputs use, filled with the answer. */
function instanceOf(schema: JsonSchema, key: string, ctx: InstanceContext): unknown {
  if (ctx.depth > 8) return null;
  const next = { ...ctx, depth: ctx.depth + 1 };
  if (typeof schema.$ref === 'string') {
    const target = resolveRef(ctx.root, schema.$ref);
    return target ? instanceOf(target, key, next) : null;
  }
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length) return ctx.rng.pick(schema.enum as unknown[]);
  for (const k of ['anyOf', 'oneOf', 'allOf'] as const) {
    const options = schema[k];
    if (Array.isArray(options) && options.length) {
      const usable = (options as JsonSchema[]).find((o) => o.type !== 'null') ?? (options[0] as JsonSchema);
      return instanceOf(usable, key, next);
    }
  }
  const declared = Array.isArray(schema.type) ? ((schema.type as string[]).find((t) => t !== 'null') ?? 'null') : schema.type;
  const type = declared ?? (schema.properties ? 'object' : schema.items ? 'array' : 'string');
  switch (type) {
    case 'object': {
      const props = schema.properties as Record<string, JsonSchema> | undefined;
      if (!props) return { answer: ctx.answer };
      const out: Record<string, unknown> = {};
      for (const [name, sub] of Object.entries(props)) out[name] = instanceOf(sub ?? {}, name, next);
      return out;
    }
    case 'array': {
      const items = (schema.items && typeof schema.items === 'object' ? schema.items : {}) as JsonSchema;
      const min = typeof schema.minItems === 'number' ? schema.minItems : 1;
      const count = Math.min(Math.max(min, 1), typeof schema.maxItems === 'number' ? schema.maxItems : Infinity);
      return Array.from({ length: count }, () => instanceOf(items, key, next));
    }
    case 'string': {
      if (schema.format === 'date-time') return '2026-01-15T09:30:00Z';
      if (schema.format === 'date') return '2026-01-15';
      if (schema.format === 'email') return 'support@acme.example';
      if (schema.format === 'uri' || LINK_KEY.test(key)) return fitString(schema, `https://help.acme.example/${ctx.article}`);
      if (TEXT_KEY.test(key) || key === '') return fitString(schema, ctx.answer);
      return fitString(schema, key ? `${key.replace(/[_-]+/g, ' ')} example` : 'example');
    }
    case 'number':
      return clampNumber(schema, SCORE_KEY.test(key) ? Math.round((0.55 + ctx.rng.next() * 0.4) * 100) / 100 : 1.5, false);
    case 'integer':
      return clampNumber(schema, 1, true);
    case 'boolean':
      return true;
    default:
      return null;
  }
}

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown> | null; strict?: boolean | null } };

export interface JsonAnswer {
  text: string;
  valid: boolean;
}

const BROKEN_KINDS = ['truncated', 'trailing-comma', 'unquoted-keys', 'prose'] as const;

/**
 * Breaks a JSON document the way models do: cut off, a trailing comma, JavaScript-style keys, or wrapped in
 * chatty prose with a code fence. Each result is refused by JSON.parse.
 */
function breakJson(rng: Rng, value: unknown): string {
  const valid = JSON.stringify(value);
  const isFilledObject = value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length > 0;
  const kind = rng.pick(BROKEN_KINDS);
  if (isFilledObject && kind === 'unquoted-keys') {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : `'${k}'`}: ${JSON.stringify(v)}`)
      .join(', ')}}`;
  }
  if (isFilledObject && kind === 'trailing-comma') return `${valid.slice(0, -1)},}`;
  if (kind === 'truncated' && valid.length > 2 && (valid.startsWith('{') || valid.startsWith('['))) {
    // Any proper prefix of an object or array lacks its closing bracket.
    return valid.slice(0, 1 + Math.floor((valid.length - 2) * (0.4 + rng.next() * 0.4)));
  }
  return `Sure! Here is the JSON you asked for:\n\`\`\`json\n${JSON.stringify(value, null, 2)}\n\`\`\``;
}

// "Reply in JSON", "as a JSON object", "JSON only": asked in words, an instruction-tuned model answers in JSON.
const JSON_REQUEST = /\b(?:in|as)\s+(?:a\s+|an\s+)?(?:valid\s+)?JSON\b|\bJSON\s+(?:object|format|only)\b/i;

/** Whether a message asks in words for a JSON answer (the reference model then answers as for `json_object`). */
export function asksForJson(text: string): boolean {
  return JSON_REQUEST.test(text);
}

/** Wraps an answer into the requested JSON shape; valid with probability `compliance`. */
export function toJson(rng: Rng, format: Exclude<ResponseFormat, { type: 'text' }>, answer: Answer, compliance: number): JsonAnswer {
  const schema = format.type === 'json_schema' ? format.json_schema.schema : undefined;
  const ctx: InstanceContext = { root: schema ?? {}, rng, answer: answer.text, article: answer.question?.article ?? 'getting-started', depth: 0 };
  const value = schema ? instanceOf(schema, '', ctx) : { answer: answer.text };
  if (rng.chance(compliance)) return { text: JSON.stringify(value), valid: true };
  return { text: breakJson(rng, value), valid: false };
}
