// JSON output checks: is-json (the whole output is JSON) and contains-json (a JSON object or array appears in
// it, e.g. inside prose or a code fence), each optionally against a JSON schema given as `value`.
import { binary, type AssertionDef, type Evaluation } from './spec';
import { schemaProblems, validateJsonSchema } from './json-schema';

function checkSchema(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [`${path}.value: must be a JSON schema (an object), or left out`];
  return schemaProblems(value).map((p) => `${path}.value.${p}`);
}

function parse(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/** The end (exclusive) of the bracketed value starting at `start`, skipping brackets inside strings. */
function closingIndex(text: string, start: number): number {
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
      continue;
    }
    if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') stack.push(ch === '{' ? '}' : ']');
    else if (ch === '}' || ch === ']') {
      if (stack.pop() !== ch) return -1;
      if (!stack.length) return i + 1;
    }
  }
  return -1;
}

const MAX_STARTS = 50;

/** Every JSON object or array embedded in the text, in order of appearance (outermost ones). */
export function embeddedJson(text: string): unknown[] {
  const found: unknown[] = [];
  let starts = 0;
  for (let i = 0; i < text.length && starts < MAX_STARTS; i++) {
    const ch = text[i];
    if (ch !== '{' && ch !== '[') continue;
    starts++;
    const end = closingIndex(text, i);
    if (end < 0) continue;
    const parsed = parse(text.slice(i, end));
    if (parsed.ok) {
      found.push(parsed.value);
      i = end - 1;
    }
  }
  return found;
}

function withSchema(value: unknown, schema: Record<string, unknown> | undefined, what: string): Evaluation {
  if (!schema) return binary(true, `${what} is valid JSON`);
  const problems = validateJsonSchema(value, schema);
  return problems.length ? binary(false, `${what} is JSON but does not match the schema: ${problems.join('; ')}`) : binary(true, `${what} is JSON that matches the schema`);
}

const isJson: AssertionDef = {
  type: 'is-json',
  summary: 'the whole output is JSON; value: an optional JSON schema it must match',
  negatable: true,
  validate: (spec, path) => checkSchema(spec.value, path),
  evaluate({ spec, output }) {
    const parsed = parse(output.content.trim());
    if (!parsed.ok) return binary(false, `output is not valid JSON: ${parsed.error}`);
    return withSchema(parsed.value, spec.value as Record<string, unknown> | undefined, 'output');
  },
};

const containsJson: AssertionDef = {
  type: 'contains-json',
  summary: 'the output contains a JSON object or array (e.g. in a code fence); value: an optional JSON schema one of them must match',
  negatable: true,
  validate: (spec, path) => checkSchema(spec.value, path),
  evaluate({ spec, output }) {
    const values = embeddedJson(output.content);
    if (!values.length) return binary(false, 'output contains no JSON object or array');
    const schema = spec.value as Record<string, unknown> | undefined;
    if (!schema) return binary(true, `output contains ${values.length === 1 ? 'a JSON value' : `${values.length} JSON values`}`);
    const match = values.findIndex((v) => validateJsonSchema(v, schema).length === 0);
    if (match >= 0) return binary(true, `output contains JSON that matches the schema${values.length > 1 ? ` (value ${match + 1} of ${values.length})` : ''}`);
    return withSchema(values[0], schema, 'the JSON in the output');
  },
};

export const JSON_ASSERTIONS: AssertionDef[] = [isJson, containsJson];
