// The embedded executor runs real Inngest functions through the SDK's protocol: memoized steps, retries and
// their limits, step errors reaching the function, sleeps, parallel steps, sendEvent and invoke.
import { NonRetriableError, referenceFunction, RetryAfterError } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fnId, startHarness, type Harness } from '../helpers/executor';

const counts = new Map<string, number>();
const bump = (key: string) => {
  const n = (counts.get(key) ?? 0) + 1;
  counts.set(key, n);
  return n;
};
const times = new Map<string, number[]>();
const mark = (key: string) => times.set(key, [...(times.get(key) ?? []), Date.now()]);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: Harness;
beforeAll(async () => {
  h = await startHarness((inngest) => [
    inngest.createFunction({ id: 'memo', triggers: [{ event: 'test/memo' }] }, async ({ step }) => {
      bump('memo:calls');
      const a = await step.run('a', () => bump('memo:a'));
      const b = await step.run('b', () => bump('memo:b') + a);
      return { a, b };
    }),
    inngest.createFunction({ id: 'flaky', retries: 3, triggers: [{ event: 'test/flaky' }] }, async ({ step }) => {
      const value = await step.run('flaky-step', () => {
        if (bump('flaky') < 3) throw new Error(`attempt ${counts.get('flaky')} failed`);
        return 'third time lucky';
      });
      return value;
    }),
    inngest.createFunction({ id: 'non-retriable', retries: 3, triggers: [{ event: 'test/non-retriable' }] }, async ({ step }) => {
      await step.run('refuse', () => {
        bump('non-retriable');
        throw new NonRetriableError('the order does not exist');
      });
      return 'unreachable';
    }),
    inngest.createFunction({ id: 'exhausted', retries: 1, triggers: [{ event: 'test/exhausted' }] }, async ({ step }) => {
      try {
        await step.run('always-fails', () => {
          bump('exhausted');
          throw new TypeError('upstream is down');
        });
        return 'unreachable';
      } catch (err) {
        return { caught: (err as Error).message, name: (err as Error).name };
      }
    }),
    inngest.createFunction({ id: 'retry-after', retries: 2, triggers: [{ event: 'test/retry-after' }] }, async ({ step }) => {
      return step.run('rate-limited', () => {
        mark('retry-after');
        if (bump('retry-after') === 1) throw new RetryAfterError('rate limited', 1000);
        return 'ok';
      });
    }),
    inngest.createFunction({ id: 'function-error', retries: 2, triggers: [{ event: 'test/function-error' }] }, async ({ attempt }) => {
      bump('function-error');
      if (attempt === 0) throw new Error('not ready yet');
      return { attempt };
    }),
    inngest.createFunction({ id: 'sleeper', triggers: [{ event: 'test/sleep' }] }, async ({ step }) => {
      const before = await step.run('before', () => Date.now());
      await step.sleep('nap', '1s');
      const after = await step.run('after', () => Date.now());
      return { slept: after - before };
    }),
    inngest.createFunction({ id: 'parallel', triggers: [{ event: 'test/parallel' }] }, async ({ step }) => {
      const results = await Promise.all(
        ['x', 'y', 'z'].map((k) =>
          step.run(`work-${k}`, async () => {
            bump(`parallel:${k}`);
            mark('parallel');
            await pause(300);
            mark('parallel-end');
            return k.toUpperCase();
          }),
        ),
      );
      const joined = await step.run('join', () => results.join(''));
      return joined;
    }),
    inngest.createFunction({ id: 'announcer', triggers: [{ event: 'test/announce' }] }, async ({ event, step }) => {
      const sent = await step.sendEvent('tell-listeners', { name: 'test/announced', data: { text: `hello ${event.data.who}` } });
      return sent;
    }),
    inngest.createFunction({ id: 'listener', triggers: [{ event: 'test/announced' }] }, async ({ event }) => ({ heard: event.data.text })),
    inngest.createFunction({ id: 'adder', triggers: [] }, async ({ event, step }) => step.run('add', () => (event.data.a as number) + (event.data.b as number))),
    inngest.createFunction({ id: 'refuser', triggers: [] }, async () => {
      throw new NonRetriableError('cannot add today');
    }),
    inngest.createFunction({ id: 'caller', triggers: [{ event: 'test/invoke' }] }, async ({ step }) => {
      const sum = await step.invoke('add-numbers', { function: referenceFunction({ functionId: 'adder' }), data: { a: 2, b: 3 } }).catch(() => 'failed');
      const refused = await step.invoke('ask-refuser', { function: referenceFunction({ functionId: 'refuser' }), data: {} }).then(
        () => 'accepted',
        (err: Error) => err.message,
      );
      return { sum, refused };
    }),
  ]);
});
afterAll(() => h.close());

