// Cron schedules for cron-triggered functions as Inngest accepts them: five-field unix cron (minute hour
// day-of-month month day-of-week) with ranges, steps, lists and names, the @hourly-style macros, and an optional
// `TZ=Area/City ` prefix. Parsing and the next fire time (time zones, daylight saving, day-of-month OR
// day-of-week) are croner's; this module only reads the prefix and words the errors.
import { Cron } from 'croner';

export interface CronSchedule {
  expression: string;
  timeZone: string;
  cron: Cron;
}

export class CronError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CronError';
  }
}

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const FIELDS = ['minute', 'hour', 'day of month', 'month', 'day of week'];

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
  if (!MACROS.has(text.toLowerCase()) && text.split(/\s+/).length !== 5) {
    throw new CronError(`"${expression}" must have five fields: minute hour day-of-month month day-of-week`);
  }
  try {
    // Standard cron: when both day fields are restricted, a day matches if either does (domAndDow off).
    const cron = new Cron(text.toLowerCase() === '@midnight' ? '@daily' : text, { timezone: timeZone, paused: true, mode: '5-part', domAndDow: false });
    return { expression, timeZone, cron };
  } catch (err) {
    throw new CronError(describe(text, err));
  }
}

/** croner names the problem, not always the field: find the first field that fails on its own, if one does. */
function describe(text: string, err: unknown): string {
  const fields = text.split(/\s+/);
  for (let i = 0; i < fields.length; i++) {
    const probe = fields.map((f, j) => (j === i ? f : '*')).join(' ');
    try {
      new Cron(probe, { paused: true, mode: '5-part' });
    } catch {
      return `${FIELDS[i]}: "${fields[i]}" is not valid`;
    }
  }
  return `"${text}" is not a valid cron schedule: ${err instanceof Error ? err.message : String(err)}`;
}

/** The first minute strictly after `after` that the schedule matches. */
export function nextFire(schedule: CronSchedule, after: Date): Date {
  const next = schedule.cron.nextRun(after);
  if (!next) throw new CronError(`"${schedule.expression}" never fires`);
  return next;
}
