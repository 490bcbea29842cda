// Events drive the embedded executor: triggers with expressions, waitForEvent with match, if and timeout,
// cancelOn, concurrency limits with keys, idempotency keys and duplicate events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnId, startHarness, type Harness } from '../helpers/executor';

const spans = new Map<string, { start: number; end: number }[]>();
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const afterSleep = new Set<number>();

let h: Harness;
beforeAll(async () => {
  h = await startHarness((inngest) => [
    inngest.createFunction({ id: 'approval-match', triggers: [{ event: 'test/order.placed' }] }, async ({ step }) => {
      const approval = await step.waitForEvent('approval', { event: 'test/order.approved', match: 'data.orderId', timeout: '10s' });
      return approval ? { approvedBy: approval.data.by, orderId: approval.data.orderId } : null;
    }),
    inngest.createFunction({ id: 'approval-if', triggers: [{ event: 'test/review.requested' }] }, async ({ step }) => {
      const decision = await step.waitForEvent('decision', { event: 'test/review.decided', if: 'async.data.approved == true && event.data.docId == async.data.docId', timeout: '10s' });
      return decision?.data ?? null;
    }),
    inngest.createFunction({ id: 'approval-timeout', triggers: [{ event: 'test/quiet' }] }, async ({ step }) => {
      const nothing = await step.waitForEvent('never', { event: 'test/never', timeout: '1s' });
      const after = await step.run('after-timeout', () => 'resumed');
      return { nothing, after };
    }),
    inngest.createFunction(
      { id: 'cancellable', triggers: [{ event: 'test/job.started' }], cancelOn: [{ event: 'test/job.cancelled', match: 'data.jobId' }] },
      async ({ event, step }) => {
        await step.run('first', () => 'done');
        await step.sleep('long-wait', '30s');
        await step.run('after-sleep', () => afterSleep.add(event.data.jobId as number));
        return 'finished';
      },
    ),
    inngest.createFunction({ id: 'one-per-user', concurrency: { limit: 1, key: 'event.data.user' }, triggers: [{ event: 'test/work' }] }, async ({ event, step }) => {
      await step.run('busy', async () => {
        const start = Date.now();
        await pause(250);
        const user = event.data.user as string;
        spans.set(user, [...(spans.get(user) ?? []), { start, end: Date.now() }]);
      });
      return event.data.user;
    }),
    inngest.createFunction({ id: 'charge', idempotency: 'event.data.orderId', triggers: [{ event: 'test/charge' }] }, async ({ event }) => event.data.orderId),
    inngest.createFunction({ id: 'big-orders', triggers: [{ event: 'test/order.total', if: 'event.data.amount > 100' }] }, async ({ event }) => event.data.amount),
    inngest.createFunction({ id: 'dedupe', triggers: [{ event: 'test/dedupe' }] }, async ({ event }) => event.id),
  ]);
});
afterAll(() => h.close());