describe('embedded executor: steps', () => {
  it('runs each completed step once while the function is called again and again', async () => {
    await h.inngest.send({ name: 'test/memo', data: {} });
    const run = await h.finished(fnId('memo'));
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ a: 1, b: 2 });
    expect(counts.get('memo:a')).toBe(1);
    expect(counts.get('memo:b')).toBe(1);
    // Once to run a, once to run b, once to return: every call replays the memoized steps.
    expect(counts.get('memo:calls')).toBe(3);
    expect(Object.keys(run.steps)).toHaveLength(2);
    expect(run.stack).toHaveLength(2);
    const history = await h.history(run.id);
    expect(history.map((s) => [s.name, s.status])).toEqual([
      ['a', 'completed'],
      ['b', 'completed'],
    ]);
  });

  it('retries a failing step until it passes, counting attempts per step', async () => {
    await h.inngest.send({ name: 'test/flaky', data: {} });
    const run = await h.finished(fnId('flaky'));
    expect(run.status).toBe('completed');
    expect(run.output).toBe('third time lucky');
    expect(counts.get('flaky')).toBe(3);
    const history = await h.history(run.id);
    expect(history.map((s) => [s.status, s.attempt])).toEqual([
      ['retrying', 0],
      ['retrying', 1],
      ['completed', 2],
    ]);
    expect(history[0]!.error).toMatchObject({ message: 'attempt 1 failed' });
    expect(run.attempt).toBe(0);
  });

  it('fails at once on a NonRetriableError', async () => {
    await h.inngest.send({ name: 'test/non-retriable', data: {} });
    const run = await h.finished(fnId('non-retriable'));
    expect(run.status).toBe('failed');
    expect(counts.get('non-retriable')).toBe(1);
    expect(run.error).toMatchObject({ name: 'NonRetriableError', message: 'the order does not exist' });
    expect((await h.history(run.id)).map((s) => s.status)).toEqual(['failed']);
  });

  it('hands a step’s final error to the function, which may catch it', async () => {
    await h.inngest.send({ name: 'test/exhausted', data: {} });
    const run = await h.finished(fnId('exhausted'));
    // retries: 1 → two attempts, then the function sees the error.
    expect(counts.get('exhausted')).toBe(2);
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ caught: 'upstream is down', name: 'TypeError' });
  });

  it('waits as long as a RetryAfterError asks before retrying', async () => {
    await h.inngest.send({ name: 'test/retry-after', data: {} });
    const run = await h.finished(fnId('retry-after'));
    expect(run.status).toBe('completed');
    const [first, second] = times.get('retry-after')!;
    // The harness retries after 50 ms; the step asked for a second.
    expect(second! - first!).toBeGreaterThanOrEqual(900);
  });

  it('retries a function that throws outside any step, with the next attempt number', async () => {
    await h.inngest.send({ name: 'test/function-error', data: {} });
    const run = await h.finished(fnId('function-error'));
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ attempt: 1 });
    expect(counts.get('function-error')).toBe(2);
  });

  it('sleeps between steps and resumes afterwards', async () => {
    await h.inngest.send({ name: 'test/sleep', data: {} });
    const sleeping = await h.until(async () => (await h.runs(fnId('sleeper'))).find((r) => r.status === 'sleeping'), 5_000, 'a sleeping run');
    expect(sleeping.steps).not.toHaveProperty('nap');
    const run = await h.finished(fnId('sleeper'));
    expect(run.status).toBe('completed');
    expect((run.output as { slept: number }).slept).toBeGreaterThanOrEqual(1000);
    expect((await h.history(run.id)).map((s) => [s.name, s.status])).toEqual([
      ['before', 'completed'],
      ['nap', 'sleeping'],
      ['nap', 'completed'],
      ['after', 'completed'],
    ]);
  });

  it('runs planned parallel steps at the same time, each once', async () => {
    await h.inngest.send({ name: 'test/parallel', data: {} });
    const run = await h.finished(fnId('parallel'));
    expect(run.status).toBe('completed');
    expect(run.output).toBe('XYZ');
    for (const k of ['x', 'y', 'z']) expect(counts.get(`parallel:${k}`)).toBe(1);
    // Run at the same time, every step started before any of them ended; one after another, none would have.
    const starts = times.get('parallel')!;
    const ends = times.get('parallel-end')!;
    expect(Math.max(...starts)).toBeLessThan(Math.min(...ends));
    const history = await h.history(run.id);
    expect(history.filter((s) => s.op === 'StepPlanned')).toHaveLength(3);
    expect(history.filter((s) => s.status === 'completed').map((s) => s.name).sort()).toEqual(['join', 'work-x', 'work-y', 'work-z']);
  });

  it('delivers step.sendEvent to the functions it triggers', async () => {
    await h.inngest.send({ name: 'test/announce', data: { who: 'world' } });
    const announcer = await h.finished(fnId('announcer'));
    expect(announcer.status).toBe('completed');
    const ids = (announcer.output as { ids: string[] }).ids;
    expect(ids).toHaveLength(1);
    const listener = await h.finished(fnId('listener'));
    expect(listener.output).toEqual({ heard: 'hello world' });
    expect((listener.event as { id: string }).id).toBe(ids[0]);
  });

  it('invokes other functions and resumes with their result or their error', async () => {
    await h.inngest.send({ name: 'test/invoke', data: {} });
    const run = await h.finished(fnId('caller'));
    expect(run.status).toBe('completed');
    expect(run.output).toEqual({ sum: 5, refused: 'cannot add today' });
    const [child] = await h.runs(fnId('adder'));
    expect(child).toMatchObject({ status: 'completed', output: 5, parentRunId: run.id });
    expect(child!.event).toMatchObject({ name: 'inngest/function.invoked', data: { a: 2, b: 3 } });
    const [refused] = await h.runs(fnId('refuser'));
    expect(refused).toMatchObject({ status: 'failed', parentRunId: run.id });
  });
});
