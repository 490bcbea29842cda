// A custom dashboard range means the same hours on every server: a time without a zone is UTC (the console sends
// zoned times; scripts may not), and what is not an ISO date-time is refused naming the field.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chartRange, resolveRange } from '@/server/services/monitoring/range';
import { rangeInput } from '@/server/services/monitoring/types';

const zone = process.env.TZ;
beforeAll(() => void (process.env.TZ = 'Asia/Kolkata'));
afterAll(() => void (zone === undefined ? delete process.env.TZ : (process.env.TZ = zone)));

describe('dashboard ranges', () => {
  it('reads a time without a zone as UTC, whatever the server’s zone', () => {
    const r = resolveRange({ from: '2026-12-01T10:00', to: '2026-12-01T12:00' });
    expect(r.from.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    expect(r.to.toISOString()).toBe('2026-12-01T12:00:00.000Z');
    expect(rangeInput.parse({ from: '2026-12-01T10:00', to: '2026-12-01T12:00+05:30' })).toEqual({ from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T06:30:00.000Z' });
    const chart = chartRange({ from: '2026-12-01T10:00:30', to: '2026-12-01T11:59:10Z' }, { now: new Date('2026-12-02T00:00:00Z') });
    expect([chart.from.toISOString(), chart.to.toISOString(), chart.stepSeconds]).toEqual(['2026-12-01T10:00:00.000Z', '2026-12-01T12:00:00.000Z', 60]);
  });

  it('refuses loose forms, naming the field', () => {
    expect(rangeInput.safeParse({ from: 'Dec 1 2026', to: '2026-12-02T00:00Z' }).success).toBe(false);
    expect(() => resolveRange({ from: '2026-12-01T00:00Z', to: 'tomorrow' })).toThrow(/^to: must be an ISO date-time/);
    expect(() => resolveRange({ from: '2026-12-02T00:00Z', to: '2026-12-01T00:00Z' })).toThrow(/^to: must be after from/);
  });
});
