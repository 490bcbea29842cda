// The drift cron on its own, with @inngest/test: the instant its reports are taken at is a step's result, so a
// retry or a replay (its steps memoized, the clock moved on) compares the same windows as the first attempt.
import { InngestTestEngine } from '@inngest/test';
import { Inngest } from 'inngest';
import { describe, expect, it, vi } from 'vitest';
import type { Db } from '@/db/client';
import { createDriftReports } from '@/inngest/functions/drift-reports';
import { dueDriftEnvironments, runScheduledDrift } from '@/server/services/drift/schedule';

vi.mock('@/server/services/drift/schedule', () => ({
  dueDriftEnvironments: vi.fn(async () => [{ environmentId: 'env-1', label: 'support-bot/production' }]),
  runScheduledDrift: vi.fn(async (_db: unknown, due: { label: string }) => ({ environment: due.label, reports: 1, statuses: ['ok'] })),
}));

const FIRST = '2026-12-04T10:00:00.000Z';

describe('drift reports function', () => {
  it('takes every report at the instant its first attempt memoized, not the clock of a later attempt', async () => {
    const clock = vi.fn(() => new Date('2026-12-04T10:07:30.000Z'));
    const cron = createDriftReports(new Inngest({ id: 'drift-unit' }), async () => ({}) as Db, clock);
    // A replay: the first attempt's `now` is memoized; the clock has since moved on by 7.5 minutes.
    const { result } = await new InngestTestEngine({ function: cron, steps: [{ id: 'now', handler: () => FIRST }] }).execute();
    expect(result).toMatchObject({ due: 1, ran: [{ environment: 'support-bot/production', reports: 1 }] });
    expect(vi.mocked(dueDriftEnvironments).mock.calls[0]![1]).toEqual(new Date(FIRST));
    expect(vi.mocked(runScheduledDrift).mock.calls[0]![2]).toEqual(new Date(FIRST));
  });

  it('reads the clock once, in a step, on a first attempt', async () => {
    vi.mocked(runScheduledDrift).mockClear();
    const clock = vi.fn(() => new Date(FIRST));
    const cron = createDriftReports(new Inngest({ id: 'drift-unit' }), async () => ({}) as Db, clock);
    const { ctx } = await new InngestTestEngine({ function: cron }).execute();
    expect(ctx.step.run).toHaveBeenCalledWith('now', expect.any(Function));
    expect(vi.mocked(runScheduledDrift).mock.calls[0]![2]).toEqual(new Date(FIRST));
  });
});
