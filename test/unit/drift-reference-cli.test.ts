// `slipway drift reference` reads exactly one kind of reference from its options, and names what is wrong.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { durationMs, referenceFrom } from '@/server/cli/commands/drift-reference';

const NOW = new Date('2026-12-04T12:00:00Z');

// A server far from UTC: a time typed without a zone must still mean UTC.
const zone = process.env.TZ;
beforeAll(() => void (process.env.TZ = 'Asia/Kolkata'));
afterAll(() => void (zone === undefined ? delete process.env.TZ : (process.env.TZ = zone)));

describe('drift reference options', () => {
  it('reads durations', () => {
    expect(durationMs('30m')).toBe(1_800_000);
    expect(durationMs('1.5h')).toBe(5_400_000);
    expect(durationMs('2d')).toBe(172_800_000);
    expect(durationMs('10')).toBeUndefined();
    expect(durationMs('h')).toBeUndefined();
  });

  it('turns each option into its reference', () => {
    expect(referenceFrom({ last: '15m' }, NOW)).toEqual({ kind: 'period', from: '2026-12-04T11:45:00.000Z', to: '2026-12-04T12:00:00.000Z' });
    expect(referenceFrom({ from: '2026-12-01T00:00:00Z', to: '2026-12-02T00:00:00+01:00' })).toEqual({ kind: 'period', from: '2026-12-01T00:00:00.000Z', to: '2026-12-01T23:00:00.000Z' });
    expect(referenceFrom({ from: '2026-12-01T10:00', to: '2026-12-01 12:30:00' })).toEqual({ kind: 'period', from: '2026-12-01T10:00:00.000Z', to: '2026-12-01T12:30:00.000Z' });
    expect(referenceFrom({ from: '2026-12-01', to: '2026-12-02T00:00:00.5' })).toEqual({ kind: 'period', from: '2026-12-01T00:00:00.000Z', to: '2026-12-02T00:00:00.500Z' });
    expect(referenceFrom({ releaseStart: '1d' })).toEqual({ kind: 'release-start', hours: 24 });
    expect(referenceFrom({ dataset: 'support-questions@2' })).toEqual({ kind: 'dataset', dataset: 'support-questions', version: 2 });
    expect(referenceFrom({ dataset: 'support-questions' })).toEqual({ kind: 'dataset', dataset: 'support-questions', version: null });
  });

  it('refuses none, two, or a malformed one, saying what to give', () => {
    expect(() => referenceFrom({})).toThrow(/exactly one of --last/);
    expect(() => referenceFrom({ last: '1h', dataset: 'x' })).toThrow(/exactly one of/);
    expect(() => referenceFrom({ last: 'soon' })).toThrow('--last must be a duration such as 30m, 2h or 1d');
    expect(() => referenceFrom({ from: '2026-12-01T00:00:00Z' })).toThrow('--from and --to go together');
    expect(() => referenceFrom({ from: 'yesterday', to: '2026-12-01T00:00:00Z' })).toThrow(/--from must be an ISO date-time .*without a zone is read as UTC/);
    expect(() => referenceFrom({ from: '2026-12-01T00:00:00Z', to: 'Dec 2 2026 10:00' })).toThrow(/--to must be an ISO date-time/);
    expect(() => referenceFrom({ from: '2026-02-31T00:00:00Z', to: '2026-03-05T00:00:00Z' })).toThrow(/--from must be an ISO date-time/);
    expect(() => referenceFrom({ dataset: 'a b' })).toThrow('--dataset must be name or name@version');
  });
});
