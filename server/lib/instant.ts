// Reading a point in time that a person typed (a drift period's ends, in the API and the CLI) the same way on every
// server: ISO 8601 only, and a time without a zone is UTC. `Date.parse` would read "2026-12-01T10:00" in the
// server process's own zone and accept loose forms ("Dec 1 2026") the same way, so one period would mean different
// hours on different machines.

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** What a wrong time is told: the forms accepted. */
export const INSTANT_RULE = 'must be an ISO date-time such as 2026-12-01T10:00:00Z (a time without a zone is read as UTC)';

/** The instant an ISO date or date-time names (no zone → UTC), in milliseconds; undefined when it is not one. */
export function parseInstant(text: string): number | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const utc = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), frac ? Math.floor(Number(`0.${frac}`) * 1000) : 0);
  // Date.UTC rolls 2026-02-31 over into March; a date that does not exist is refused instead.
  const check = new Date(utc);
  if (check.getUTCFullYear() !== Number(y) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return undefined;
  if (!zone || zone.toUpperCase() === 'Z') return utc;
  const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone)!;
  const offset = (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  return z[1] === '+' ? utc - offset : utc + offset;
}

/** The instant as a UTC ISO string (…Z); undefined when the text is not an ISO date-time. */
export function instantIso(text: string): string | undefined {
  const ms = parseInstant(text);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
