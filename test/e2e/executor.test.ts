// The embedded executor in the built app: a run survives the process being killed mid-step — after a restart on
// the same data folder (and database) it completes, and no completed step runs again.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Inngest } from 'inngest';
import { afterAll, describe, expect, it } from 'vitest';
import { testStepsEvent } from '@/inngest/events';
import { eventKeyFor } from '@/server/executor/settings';
import { chromiumAvailable, launchBrowser } from './browser';
import { startServer, type RunningServer } from './server';

const signingKey = `signkey-test-${randomBytes(32).toString('hex')}`;
const env = { SLIPWAY_TEST_FUNCTIONS: 'on', INNGEST_SIGNING_KEY: signingKey };
const servers: RunningServer[] = [];
afterAll(async () => {
  // The later start borrowed the first one's data folder and database; the first one removes them.
  for (const s of servers.reverse()) await s.stop();
});

async function until<T>(check: () => Promise<T | null | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const logLines = async (dataDir: string) => (await readFile(path.join(dataDir, 'test-steps.log'), 'utf8').catch(() => '')).split('\n').filter(Boolean);

type Run = { id: string; status: string; functionId: string };
async function runs(server: RunningServer): Promise<Run[]> {
  const input = encodeURIComponent(JSON.stringify({ json: { functionId: 'slipway-test-steps' } }));
  const res = await fetch(`${server.url}/api/trpc/executor.runs?input=${input}`, { headers: { authorization: `Bearer ${server.bootstrapToken}` } });
  if (!res.ok) throw new Error(`executor.runs answered ${res.status}`);
  return ((await res.json()) as { result: { data: { json: { items: Run[] } } } }).result.data.json.items;
}

async function functionIds(server: RunningServer): Promise<string[]> {
  const res = await fetch(`${server.url}/api/trpc/executor.functions`, { headers: { authorization: `Bearer ${server.bootstrapToken}` } });
  if (!res.ok) return [];
  return ((await res.json()) as { result: { data: { json: { functions: { id: string }[] } } } }).result.data.json.functions.map((f) => f.id);
}

describe('embedded executor in the running app', () => {
  it('resumes a run killed mid-step after a restart, without running completed steps again', async () => {
    const first = await startServer(env);
    servers.push(first);
    expect(await (await fetch(`${first.url}/api/health`)).json()).toMatchObject({ jobs: { kind: 'embedded' } });
    // The app's serve endpoint runs nothing for an unsigned or badly signed call, and takes no unsigned sync.
    const call = JSON.stringify({ event: { name: 'slipway/ping', data: {} }, events: [], steps: {}, ctx: { run_id: 'forged', attempt: 0, stack: { stack: [], current: 0 } } });
    const forged = await fetch(`${first.url}/api/inngest?fnId=slipway-ping&stepId=step`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: call });
    expect(forged.status).toBe(401);
    const badlySigned = await fetch(`${first.url}/api/inngest?fnId=slipway-ping&stepId=step`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-inngest-signature': `t=${Math.floor(Date.now() / 1000)}&s=${'0'.repeat(64)}` },
      body: call,
    });
    expect(badlySigned.status).toBe(401);
    expect((await fetch(`${first.url}/api/inngest`, { method: 'PUT' })).status).toBe(401);
    expect((await fetch(`${first.url}/api/executor/e/wrong-key`, { method: 'POST', body: '{"name":"slipway/ping","data":{}}' })).status).toBe(401);

    // Events go in as an application would send them: the SDK's client, the app's event URL and key.
    const sender = new Inngest({ id: 'e2e-sender', isDev: false, baseUrl: `${first.url}/api/executor/`, eventKey: eventKeyFor(signingKey), signingKey });
    // The executor syncs the app's functions just after the server starts listening.
    await until(async () => (await functionIds(first)).includes('slipway-test-steps'), 20_000, 'the first sync');
    await sender.send(testStepsEvent.create({ label: 'crash', slowMs: 3_000 }));

    await until(async () => (await logLines(first.dataDir)).includes('crash slow-start'), 20_000, 'the slow step to start');
    await first.kill();
    expect(await logLines(first.dataDir)).toEqual(['crash first', 'crash slow-start']);

    const second = await startServer(env, { dataDir: first.dataDir, databaseUrl: first.databaseUrl ?? undefined });
    servers.push(second);
    // With PostgreSQL the dead process's lease must run out first (30 s); the embedded database frees it at start.
    const [run] = await until(async () => {
      const list = await runs(second);
      return list.length === 1 && list[0]!.status === 'completed' ? list : null;
    }, 60_000, 'the run to complete after the restart');
    expect(run!.status).toBe('completed');
    const lines = await logLines(first.dataDir);
    // The slow step was cut off, so it ran again; the first step had completed and did not.
    expect(lines).toEqual(['crash first', 'crash slow-start', 'crash slow-start', 'crash slow-end', 'crash last']);

    const detail = await fetch(`${second.url}/api/trpc/executor.run?input=${encodeURIComponent(JSON.stringify({ json: { runId: run!.id } }))}`, {
      headers: { authorization: `Bearer ${second.bootstrapToken}` },
    });
    const steps = ((await detail.json()) as { result: { data: { json: { steps: { name: string; status: string; error: string | null }[] } } } }).result.data.json.steps;
    expect(steps.map((s) => `${s.name}:${s.status}`)).toEqual(['first:completed', 'slow:completed', 'last:completed']);
  }, 150_000);

  it.runIf(chromiumAvailable())('shows the function, the run and its steps under Settings → Jobs', async () => {
    const server = servers[servers.length - 1]!;
    // The admin account dates from the first start.
    const { adminEmail, adminPassword } = servers[0]!;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      page.setDefaultTimeout(10_000);
      await page.goto(`${server.url}/sign-in`);
      await page.getByLabel('Email', { exact: true }).fill(adminEmail);
      await page.getByLabel('Password', { exact: true }).fill(adminPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL((url) => url.pathname === '/');
      await page.goto(`${server.url}/settings`);
      await page.getByRole('link', { name: /Jobs/ }).click();
      await page.waitForURL(/\/settings\/jobs$/);
      await page.getByText('embedded executor').waitFor();
      const functions = page.getByRole('table', { name: 'Functions' });
      await functions.getByText('slipway-test-steps').waitFor();
      await functions.getByText('slipway/test.steps').waitFor();
      const row = functions.getByRole('row').filter({ hasText: 'slipway-test-steps' });
      await row.getByText('1 completed').waitFor();
      await row.getByRole('button', { name: 'Show' }).click();
      // The run of this function (the recovery sweep's cron runs are listed too until the list narrows to it).
      const run = page.getByRole('table', { name: 'Runs' }).getByRole('row').filter({ hasText: 'slipway/test.steps' });
      await run.getByText('completed').waitFor();
      await run.getByRole('button').first().click();
      const steps = page.getByRole('table', { name: 'Steps' });
      await steps.getByText('last').waitFor();
      expect(await steps.getByRole('row').count()).toBe(4);
      await page.getByText('Nothing failed lately.').waitFor();
    } finally {
      await browser.close();
    }
  }, 60_000);
});