// The event API answers after ingestion has committed: every run an event starts, every wait it ends and every
// run it cancels is recorded when `send` returns, so "nothing else happened" is checked right after it, without
// waiting for a while.
describe('embedded executor: events', () => {
  it('resumes a waitForEvent with the event that matches its field', async () => {
    await h.inngest.send({ name: 'test/order.placed', data: { orderId: 'o-1' } });
    await h.until(async () => (await h.runs(fnId('approval-match')))[0]?.status === 'waiting', 5_000, 'a waiting run');
    await h.inngest.send({ name: 'test/order.approved', data: { orderId: 'o-2', by: 'someone else' } });
    expect((await h.runs(fnId('approval-match')))[0]!.status).toBe('waiting');
    await h.inngest.send({ name: 'test/order.approved', data: { orderId: 'o-1', by: 'ana' } });
    const run = await h.finished(fnId('approval-match'));
    expect(run.output).toEqual({ approvedBy: 'ana', orderId: 'o-1' });
  });

  it('resumes a waitForEvent only when its if expression holds', async () => {
    await h.inngest.send({ name: 'test/review.requested', data: { docId: 9 } });
    await h.until(async () => (await h.runs(fnId('approval-if')))[0]?.status === 'waiting', 5_000, 'a waiting run');
    await h.inngest.send([
      { name: 'test/review.decided', data: { docId: 9, approved: false } },
      { name: 'test/review.decided', data: { docId: 8, approved: true } },
    ]);
    expect((await h.runs(fnId('approval-if')))[0]!.status).toBe('waiting');
    await h.inngest.send({ name: 'test/review.decided', data: { docId: 9, approved: true, note: 'ship it' } });
    const run = await h.finished(fnId('approval-if'));
    expect(run.output).toEqual({ docId: 9, approved: true, note: 'ship it' });
  });

  it('resumes a waitForEvent with null when its timeout passes', async () => {
    await h.inngest.send({ name: 'test/quiet', data: {} });
    const run = await h.finished(fnId('approval-timeout'), 5_000);
    expect(run.output).toEqual({ nothing: null, after: 'resumed' });
  });

  it('cancels the runs an event matches through cancelOn, and only those', async () => {
    await h.inngest.send([
      { name: 'test/job.started', data: { jobId: 1 } },
      { name: 'test/job.started', data: { jobId: 2 } },
    ]);
    await h.until(async () => (await h.runs(fnId('cancellable'))).filter((r) => r.status === 'sleeping').length === 2, 5_000, 'two sleeping runs');
    await h.inngest.send({ name: 'test/job.cancelled', data: { jobId: 1 } });
    const cancelled = await h.finished(fnId('cancellable'));
    expect(cancelled.status).toBe('cancelled');
    expect((cancelled.event as { data: { jobId: number } }).data.jobId).toBe(1);
    expect(cancelled.cancelReason).toMatch(/test\/job\.cancelled/);
    const other = (await h.runs(fnId('cancellable'))).find((r) => r.id !== cancelled.id)!;
    expect(other.status).toBe('sleeping');
    // The cancelled run's sleep is over for good: moving past it resumes only the other run.
    h.clock.advance(31_000);
    await h.until(async () => (await h.run(other.id)).status === 'completed', 5_000, 'the other run to finish');
    expect([...afterSleep]).toEqual([2]);
    expect((await h.run(cancelled.id)).status).toBe('cancelled');
  });

  it('runs at most one step at a time per concurrency key', async () => {
    await h.inngest.send([
      { name: 'test/work', data: { user: 'u1' } },
      { name: 'test/work', data: { user: 'u1' } },
      { name: 'test/work', data: { user: 'u1' } },
      { name: 'test/work', data: { user: 'u2' } },
    ]);
    await h.until(async () => (await h.runs(fnId('one-per-user'))).every((r) => r.status === 'completed') && (await h.runs(fnId('one-per-user'))).length === 4, 10_000, 'four runs');
    const u1 = spans.get('u1')!.sort((a, b) => a.start - b.start);
    expect(u1).toHaveLength(3);
    for (let i = 1; i < u1.length; i++) expect(u1[i]!.start).toBeGreaterThanOrEqual(u1[i - 1]!.end);
    // Another key is not held back: u2 ran while the u1 runs were still queued.
    const u2 = spans.get('u2')![0]!;
    expect(u2.start).toBeLessThan(u1[2]!.start);
    expect((await h.runs(fnId('one-per-user'))).map((r) => r.concurrencyKey).sort()).toEqual(['u1', 'u1', 'u1', 'u2']);
  });

  it('starts one run per idempotency key', async () => {
    await h.inngest.send([
      { name: 'test/charge', data: { orderId: 'a' } },
      { name: 'test/charge', data: { orderId: 'a' } },
      { name: 'test/charge', data: { orderId: 'b' } },
    ]);
    await h.inngest.send({ name: 'test/charge', data: { orderId: 'a' } });
    await h.until(async () => (await h.runs(fnId('charge'))).filter((r) => r.status === 'completed').length === 2, 5_000, 'two charges');
    const runs = await h.runs(fnId('charge'));
    expect(runs.map((r) => r.output).sort()).toEqual(['a', 'b']);
  });

  it('starts runs only for events that pass the trigger expression', async () => {
    await h.inngest.send([
      { name: 'test/order.total', data: { amount: 50 } },
      { name: 'test/order.total', data: { amount: 150 } },
    ]);
    const run = await h.finished(fnId('big-orders'));
    expect(run.output).toBe(150);
    expect(await h.runs(fnId('big-orders'))).toHaveLength(1);
  });

  it('takes an event id once: a resent event starts nothing', async () => {
    const [first] = (await h.inngest.send({ id: 'evt-42', name: 'test/dedupe', data: {} })).ids;
    const [again] = (await h.inngest.send({ id: 'evt-42', name: 'test/dedupe', data: {} })).ids;
    expect(first).toBe('evt-42');
    expect(again).toBe('evt-42');
    const run = await h.finished(fnId('dedupe'));
    expect(run.output).toBe('evt-42');
    expect(await h.runs(fnId('dedupe'))).toHaveLength(1);
  });
});
