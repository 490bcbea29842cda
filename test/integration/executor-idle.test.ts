// The embedded executor is the only writer of its runs, so it sleeps until work comes due instead of polling: a
// sleep, a retry and a wait's timeout still happen on time, and an idle executor looks at its tables a few times
// a second at most, not forty.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnId, startHarness, type Harness } from '../helpers/executor';

let h: Harness;
let rounds = 0;
const attempts: number[] = [];

beforeAll(async () => {
  h = await startHarness(
    (inngest) => [
      inngest.createFunction({ id: 'napper', triggers: [{ event: 'test/nap' }] }, async ({ step }) => {
        const before = await step.run('before', () => Date.now());
        await step.sleep('nap', '1s');
        const after = await step.run('after', () => Date.now());
        return { slept: after - before };
      }),
      inngest.createFunction({ id: 'waiter', triggers: [{ event: 'test/wait' }] }, async ({ step }) => {
        const started = await step.run('start', () => Date.now());
        const event = await step.waitForEvent('never', { event: 'test/never', timeout: '1s' });
        return { event, waited: (await step.run('end', () => Date.now())) - started };
      }),
      inngest.createFunction({ id: 'retrier', retries: 1, triggers: [{ event: 'test/retry' }] }, async ({ step }) =>
        step.run('flaky', () => {
          attempts.push(Date.now());
          if (attempts.length < 2) throw new Error('first attempt fails');
          return 'done';
        }),
      ),
    ],
    // The real clock and an embedded database's sole executor: the loop may sleep until the next due time.
    { clock: undefined, soleWorker: true, pollIntervalMs: 25, retryDelayMs: () => 700 },
  );
  const tick = h.executor.tick.bind(h.executor);
  h.executor.tick = () => {
    rounds += 1;
    return tick();
  };
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe('embedded executor without polling', () => {
  it('wakes for a sleep, a wait’s timeout and a retry when they come due', async () => {
    await h.inngest.send([{ name: 'test/nap', data: {} }, { name: 'test/wait', data: {} }, { name: 'test/retry', data: {} }]);
    const [nap, wait, retry] = await Promise.all([h.finished(fnId('napper'), 15_000), h.finished(fnId('waiter'), 15_000), h.finished(fnId('retrier'), 15_000)]);
    expect(nap.status).toBe('completed');
    const slept = (nap.output as { slept: number }).slept;
    expect(slept).toBeGreaterThanOrEqual(1000);
    // Due after 1 s, seen within the sleep's own rounding and a loop turn, not at the 5 s idle bound.
    expect(slept).toBeLessThan(2300);
    expect(wait.status).toBe('completed');
    expect(wait.output).toMatchObject({ event: null });
    expect((wait.output as { waited: number }).waited).toBeLessThan(2500);
    expect(retry.status).toBe('completed');
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(700);
    expect(attempts[1]! - attempts[0]!).toBeLessThan(2000);
  });

  it('idles without querying for work every poll interval', async () => {
    const before = rounds;
    await new Promise((r) => setTimeout(r, 1_500));
    // Polling every 25 ms would be ~60 rounds; with nothing due the loop sleeps up to its 5 s bound.
    expect(rounds - before).toBeLessThanOrEqual(2);
  });

  it('still starts a new run at once when an event arrives', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const sentAt = Date.now();
    await h.inngest.send({ name: 'test/nap', data: {} });
    const first = await h.until(async () => (await h.runs(fnId('napper'))).find((r) => r.status !== 'completed' && r.startedAt), 5_000, 'the second nap to start');
    expect(first.startedAt!.getTime() - sentAt).toBeLessThan(1_000);
  });
});
