// The cases of a safety run: the built-in cases (versioned data in ./data, read once) placed into the release's
// own prompt the way a user's text reaches it (the prompt's user variable, else a user turn), then the
// service's own cases from the suite's dataset, each with what it expects (refuse, answer, JSON) and the response
// schema the release's prompt declares, if any.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { Json, PromptMessage, PromptVariable } from '@/db/schema';
import { schemaProblems } from '../assertions/json-schema';
import type { EvalCase } from '../types';
import type { SafetySettings } from './settings';

export const EXPECTATIONS = ['refuse', 'answer', 'json'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

const builtInCaseSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  category: z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/),
  expect: z.enum(EXPECTATIONS),
  text: z.string().min(1),
  schema: z.record(z.string(), z.unknown()).optional(),
});
const builtInFileSchema = z.strictObject({ version: z.number().int().positive(), cases: z.array(builtInCaseSchema).min(1) });
export type BuiltInCase = z.output<typeof builtInCaseSchema>;

/** What a safety case carries in its metadata (`metadata.safety`). */
export interface SafetyCaseInfo {
  id: string;
  source: 'built-in' | 'dataset';
  category: string;
  expect: Expectation | null;
  /** The JSON schema the answer must match: the case's own, else the one the release's prompt declares. */
  schema: Record<string, Json> | null;
  /** Whether the schema comes from the release's prompt (it is then sent as response_format with sendSchema). */
  promptSchema: boolean;
  /** The user's text as the case gives it: what a leak is told apart from (echoing the user's own data is none). */
  text: string;
}

/** Where the data files are: next to this module from source, under the repository root once bundled. */
function dataDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.join(here, 'data'), path.join(process.cwd(), 'server', 'evals', 'safety', 'data')];
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}

const loaded = new Map<string, BuiltInCase[]>();

/** The built-in cases of a version (`v1`), checked: a broken data file is a bug, reported with its problems. */
export function builtInCases(version: string): BuiltInCase[] {
  const hit = loaded.get(version);
  if (hit) return hit;
  const file = path.join(dataDir(), `${version}.yaml`);
  const parsed = builtInFileSchema.safeParse(parseYaml(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const ids = new Set<string>();
  for (const c of parsed.data.cases) {
    if (ids.has(c.id)) throw new Error(`${file}: case id ${c.id} appears twice`);
    ids.add(c.id);
    if (c.expect === 'json' && !c.schema) throw new Error(`${file}: case ${c.id} expects JSON but gives no schema`);
    const problems = c.schema ? schemaProblems(c.schema) : [];
    if (problems.length) throw new Error(`${file}: case ${c.id}: schema ${problems.join('; ')}`);
  }
  loaded.set(version, parsed.data.cases);
  return parsed.data.cases;
}

export interface PromptOfRelease {
  name: string;
  messages: PromptMessage[];
  variables: PromptVariable[];
  responseSchema: Record<string, Json> | null;
}

const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([A-Za-z_][\w-]*)\s*\}\}/g)].map((m) => m[1]!);

/**
 * Where a case's text goes: the named variable, else the first variable a user message of the prompt uses. The
 * prompt is the first (by name) that has such a variable. Null: the release has none; the text is a user turn.
 */
export function placement(prompts: readonly PromptOfRelease[], variable: string | null): { prompt: string; variable: string } | null {
  for (const p of prompts) {
    const inUser = p.messages.flatMap((m) => ('role' in m && m.role === 'user' ? placeholders(m.content) : []));
    const name = variable ?? inUser[0];
    if (name && (p.variables.some((v) => v.name === name) || inUser.includes(name))) return { prompt: p.name, variable: name };
  }
  return null;
}

function expectationOf(c: EvalCase): Expectation | null {
  const m = c.metadata.expect;
  if (typeof m === 'string' && (EXPECTATIONS as readonly string[]).includes(m)) return m as Expectation;
  if (c.tags.includes('must-refuse')) return 'refuse';
  if (c.tags.includes('must-answer')) return 'answer';
  if (c.tags.includes('json')) return 'json';
  return null;
}

/** The text a user gave in a case: its variables' values and its user messages. */
export function userTextOf(c: EvalCase): string {
  const vars = Object.values(c.input.variables ?? {}).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  const turns = (c.input.messages ?? []).filter((m) => m.role === 'user').map((m) => m.content);
  return [...vars, ...turns].join('\n');
}

const isSchema = (v: unknown): v is Record<string, Json> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Every case of a safety run, in a stable order: the built-in ones (filtered by category), then the dataset's. */
export function safetyCases(settings: SafetySettings, q: { dataset: readonly EvalCase[]; prompts: readonly PromptOfRelease[] }): EvalCase[] {
  const where = placement(q.prompts, settings.variable);
  const declared = (where ? q.prompts.find((p) => p.name === where.prompt) : q.prompts[0])?.responseSchema ?? null;
  const out: EvalCase[] = [];
  const push = (input: EvalCase['input'], tags: string[], metadata: Record<string, Json>, info: SafetyCaseInfo) =>
    out.push({ index: out.length, input, expected: null, tags, metadata: { ...metadata, safety: info as unknown as Json } });

  if (settings.builtIn !== false) {
    const wanted = new Set(settings.categories);
    for (const c of builtInCases(settings.builtIn)) {
      if (wanted.size && !wanted.has(c.category)) continue;
      const input: EvalCase['input'] = where ? { variables: { [where.variable]: c.text } } : { messages: [{ role: 'user', content: c.text }] };
      const own = c.schema ? (c.schema as Record<string, Json>) : null;
      // A refusal may be plain text even where JSON is declared (structured outputs carry refusals apart).
      const schema = own ?? (c.expect === 'refuse' ? null : declared);
      push(input, [c.category], where ? { prompt: where.prompt } : {}, { id: c.id, source: 'built-in', category: c.category, expect: c.expect, schema, promptSchema: !own && schema !== null, text: c.text });
    }
  }
  for (const c of q.dataset) {
    const expect = expectationOf(c);
    const own = isSchema(c.metadata.schema) ? c.metadata.schema : null;
    const schema = own ?? (expect === 'refuse' ? null : declared);
    push(c.input, c.tags, c.metadata, { id: `dataset-${c.index + 1}`, source: 'dataset', category: c.tags[0] ?? 'service', expect, schema, promptSchema: !own && schema !== null, text: userTextOf(c) });
  }
  return out;
}

export function safetyInfo(c: EvalCase): SafetyCaseInfo {
  return c.metadata.safety as unknown as SafetyCaseInfo;
}
