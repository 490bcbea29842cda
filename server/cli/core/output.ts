// What commands print: aligned tables and short lines for people, JSON for machines (with --json), both on
// stdout. Errors never come through here; they go to stderr as one line from main.
export interface Output {
  json: boolean;
  /** Prints the value as JSON with --json, otherwise the human rendering. */
  result: (value: unknown, human: () => string) => void;
  line: (text: string) => void;
}

export function createOutput(json: boolean, write: (text: string) => void = (t) => void process.stdout.write(t)): Output {
  return {
    json,
    result(value, human) {
      write(json ? `${JSON.stringify(value, null, 2)}\n` : ensureNewline(human()));
    },
    line(text) {
      write(`${text}\n`);
    },
  };
}

const ensureNewline = (s: string) => (s === '' || s.endsWith('\n') ? s : `${s}\n`);

/** Columns padded to their widest cell; the last column is not padded so lines carry no trailing spaces. */
export function table(headers: string[], rows: string[][], empty = '(none)'): string {
  if (!rows.length) return `${empty}\n`;
  const all = [headers, ...rows];
  const widths = headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd()).join('\n') + '\n';
}

/** Label/value pairs, labels aligned. */
export function pairs(rows: [string, string][], indent = ''): string {
  const width = Math.max(0, ...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${indent}${k.padEnd(width)}  ${v}`.trimEnd()).join('\n') + '\n';
}

export function time(value: Date | string | null | undefined): string {
  if (!value) return '—';
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
