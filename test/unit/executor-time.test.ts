// Time strings, retry hints and cron schedules as the executor reads them.
import { describe, expect, it } from 'vitest';
import { CronError, nextFire, parseCron } from '@/server/executor/cron';
import { parseDuration, resolveInstant, retryAfterInstant } from '@/server/executor/durations';

const at = (iso: string) => new Date(iso);

describe('time strings', () => {
  it('reads the SDK’s durations and ISO dates', () => {
    expect(parseDuration('1s')).toBe(1000);
    expect(parseDuration('2h30m10s')).toBe(2 * 3600_000 + 30 * 60_000 + 10_000);
    expect(parseDuration('1w1d')).toBe(8 * 86_400_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('soon')).toBeNull();
    expect(parseDuration('5 s')).toBeNull();
    const from = at('2030-01-01T00:00:00Z');
    expect(resolveInstant('1m', from)).toEqual(at('2030-01-01T00:01:00Z'));
    expect(resolveInstant('2031-02-03T04:05:06.000Z', from)).toEqual(at('2031-02-03T04:05:06Z'));
    expect(resolveInstant('never', from)).toBeNull();
  });

  it('reads Retry-After as seconds or a date', () => {
    const now = at('2030-01-01T00:00:00Z');
    expect(retryAfterInstant('30', now)).toEqual(at('2030-01-01T00:00:30Z'));
    expect(retryAfterInstant('2030-01-01T01:00:00Z', now)).toEqual(at('2030-01-01T01:00:00Z'));
    expect(retryAfterInstant(null, now)).toBeNull();
  });
});

describe('cron', () => {
  it('finds the next minute of common schedules', () => {
    expect(nextFire(parseCron('*/15 * * * *'), at('2030-01-01T10:07:30Z'))).toEqual(at('2030-01-01T10:15:00Z'));
    expect(nextFire(parseCron('0 9 * * MON-FRI'), at('2030-01-04T09:00:00Z'))).toEqual(at('2030-01-07T09:00:00Z'));
    expect(nextFire(parseCron('@daily'), at('2030-01-31T23:59:00Z'))).toEqual(at('2030-02-01T00:00:00Z'));
    expect(nextFire(parseCron('30 4 1,15 * *'), at('2030-02-02T00:00:00Z'))).toEqual(at('2030-02-15T04:30:00Z'));
    expect(nextFire(parseCron('0 0 29 2 *'), at('2030-01-01T00:00:00Z'))).toEqual(at('2032-02-29T00:00:00Z'));
    // Both day fields restricted: either matches (1st of the month or any Sunday).
    expect(nextFire(parseCron('0 12 1 * 0'), at('2030-01-02T00:00:00Z'))).toEqual(at('2030-01-06T12:00:00Z'));
  });

  it('fires strictly after the given instant', () => {
    expect(nextFire(parseCron('* * * * *'), at('2030-01-01T10:00:00Z'))).toEqual(at('2030-01-01T10:01:00Z'));
  });

  it('follows a time zone across daylight saving', () => {
    const s = parseCron('TZ=Europe/Paris 0 9 * * *');
    expect(nextFire(s, at('2030-01-10T12:00:00Z'))).toEqual(at('2030-01-11T08:00:00Z'));
    expect(nextFire(s, at('2030-07-10T12:00:00Z'))).toEqual(at('2030-07-11T07:00:00Z'));
  });

  it('names the field of a bad schedule', () => {
    expect(() => parseCron('61 * * * *')).toThrow(/minute/);
    expect(() => parseCron('* * *')).toThrow(CronError);
    expect(() => parseCron('TZ=Mars/Olympus 0 0 * * *')).toThrow(/time zone/);
  });
});
