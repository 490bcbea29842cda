// Cron schedules for cron-triggered functions: five-field unix cron (minute hour day-of-month month
// day-of-week) with ranges, steps, lists and names, the @hourly-style macros, and an optional
// `TZ=Area/City ` prefix as Inngest accepts it. `nextFire` finds the first matching minute after an instant.

export interface CronSchedule {
  expression: string;
  timeZone: string;
  minutes: Set<number>;
  hours: Set<number>;
  days: Set<number>;
  months: Set<number>;
  weekdays: Set<number>;
  /** Standard cron: when both day fields are restricted, a day matches if either does. */
  dayOr: boolean;
}

const MACROS: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

const MONTH_NAMES = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

function parseField(text: string, min: number, max: number, names: string[] | null, offset: number, label: string): { values: Set<number>; any: boolean } {
  const values = new Set<number>();
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = names ? names.indexOf(upper) : -1;
    if (named >= 0) return named + offset;
    if (!/^\d+$/.test(token)) throw new CronError(`${label}: "${token}" is not a number${names ? ' or a name' : ''}`);
    return Number(token);
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new CronError(`${label}: step "${stepText}" must be a positive integer`);
    let lo: number;
    let hi: number;
    if (range === '*' || range === '?') {
      lo = min;
      hi = max;
    } else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    if (lo < min || hi > max || lo > hi) throw new CronError(`${label}: "${part}" is outside ${min}-${max}`);
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return { values, any: text === '*' || text === '?' };
}

export function parseCron(expression: string): CronSchedule {
  let text = expression.trim();
  let timeZone = 'UTC';
  const tz = /^(?:CRON_TZ|TZ)=(\S+)\s+/.exec(text);
  if (tz) {
    timeZone = tz[1]!;
    text = text.slice(tz[0].length);
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw new CronError(`unknown time zone "${timeZone}"`);
    }
  }
  text = MACROS[text.toLowerCase()] ?? text;
  const fields = text.split(/\s+/);
  if (fields.length !== 5) throw new CronError(`"${expression}" must have five fields: minute hour day-of-month month day-of-week`);
  const [mi, ho, dom, mon, dow] = fields as [string, string, string, string, string];
  const days = parseField(dom, 1, 31, null, 0, 'day of month');
  const weekdays = parseField(dow, 0, 7, DAY_NAMES, 0, 'day of week');
  // 7 is Sunday too.
  if (weekdays.values.has(7)) weekdays.values.add(0);
  return {
    expression,
    timeZone,
    minutes: parseField(mi, 0, 59, null, 0, 'minute').values,
    hours: parseField(ho, 0, 23, null, 0, 'hour').values,
    days: days.values,
    months: parseField(mon, 1, 12, MONTH_NAMES, 1, 'month').values,
    weekdays: weekdays.values,
    dayOr: !days.any && !weekdays.any,
  };
}

interface WallClock {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function wallClock(at: Date, timeZone: string): WallClock {
  if (timeZone === 'UTC') {
    return { minute: at.getUTCMinutes(), hour: at.getUTCHours(), day: at.getUTCDate(), month: at.getUTCMonth() + 1, weekday: at.getUTCDay() };
  }
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' });
    formatters.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(at).map((p) => [p.type, p.value]));
  return { minute: Number(parts.minute), hour: Number(parts.hour), day: Number(parts.day), month: Number(parts.month), weekday: DAY_NAMES.indexOf(String(parts.weekday).toUpperCase()) };
}

function dayMatches(s: CronSchedule, w: WallClock): boolean {
  const dom = s.days.has(w.day);
  const dow = s.weekdays.has(w.weekday);
  return s.dayOr ? dom || dow : dom && dow;
}

const MINUTE = 60_000;

/** The first minute strictly after `after` that the schedule matches (searching up to about five years ahead). */
export function nextFire(schedule: CronSchedule, after: Date): Date {
  let t = Math.floor(after.getTime() / MINUTE) * MINUTE + MINUTE;
  const limit = t + 5 * 366 * 24 * 60 * MINUTE;
  while (t < limit) {
    const w = wallClock(new Date(t), schedule.timeZone);
    // Skip whole days and hours that cannot match; the wall clock is re-read after each jump, so daylight
    // saving changes never make the search overshoot.
    if (!schedule.months.has(w.month) || !dayMatches(schedule, w)) {
      t += ((23 - w.hour) * 60 + (60 - w.minute)) * MINUTE;
    } else if (!schedule.hours.has(w.hour)) {
      t += (60 - w.minute) * MINUTE;
    } else if (!schedule.minutes.has(w.minute)) {
      t += MINUTE;
    } else {
      return new Date(t);
    }
  }
  throw new CronError(`"${schedule.expression}" never fires`);
}
