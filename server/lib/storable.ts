// What PostgreSQL cannot store, refused where input enters: the NUL character (U+0000) in text and JSON (text
// columns and jsonb both refuse it), and dates outside the range a timestamp column round-trips. Every tRPC
// procedure runs `unstorableIssues` over its raw input (see server/api/trpc.ts), manifests read from files and
// repositories run it after their schema, and zod schemas that accept dates use `storableDate`.
import { z } from 'zod';

/** The earliest and latest instants accepted in date inputs: years 1 to 9999, which PostgreSQL and ISO 8601 share. */
export const MIN_DATE = new Date('0001-01-01T00:00:00.000Z');
export const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');
const DATE_RULE = 'must be a date between 0001-01-01 and 9999-12-31';
export const NUL_RULE = 'must not contain the NUL character (U+0000)';

/** A date input that PostgreSQL can store and compare. */
export const storableDate = () => z.date({ error: 'must be a date' }).min(MIN_DATE, DATE_RULE).max(MAX_DATE, DATE_RULE);

export interface StorableIssue {
  path: (string | number)[];
  message: string;
}

const MAX_ISSUES = 20;

/**
 * The places in a parsed input that PostgreSQL would refuse: strings and object keys holding NUL, dates that
 * are invalid or out of range, and circular structures (which no JSON column can hold). Walks plain objects,
 * arrays, maps and sets; stops after a few issues.
 */
export function unstorableIssues(value: unknown): StorableIssue[] {
  const issues: StorableIssue[] = [];
  const ancestors = new Set<object>();
  const visit = (v: unknown, path: (string | number)[]): void => {
    if (issues.length >= MAX_ISSUES) return;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) issues.push({ path, message: NUL_RULE });
      return;
    }
    if (v === null || typeof v !== 'object') return;
    if (v instanceof Date) {
      const t = v.getTime();
      if (!(t >= MIN_DATE.getTime() && t <= MAX_DATE.getTime())) issues.push({ path, message: DATE_RULE });
      return;
    }
    if (ancestors.has(v)) {
      issues.push({ path, message: 'must not refer to itself (a circular structure)' });
      return;
    }
    ancestors.add(v);
    if (Array.isArray(v) || v instanceof Set) {
      [...v].forEach((item, i) => visit(item, [...path, i]));
    } else if (v instanceof Map) {
      for (const [k, item] of v) {
        visit(k, [...path, String(k)]);
        visit(item, [...path, String(k)]);
      }
    } else {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes('\u0000')) issues.push({ path: [...path, k.replace(/\u0000/g, '\\u0000')], message: `keys ${NUL_RULE}` });
        else visit(item, [...path, k]);
      }
    }
    ancestors.delete(v);
  };
  visit(value, []);
  return issues.slice(0, MAX_ISSUES);
}

/** The same text with NUL characters replaced by U+FFFD, for storing samples of what callers sent. */
export function withoutNul(text: string): string {
  return text.includes('\u0000') ? text.replace(/\u0000/g, '\uFFFD') : text;
}
