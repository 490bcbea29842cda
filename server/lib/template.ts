// Prompt templates: `{{variable}}` placeholders, typed variables, and composition by `{ include: "name@3" }`
// messages, resolved at render with cycles refused. Pure: lookups come through a resolver.
import type { Json, PromptMessage, PromptVariable } from '@/db/schema';
import { DomainError, invalid } from '@/server/errors';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

export function placeholders(messages: PromptMessage[]): string[] {
  const found = new Set<string>();
  for (const m of messages) if ('content' in m) for (const match of m.content.matchAll(PLACEHOLDER)) found.add(match[1]!);
  return [...found];
}

export function typeOfValue(value: unknown): PromptVariable['type'] | 'other' {
  if (typeof value === 'string') return 'string';
  if (typeof value === 'number' && Number.isFinite(value)) return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'other';
}

export function valueMatches(type: PromptVariable['type'], value: unknown): boolean {
  return type === 'json' ? value !== undefined : typeOfValue(value) === type;
}

/** Push-time checks of one version on its own: declared variables, defaults of the right type, placeholders declared. */
export function checkTemplate(messages: PromptMessage[], variables: PromptVariable[]): void {
  const names = new Set<string>();
  variables.forEach((v, i) => {
    if (names.has(v.name)) throw invalid(`variables.${i}.name`, `"${v.name}" is declared twice`);
    names.add(v.name);
    if (v.default !== undefined && !valueMatches(v.type, v.default)) throw invalid(`variables.${i}.default`, `must be a ${v.type}`);
  });
  const undeclared = placeholders(messages).filter((p) => !names.has(p));
  if (undeclared.length) throw invalid('variables', `placeholders without a declared variable: ${undeclared.join(', ')}`);
}

export interface ResolvedVersion {
  prompt: string;
  version: number;
  messages: PromptMessage[];
  variables: PromptVariable[];
}
export type Resolver = (ref: string, from: string) => Promise<ResolvedVersion>;

/** Expands includes depth-first; a prompt that includes itself, directly or not, is a cycle. */
export async function expand(root: ResolvedVersion, resolve: Resolver, stack: string[] = []) {
  // A version being pushed has no number yet (0). Including another version of the same prompt is no loop.
  const key = root.version ? `${root.prompt}@${root.version}` : `${root.prompt} (new)`;
  if (stack.includes(key)) throw new DomainError('invalid', `composition cycle: ${[...stack, key].join(' → ')}`, 'messages');
  const path = [...stack, key];
  const messages: { role: 'system' | 'user' | 'assistant'; content: string }[] = [];
  const variables = new Map<string, PromptVariable>(root.variables.map((v) => [v.name, v]));
  const used: { prompt: string; version: number }[] = [{ prompt: root.prompt, version: root.version }];
  for (const m of root.messages) {
    if ('include' in m) {
      const child = await expand(await resolve(m.include, root.prompt), resolve, path);
      messages.push(...child.messages);
      for (const v of child.variables) if (!variables.has(v.name)) variables.set(v.name, v);
      used.push(...child.used);
    } else {
      messages.push(m);
    }
  }
  return { messages, variables: [...variables.values()], used };
}

/** Fills placeholders: unknown, missing and mistyped variables are refused, each named. */
export function fill(messages: { role: 'system' | 'user' | 'assistant'; content: string }[], variables: PromptVariable[], values: Record<string, Json>) {
  const declared = new Map(variables.map((v) => [v.name, v]));
  const extra = Object.keys(values).filter((k) => !declared.has(k));
  if (extra.length) throw invalid('variables', `unknown variable${extra.length > 1 ? 's' : ''} ${extra.join(', ')} (declared: ${[...declared.keys()].join(', ') || 'none'})`);
  const resolved: Record<string, Json> = {};
  for (const v of variables) {
    const value = values[v.name] !== undefined ? values[v.name]! : v.default;
    if (value === undefined) {
      if (v.required) throw invalid(`variables.${v.name}`, 'is required');
      continue;
    }
    if (!valueMatches(v.type, value)) throw invalid(`variables.${v.name}`, `must be a ${v.type} (got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`);
    resolved[v.name] = value;
  }
  const text = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));
  return messages.map((m) => ({ role: m.role, content: m.content.replace(PLACEHOLDER, (_, name: string) => (resolved[name] !== undefined ? text(resolved[name]!) : '')) }));
}
