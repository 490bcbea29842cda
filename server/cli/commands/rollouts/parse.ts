// Parsing the release flow's command-line values: durations, --wait/--timeout, release and rollout numbers, --limit.
import type { ParsedOptions } from '../../core/args';
import { usageError } from '../../core/errors';

/** Rollouts bake for minutes and may wait for people: an hour by default, then exit 5 and let it go on. */
export const DEFAULT_TIMEOUT_MS = 3600_000;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3600_000 };

/** `90` (seconds), `90s`, `15m`, `1h30m`, `500ms`, in milliseconds. */
export function parseDuration(text: string, option = '--timeout'): number {
  const t = text.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(t)) ms = Number(t) * 1000;
  else if (/^(\d+(\.\d+)?(ms|s|m|h))+$/.test(t)) ms = [...t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)].reduce((sum, m) => sum + Number(m[1]) * UNIT_MS[m[2]!]!, 0);
  else throw usageError(`${option} "${text}" is not a duration; use seconds or e.g. 90s, 15m, 1h30m`);
  if (!(ms > 0)) throw usageError(`${option} must be longer than 0`);
  return ms;
}

/** `--wait` and its `--timeout`; a timeout without waiting is a mistake worth saying. */
export function waitOptions(options: ParsedOptions): { wait: boolean; timeoutMs: number } {
  const wait = options.flag('wait');
  const text = options.string('timeout');
  if (text !== undefined && !wait) throw usageError('--timeout needs --wait');
  return { wait, timeoutMs: text === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(text) };
}

/** `3` or `#3`. */
export function parseNumber(text: string, what: 'release' | 'rollout', option?: string): number {
  const m = /^#?(\d+)$/.exec(text.trim());
  const n = m ? Number(m[1]) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw usageError(`${option ? `${option} ` : ''}"${text}" is not a ${what} number; use e.g. 3`);
  return n;
}

export function limitOption(options: ParsedOptions, max: number): number | undefined {
  const text = options.string('limit');
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < 1 || n > max) throw usageError(`--limit must be a whole number from 1 to ${max}`);
  return n;
}
