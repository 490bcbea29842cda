// Time strings as the Inngest SDK sends them ("30s", "2h45m", "1d", "1w") and ISO dates, turned into
// durations and instants for sleeps, wait timeouts, retry delays and cancellation windows.

const UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h|d|w)/y;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T/;

/** Milliseconds in a time string such as "1h30m", or null when it is not one. */
export function parseDuration(text: string): number | null {
  const s = text.trim();
  if (!s) return null;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < s.length) {
    const start = PART.lastIndex;
    const m = PART.exec(s);
    if (!m || m.index !== start) return null;
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return total;
}

/** The instant a sleep or timeout ends: an ISO date as given, or `from` plus a time string. Null when unreadable. */
export function resolveInstant(text: string, from: Date): Date | null {
  if (ISO_DATE.test(text.trim())) {
    const at = new Date(text.trim());
    return Number.isNaN(at.getTime()) ? null : at;
  }
  const ms = parseDuration(text);
  return ms === null ? null : new Date(from.getTime() + ms);
}

/**
 * When to retry after a `Retry-After` value: seconds (what the SDK sends for RetryAfterError) or an ISO / HTTP
 * date. Null when absent or unreadable.
 */
export function retryAfterInstant(value: string | null | undefined, now: Date): Date | null {
  if (!value) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return new Date(now.getTime() + Number(v) * 1000);
  const at = new Date(v);
  return Number.isNaN(at.getTime()) ? null : at;
}
