// The jobs queries the UI reads: registered functions with their triggers and run counts, runs per function with
// status, one run's steps from the step history, and recent failures — for every role with services:read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '@/server/auth/permissions';
import { anonymous, callerFor, makeUser } from '../helpers/actors';
import { fnId, startHarness, type Harness } from '../helpers/executor';

let h: Harness;
let api: ReturnType<typeof callerFor>;
beforeAll(async () => {
  h = await startHarness((inngest) => [
    inngest.createFunction({ id: 'report', name: 'Nightly report', retries: 1, concurrency: { limit: 2, key: 'event.data.team' }, triggers: [{ event: 'test/report' }, { cron: '0 3 * * *' }] }, async ({ event, step }) => {
      const rows = await step.run('collect', () => 3);
      if (event.data.broken) await step.run('publish', () => Promise.reject(new Error('the printer is on fire')));
      return { rows };
    }),
  ]);
  api = callerFor(h.database.db, await makeUser(h.database.db, { role: 'viewer' }));
  await h.inngest.send([
    { name: 'test/report', data: { team: 'a' } },
    { name: 'test/report', data: { team: 'b', broken: true } },
  ]);
  await h.until(async () => (await h.runs(fnId('report'))).filter((r) => ['completed', 'failed'].includes(r.status)).length === 2, 10_000, 'two finished runs');
});
afterAll(() => h.close());

describe('jobs queries', () => {
  it('answers every role, and refuses a caller who is not signed in', async () => {
    for (const role of ROLES) {
      const as = callerFor(h.database.db, await makeUser(h.database.db, { role, email: `${role}-jobs@example.com` }));
      expect((await as.executor.functions()).functions.map((f) => f.id), role).toContain(fnId('report'));
      expect((await as.executor.runs({ functionId: fnId('report'), status: ['failed'] })).items.map((r) => r.error), role).toEqual(['the printer is on fire']);
    }
    const outsider = callerFor(h.database.db, anonymous);
    for (const call of [() => outsider.executor.functions(), () => outsider.executor.runs({ functionId: fnId('report') }), () => outsider.executor.failures({})]) {
      await expect(call()).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('lists registered functions with triggers, flow control, the last day’s runs and the next tick', async () => {
    const { engine, functions } = await api.executor.functions();
    expect(engine).toBe('embedded');
    const report = functions.find((f) => f.id === fnId('report'))!;
    expect(report).toMatchObject({
      name: 'Nightly report',
      events: [{ name: 'test/report', if: null }],
      crons: ['0 3 * * *'],
      retries: 1,
      concurrency: [{ limit: 2, key: 'event.data.team', scope: 'fn' }],
      url: h.serveUrl,
    });
    expect(report.lastDay).toMatchObject({ completed: 1, failed: 1, queued: 1 });
    expect(report.lastRun?.status).toMatch(/completed|failed/);
    expect(report.nextTickAt?.getUTCHours()).toBe(3);
  });

  it('lists runs per function with status, newest first, page by page', async () => {
    const all = await api.executor.runs({ functionId: fnId('report') });
    expect(all.items.map((r) => r.status).sort()).toEqual(['completed', 'failed', 'queued']);
    const failed = await api.executor.runs({ functionId: fnId('report'), status: ['failed'] });
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]).toMatchObject({ eventName: 'test/report', error: 'the printer is on fire', stepsDone: 2 });
    const page = await api.executor.runs({ functionId: fnId('report'), limit: 2 });
    expect(page.items).toHaveLength(2);
    const rest = await api.executor.runs({ functionId: fnId('report'), limit: 2, cursor: page.nextCursor! });
    expect([...page.items, ...rest.items].map((r) => r.id)).toEqual(all.items.map((r) => r.id));
    expect(rest.nextCursor).toBeNull();
  });

  it('shows one run with its steps, attempts and errors', async () => {
    const [failed] = (await api.executor.runs({ functionId: fnId('report'), status: ['failed'] })).items;
    const run = await api.executor.run({ runId: failed!.id });
    expect(run).toMatchObject({ functionName: 'Nightly report', status: 'failed', errorMessage: 'the printer is on fire' });
    expect(run.steps.map((s) => [s.name, s.status, s.attempt])).toEqual([
      ['collect', 'completed', 0],
      ['publish', 'retrying', 0],
      ['publish', 'failed', 1],
    ]);
    await expect(api.executor.run({ runId: 'no-such-run' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('lists recent failures: failed runs and failed or retried steps', async () => {
    const { runs, steps } = await api.executor.failures({ functionId: fnId('report') });
    expect(runs.map((r) => r.error)).toEqual(['the printer is on fire']);
    expect(steps.map((s) => [s.name, s.status])).toEqual([
      ['publish', 'failed'],
      ['publish', 'retrying'],
    ]);
  });
});
