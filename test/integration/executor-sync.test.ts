// Syncing through the SDK's own flow, cron triggers on a clock moved forward, failure handlers, and the
// signatures both ways: the serve endpoint runs nothing for an unsigned or badly signed call, and the executor
// trusts no unsigned answer.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq } from 'drizzle-orm';
import type { FailureEventArgs } from 'inngest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executorFunctions } from '@/db/schema';
import { nextFire, parseCron } from '@/server/executor/cron';
import { canonicalJson } from '@/server/lib/canonical';
import { fnId, startHarness, TEST_APP, type Harness } from '../helpers/executor';

let bodyRuns = 0;
let h: Harness;
beforeAll(async () => {
  h = await startHarness((inngest) => [
    inngest.createFunction({ id: 'guarded', triggers: [{ event: 'test/guarded' }] }, async ({ step }) => step.run('side-effect', () => ++bodyRuns)),
    inngest.createFunction({ id: 'ticker', triggers: [{ cron: '*/5 * * * *' }] }, async ({ event, step }) => step.run('tick', () => ({ name: event.name, cron: (event.data as { cron: string }).cron }))),
    inngest.createFunction(
      {
        id: 'fragile',
        retries: 0,
        triggers: [{ event: 'test/fragile' }],
        onFailure: async ({ error, event }: FailureEventArgs) => ({ handled: error.message, original: event.data.event.data }),
      },
      async () => {
        throw new Error('it broke');
      },
    ),
  ]);
});
afterAll(() => h.close());

const callBody = (runId: string) => ({
  event: { name: 'test/guarded', data: {}, id: 'e1', ts: Date.now() },
  events: [{ name: 'test/guarded', data: {}, id: 'e1', ts: Date.now() }],
  steps: {},
  ctx: { run_id: runId, attempt: 0, max_attempts: 4, disable_immediate_execution: false, use_api: false, stack: { stack: [], current: 0 } },
});

function sign(payload: string, key: string, ts = Math.floor(Date.now() / 1000)): string {
  return `t=${ts}&s=${createHmac('sha256', key.replace(/^signkey-\w+-/, '')).update(payload + ts).digest('hex')}`;
}

async function call(headers: Record<string, string>, payload: string) {
  const res = await fetch(`${h.serveUrl}?fnId=${fnId('guarded')}&stepId=step`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: payload });
  return res.status;
}

describe('embedded executor: sync', () => {
  it('registers the app’s functions through the SDK’s PUT and register flow', async () => {
    const rows = await h.database.db.select().from(executorFunctions).where(eq(executorFunctions.appId, TEST_APP));
    expect(rows.map((r) => r.id).sort()).toEqual([fnId('fragile'), fnId('fragile-failure'), fnId('guarded'), fnId('ticker')]);
    const ticker = rows.find((r) => r.id === fnId('ticker'))!;
    expect(ticker.url).toBe(h.serveUrl);
    expect(ticker.config).toMatchObject({ triggers: [{ cron: '*/5 * * * *' }] });
    // Nothing changed since the start.
    expect(await h.executor.sync()).toMatchObject({ modified: false });
  });

  it('refuses a sync without the signing key, and bad event keys (malformed percent-encoding too) and names', async () => {
    const register = await fetch(`${h.origin}/fn/register`, { method: 'POST', headers: { authorization: 'Bearer signkey-test-00', 'content-type': 'application/json' }, body: JSON.stringify({ url: h.serveUrl, appName: TEST_APP, functions: [] }) });
    expect(register.status).toBe(401);
    expect(await h.database.db.select().from(executorFunctions)).toHaveLength(4);
    const wrongKey = await fetch(`${h.origin}/api/executor/e/not-the-key`, { method: 'POST', body: JSON.stringify({ name: 'test/guarded', data: {} }) });
    expect(wrongKey.status).toBe(401);
    const badEncoding = await fetch(`${h.origin}/api/executor/e/%E0%A4%A`, { method: 'POST', body: JSON.stringify({ name: 'test/guarded', data: {} }) });
    expect(badEncoding.status).toBe(400);
    expect(await badEncoding.json()).toEqual({ error: 'the path is not valid percent-encoding', status: 400 });
    const reserved = await fetch(`${h.origin}/api/executor/e/${h.eventKey}`, { method: 'POST', body: JSON.stringify({ name: 'inngest/function.failed', data: {} }) });
    expect(reserved.status).toBe(400);
    expect(await reserved.json()).toMatchObject({ error: expect.stringMatching(/reserved/) });
    const unsignedSync = await fetch(h.serveUrl, { method: 'PUT' });
    expect(unsignedSync.status).toBe(401);
  });

  it('fails a sync whose cron schedule cannot be read, naming the function', async () => {
    await expect(
      h.executor.register({ url: h.serveUrl, appName: 'other-app', functions: [{ id: 'other-app-bad', triggers: [{ cron: '* * *' }], steps: { step: { id: 'step', runtime: { type: 'http', url: h.serveUrl } } } }] }),
    ).rejects.toThrow(/other-app-bad: cron "\* \* \*"/);
  });
});

