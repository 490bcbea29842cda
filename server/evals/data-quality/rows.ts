// The rows a data-quality run checks, and reading a field of one: a dataset case ({ id, input, expected, tags,
// metadata }) or a kept gateway sample ({ id, input, output, environment, release, at }), each with a label people
// recognise (the case's id or position, the request id).
import type { Json } from '@/db/schema';
import { WHOLE_ROW, type Source } from './settings';

export interface Row {
  /** The case's index in the run. */
  caseIndex: number;
  source: Source;
  /** `q12` (a case's id), `#7` (a case without an id, 1-based), or a sample's request id. */
  label: string;
  value: Record<string, Json | undefined>;
}

/** The parts of a row whose text `*` checks. */
const TEXT_PARTS: Record<Source, string[]> = { dataset: ['input', 'expected', 'tags', 'metadata'], samples: ['input', 'output'] };

/** The value at a path (`input.variables.question`, `input.messages[0].content`); undefined where there is none. */
export function valueAt(row: Row, path: string): Json | undefined {
  if (path === WHOLE_ROW) return Object.fromEntries(TEXT_PARTS[row.source].map((k) => [k, row.value[k] ?? null])) as Json;
  let node: Json | undefined = row.value as Json;
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    if (node === null || node === undefined || typeof node !== 'object') return undefined;
    node = m[2] !== undefined ? (Array.isArray(node) ? node[Number(m[2])] : undefined) : Array.isArray(node) ? undefined : (node as Record<string, Json>)[m[1]!];
  }
  return node;
}

/** Missing, null, blank text, an empty list or mapping. */
export function isBlank(v: Json | undefined): boolean {
  if (v === undefined || v === null) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

/** A value as text: itself, or every text, number and flag inside it (values, not keys), one per line. */
export function textOf(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v !== 'object') return String(v);
  const parts: string[] = [];
  const walk = (x: Json) => {
    if (x === null) return;
    if (typeof x === 'object') for (const y of Array.isArray(x) ? x : Object.values(x)) walk(y);
    else parts.push(String(x));
  };
  walk(v);
  return parts.join('\n');
}

/** Text cut for a reason or a table cell. */
export function excerpt(text: string, max = 80): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
