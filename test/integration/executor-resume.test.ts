// Runs survive the worker: a run leased by a worker that died is picked up by another once the lease ends (at
// once with an embedded database, where no other process can hold leases), without repeating completed steps;
// and a worker that lost its lease cannot move the run on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Executor } from '@/server/executor';
import { applyResults } from '@/server/executor/apply';
import { claimDueRuns } from '@/server/executor/claim';
import { expireWaits } from '@/server/executor/waits';
import { fnId, startHarness, type Harness } from '../helpers/executor';

const ran: string[] = [];
let h: Harness;
let second: Executor | null = null;

beforeAll(async () => {
  h = await startHarness((inngest) => [
    inngest.createFunction({ id: 'two-steps', triggers: [{ event: 'test/resume' }] }, async ({ event, step }) => {
      await step.run('one', () => ran.push(`one:${event.data.n}`));
      await step.sleep('between', '1s');
      await step.run('two', () => ran.push(`two:${event.data.n}`));
      return 'done';
    }),
  ]);
});
afterAll(async () => {
  await second?.stop(1_000);
  await h.close();
});

describe('embedded executor: resuming', () => {
  it('resumes a run whose worker died, after its lease, without repeating completed steps', async () => {
    await h.inngest.send({ name: 'test/resume', data: { n: 1 } });
    const sleeping = await h.until(async () => (await h.runs(fnId('two-steps'))).find((r) => r.status === 'sleeping'), 5_000, 'a sleeping run');
    expect(ran).toEqual(['one:1']);
    await h.executor.stop();

    // A worker claims the run when the sleep is over, and dies before calling the SDK.
    h.clock.advance(1_500);
    await expireWaits(h.database.db, h.clock.now());
    const [claimed] = await claimDueRuns(h.database.db, h.clock.now(), 1, 1_500);
    expect(claimed?.run.id).toBe(sleeping.id);

    second = new Executor({ db: h.database.db, serveUrl: h.serveUrl, signingKey: h.signingKey, eventKey: h.eventKey, clock: h.clock.now, pollIntervalMs: 25, leaseMs: 5_000, retryDelayMs: () => 50 });
    await second.start();
    await new Promise((r) => setTimeout(r, 500));
    // Still leased by the dead worker.
    expect((await h.run(sleeping.id)).status).toBe('running');
    expect(ran).toEqual(['one:1']);

    const done = await h.until(async () => ((await h.run(sleeping.id)).status === 'completed' ? h.run(sleeping.id) : null), 5_000, 'the resumed run');
    expect(done.output).toBe('done');
    expect(ran).toEqual(['one:1', 'two:1']);
  });

  it('releases leases at start when it is the only worker', async () => {
    await second!.stop();
    second = null;
    await h.inngest.send({ name: 'test/resume', data: { n: 2 } });
    // Nothing runs it yet: queue it, and lease it to a worker that dies at once.
    const [claimed] = await h.until<Awaited<ReturnType<typeof claimDueRuns>>>(async () => {
      const got = await claimDueRuns(h.database.db, h.clock.now(), 1, 60_000);
      return got.length ? got : null;
    }, 5_000, 'a claimable run');
    second = new Executor({ db: h.database.db, serveUrl: h.serveUrl, signingKey: h.signingKey, eventKey: h.eventKey, clock: h.clock.now, pollIntervalMs: 25, leaseMs: 60_000, soleWorker: true });
    await second.start();
    await h.until(async () => (await h.run(claimed!.run.id)).status === 'sleeping', 5_000, 'the run to reach its sleep');
    expect(ran).toEqual(['one:1', 'two:1', 'one:2']);
  });

  it('drops the results of a worker that lost its lease', async () => {
    await second!.stop();
    second = null;
    const run = (await h.runs(fnId('two-steps'))).find((r) => r.status === 'sleeping')!;
    h.clock.advance(1_500);
    await expireWaits(h.database.db, h.clock.now());
    const [first] = await claimDueRuns(h.database.db, h.clock.now(), 1, 1_000);
    // The first worker's lease ends and another worker takes the run.
    h.clock.advance(2_000);
    const [taken] = await claimDueRuns(h.database.db, h.clock.now(), 1, 60_000);
    expect(taken!.run.id).toBe(run.id);
    const fn = first!.fn!;
    const status = await applyResults(h.database.db, {
      run: first!.run,
      fn,
      lease: first!.lease,
      results: [{ stepId: null, outcome: { kind: 'done', output: 'stale' } }],
      now: h.clock.now(),
      retryDelayMs: () => 0,
      log: h.executor.log,
    });
    expect(status).toBeNull();
    expect((await h.run(run.id)).status).toBe('running');
    expect((await h.run(run.id)).output).toBeNull();
  });
});