describe('embedded executor: signatures', () => {
  it('the serve endpoint runs a call signed with the key, and nothing for one unsigned or badly signed', async () => {
    const payload = canonicalJson(callBody('run-sig'));
    expect(await call({}, payload)).toBe(401);
    expect(await call({ 'x-inngest-signature': sign(payload, `signkey-test-${'ab'.repeat(32)}`) }, payload)).toBe(401);
    // A valid signature of another body.
    expect(await call({ 'x-inngest-signature': sign(canonicalJson(callBody('run-other')), h.signingKey) }, payload)).toBe(401);
    // Replayed after six minutes.
    expect(await call({ 'x-inngest-signature': sign(payload, h.signingKey, Math.floor(Date.now() / 1000) - 360) }, payload)).toBe(401);
    expect(bodyRuns).toBe(0);
    expect(await call({ 'x-inngest-signature': sign(payload, h.signingKey) }, payload)).toBe(206);
    expect(bodyRuns).toBe(1);
  });

  it('the executor takes no unsigned answer as a step result', async () => {
    const fake = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('"forged"'));
    await new Promise<void>((r) => fake.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(fake.address() as AddressInfo).port}/api/inngest`;
    try {
      await h.executor.register({
        url,
        appName: 'forger',
        functions: [{ id: 'forger-fn', triggers: [{ event: 'test/forged' }], steps: { step: { id: 'step', runtime: { type: 'http', url: `${url}?fnId=forger-fn&stepId=step` }, retries: { attempts: 0 } } } }],
      });
      await h.inngest.send({ name: 'test/forged', data: {} });
      const run = await h.finished('forger-fn');
      expect(run.status).toBe('failed');
      expect(run.output).toBeNull();
      expect(run.error).toMatchObject({ message: expect.stringMatching(/not signed/) });
    } finally {
      fake.close();
    }
  });
});

describe('embedded executor: cron and failure handlers', () => {
  it('runs a cron function at each tick and keeps the next tick queued', async () => {
    const [first] = (await h.runs(fnId('ticker'))).filter((r) => r.status === 'queued');
    const due = nextFire(parseCron('*/5 * * * *'), h.clock.now());
    expect(first!.nextRunAt).toEqual(due);
    expect(first!.event).toMatchObject({ name: 'inngest/scheduled.timer', data: { cron: '*/5 * * * *' } });

    h.clock.advance(due.getTime() - h.clock.now().getTime() + 1000);
    const ran = await h.finished(fnId('ticker'));
    expect(ran.id).toBe(first!.id);
    expect(ran.output).toEqual({ name: 'inngest/scheduled.timer', cron: '*/5 * * * *' });
    const [second] = (await h.runs(fnId('ticker'))).filter((r) => r.status === 'queued');
    expect(second!.nextRunAt).toEqual(new Date(due.getTime() + 5 * 60_000));

    h.clock.advance(5 * 60_000);
    await h.until(async () => (await h.runs(fnId('ticker'))).filter((r) => r.status === 'completed').length === 2, 5_000, 'the second tick');
    expect((await h.runs(fnId('ticker'))).filter((r) => r.status === 'queued')).toHaveLength(1);
  });

  it('runs the onFailure handler with the error when a function fails', async () => {
    await h.inngest.send({ name: 'test/fragile', data: { order: 7 } });
    const failed = await h.finished(fnId('fragile'));
    expect(failed.status).toBe('failed');
    const handler = await h.finished(fnId('fragile-failure'));
    expect(handler.status).toBe('completed');
    expect(handler.output).toEqual({ handled: 'it broke', original: { order: 7 } });
  });

  it('cancels the queued tick of a schedule that changed, and of functions no longer served', async () => {
    const [tick] = (await h.runs(fnId('ticker'))).filter((r) => r.status === 'queued');
    const rows = await h.database.db.select().from(executorFunctions).where(eq(executorFunctions.appId, TEST_APP));
    const configs = rows.map((r) => (r.id === fnId('ticker') ? { ...r.config, triggers: [{ cron: '0 * * * *' }] } : r.config));
    expect(await h.executor.register({ url: h.serveUrl, appName: TEST_APP, functions: configs })).toMatchObject({ modified: true });
    expect((await h.run(tick!.id)).status).toBe('cancelled');
    const [hourly] = (await h.runs(fnId('ticker'))).filter((r) => r.status === 'queued');
    expect(hourly!.nextRunAt!.getUTCMinutes()).toBe(0);

    expect(await h.executor.register({ url: h.serveUrl, appName: TEST_APP, functions: configs.filter((c) => c.id !== fnId('ticker')) })).toMatchObject({ modified: true, removed: [fnId('ticker')] });
    expect((await h.run(hourly!.id)).status).toBe('cancelled');
    // The next sync from the SDK puts it back.
    expect(await h.executor.sync()).toMatchObject({ modified: true });
    expect((await h.runs(fnId('ticker'))).filter((r) => r.status === 'queued')).toHaveLength(1);
  });
});
