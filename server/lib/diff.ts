// Structural diffs for versions and releases: changed JSON paths, and line diffs of text.
import { diffLines as lineChanges } from 'diff';

export interface FieldChange {
  path: string;
  before: unknown;
  after: unknown;
}

/** Paths whose values differ between two JSON-like values (objects recurse; arrays and scalars compare whole). */
export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);
  if (isObj(before) && isObj(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k));
  }
  const same = JSON.stringify(before ?? null) === JSON.stringify(after ?? null);
  return same ? [] : [{ path: path || '(value)', before: before ?? null, after: after ?? null }];
}

export type LineOp = { op: 'same' | 'add' | 'remove'; text: string };

/** A line diff (jsdiff's Myers diff), one entry per line. */
export function diffLines(before: string, after: string): LineOp[] {
  const out: LineOp[] = [];
  // Both texts end in a newline, so a last line is the same line whether or not it had one.
  for (const change of lineChanges(`${before}\n`, `${after}\n`)) {
    const op = change.added ? 'add' : change.removed ? 'remove' : 'same';
    // Each change holds whole lines; the last may lack its newline.
    for (const text of change.value.replace(/\n$/, '').split('\n')) out.push({ op, text });
  }
  return out;
}
