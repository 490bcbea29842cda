// The release flow in the console, in Chromium, with two people in two browser contexts, on the demo with the
// reference model server: Ana (approver) sets production's rollout policy in the settings form, promotes
// support-bot#2 from its release page after reading the preview, and cannot approve her own request; Ben
// (approver) opens the request from the inbox and approves it with a comment; the environment page's live view
// follows the canary (with gateway traffic for its analysis) to "succeeded" with #2 at 100%; then Ben rolls
// production back in one click and #1 serves all of it again.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import OpenAI from 'openai';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser, openTab } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
const ANA = { email: 'ana@e2e.test', password: 'ana-password-123' };
const BEN = { email: 'ben@e2e.test', password: 'ben-password-123' };
const ENV_PATH = '/services/support-bot/environments/production';

let server: RunningServer;
let browser: Browser;
let contexts: BrowserContext[] = [];
let ana: Page;
let ben: Page;
let requestId = '';
// Gateway traffic while the canary bakes, so its analysis has figures for both releases.
let traffic: { stop: () => Promise<{ ok: number; failed: number }> } | null = null;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
/** Waits for what the page shows (data arrives over the network and the live view polls). */
const poll = <T>(fn: () => Promise<T> | T, opts: { timeout?: number; message?: string } = {}) => expect.poll(fn, { timeout: 15_000, interval: 100, ...opts });
const items = (list: Locator) => list.getByRole('listitem').allTextContents();
/** What the page shows, for a failed wait's message: the server's recent log too, so a stuck rollout says why. */
const context = async (page: Page) => `page ${page.url()}\n${(await page.locator('main').textContent().catch(() => '')) ?? ''}\n--- server log ---\n${server.output().slice(-4000)}`;

async function signedIn(who: { email: string; password: string }): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  contexts.push(ctx);
  const page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  return page;
}

function startTraffic(key: string) {
  const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/gw/support-bot/production/v1`, maxRetries: 0 });
  let stopped = false;
  let ok = 0;
  let failed = 0;
  const worker = async (i: number) => {
    for (let n = 0; !stopped; n++) {
      try {
        await client.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: `Question ${i}.${n}: how do I export my data?` }], max_tokens: 16 });
        ok += 1;
      } catch {
        failed += 1;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  const workers = [worker(0), worker(1)];
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
      return { ok, failed };
    },
  };
}

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer({
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(await freePort()),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml'),
    LOG_LEVEL: 'info',
  });
  await api().users.create.mutate({ email: ANA.email, name: 'Ana', role: 'approver', password: ANA.password });
  await api().users.create.mutate({ email: BEN.email, name: 'Ben', role: 'approver', password: BEN.password });
  // Not about gates (test/e2e/gates*.test.ts and test/integration/gates*.test.ts are): production requires none here.
  const production = await api().environments.get.query({ service: 'support-bot', environment: 'production' });
  await api().environments.update.mutate({ service: 'support-bot', environment: 'production', protection: { ...production.protection, requiredGates: [] } });
  const { key } = await api().gatewayKeys.create.mutate({ service: 'support-bot', name: 'release-flow e2e' });
  // The gateway learns of a new key within a second.
  const models = () => fetch(`${server.url}/gw/support-bot/production/v1/models`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
  for (const until = Date.now() + 5000; (await models()) !== 200; ) {
    if (Date.now() > until) throw new Error('the gateway did not take the new key');
    await new Promise((r) => setTimeout(r, 100));
  }
  traffic = startTraffic(key);
  browser = await launchBrowser();
  ana = await signedIn(ANA);
  ben = await signedIn(BEN);
});
afterAll(async () => {
  await traffic?.stop();
  for (const c of contexts) await c.close();
  contexts = [];
  await browser?.close();
  await server?.stop();
});

describe.runIf(enabled)('promote, approve, watch and roll back in the console', () => {
  it('sets production’s approvals and a quick canary with analysis in the settings form, in fractional minutes', async () => {
    await ana.goto(`${server.url}${ENV_PATH}?tab=settings`);
    const form = ana.getByRole('form', { name: 'Settings of production' });
    await form.getByLabel('Required approvals', { exact: true }).fill('1');
    await form.getByLabel('Allowed source branches', { exact: true }).fill('');
    await form.getByLabel('Approval timeout (minutes)', { exact: true }).fill('30');
    expect(await form.getByLabel('Strategy', { exact: true }).inputValue()).toBe('canary');
    // The demo's production canary has three steps: keep one, at 50% for 3 seconds.
    while ((await form.getByRole('button', { name: /^Remove step/ }).count()) > 1) await form.getByRole('button', { name: 'Remove step 2' }).click();
    await form.getByLabel('Step 1 weight %', { exact: true }).fill('50');
    await form.getByLabel('Bake (minutes)', { exact: true }).fill('0.05');
    await form.locator('summary', { hasText: 'Analysis' }).click();
    await form.getByLabel('Minimum requests', { exact: true }).fill('1');
    await form.getByLabel('Check every (seconds)', { exact: true }).fill('1');
    await form.getByLabel('Max p95 latency ratio', { exact: true }).fill('3');
    await form.getByLabel('Max p95 TTFT ratio', { exact: true }).fill('');
    await form.getByLabel('Wait when inconclusive (minutes)', { exact: true }).fill('0.75');
    await form.getByRole('button', { name: 'Save settings' }).click();
    await poll(() => text(form.getByRole('status'))).toContain('Settings saved.');

    const env = await api().environments.get.query({ service: 'support-bot', environment: 'production' });
    expect(env.protection).toMatchObject({ requiredApprovals: 1, allowedBranches: [], preventSelfApproval: true, approvalTimeoutMinutes: 30, notifySecret: null });
    expect(env.rollout).toMatchObject({ strategy: 'canary', steps: [{ weight: 50, bakeMinutes: 0.05 }], autoRollback: true });
    expect(env.rollout.analysis).toMatchObject({ minSamples: 1, intervalSeconds: 1, maxLatencyRatio: 3, maxTtftRatio: null, inconclusiveWaitMinutes: 0.75, maxErrorRateIncrease: 0.02 });
    expect(env.current?.routes.map((r) => [r.releaseNumber, r.weight])).toEqual([[1, 100]]);
  });

  it('promotes #2 from its release page after showing the diff, gates, plan and approvals needed', async () => {
    await ana.goto(`${server.url}/releases/support-bot/2`);
    await ana.getByRole('button', { name: 'Promote', exact: true }).click();
    const dialog = ana.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: /^Promote/ });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Environment', { exact: true }).selectOption('production');
    const preview = dialog.getByRole('group', { name: 'What promoting would do' });
    await preview.waitFor();
    expect(await text(preview)).toContain('production runs#1100%→ #2 at 100%');
    expect(await text(preview.getByRole('region', { name: 'Changes' }))).toContain('ref-small-v2');
    expect(await text(preview.getByRole('region', { name: 'Pipeline run' }))).toContain('No pipeline run tested this release.');
    expect(await text(preview.getByRole('region', { name: 'Required gates' }))).toContain('production requires no gates');
    expect(await preview.getByRole('list', { name: 'Plan' }).getByRole('listitem').allTextContents()).toEqual([
      'Step 1: 50% to #2 · bakes 3 s with analysis',
      'Step 2: 100% to #2',
    ]);
    expect(await text(preview.getByRole('region', { name: 'Approval' }))).toContain('Needs 1 approval from approvers other than whoever asks for it or made the release. The request expires after 30 min; without enough approvals by then the rollout ends as timed out.');
    // Beside the taller Plan, the Approval text sits right under its heading, with no gap stretched above it.
    const approval = preview.getByRole('region', { name: 'Approval' });
    const heading = (await approval.getByRole('heading').boundingBox())!;
    const words = (await approval.locator('p').first().boundingBox())!;
    expect(words.y - (heading.y + heading.height)).toBeLessThan(16);
    expect(await dialog.getByRole('alert').count()).toBe(0);
    await dialog.screenshot({ path: 'test-results/release-flow-promote-dialog.png' });

    await dialog.getByLabel('Reason', { exact: true }).fill('cheaper model with citations');
    await dialog.getByRole('button', { name: 'Promote #2 to production' }).click();
    await ana.waitForURL(new RegExp(`${ENV_PATH}$`));
    const live = ana.getByRole('region', { name: 'Rollout', exact: true });
    await poll(() => text(live.getByRole('heading').first())).toContain('Rollout 1: support-bot#2awaiting approval');
    expect(await text(live.getByRole('region', { name: 'Approval' }))).toMatch(/0 of 1 approvalpending\s*expires in 30 minutes/);
    expect(await text(live.getByRole('list', { name: 'Rollout timeline' }))).toContain('requested (cheaper model with citations): canary, 50% to #2, then 100% to #2');

    // A second promotion is refused while this one holds production; the dialog says why and cannot be confirmed.
    await ana.getByRole('button', { name: 'Promote', exact: true }).click();
    const again = ana.getByRole('dialog');
    await poll(() => text(again.getByRole('alert'))).toContain('rollout 1 of #2 is awaiting-approval; let it finish or abort it first');
    expect(await again.getByRole('button', { name: /^Promote #/ }).isDisabled()).toBe(true);
    await ana.keyboard.press('Escape');
    await again.waitFor({ state: 'detached' });
  });

  it('does not let Ana approve her own request, and says why', async () => {
    await ana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Approvals/ }).click();
    await ana.waitForURL(/\/approvals$/);
    const row = ana.getByRole('table', { name: 'Pending approval requests' }).getByRole('row').filter({ hasText: 'support-bot#2 to production' });
    await poll(() => text(row)).toContain(ANA.email);
    expect(await text(row)).toContain('0 of 1');
    await row.getByRole('link', { name: 'support-bot#2 to production' }).click();
    await ana.waitForURL(/\/approvals\?request=[0-9a-f-]{36}$/);
    requestId = new URL(ana.url()).searchParams.get('request')!;
    const decision = ana.getByRole('region', { name: 'Decision' });
    await poll(() => text(decision)).toContain('You cannot decide on this request: you asked for it or made the release: someone else must approve.');
    expect(await decision.getByRole('button').count()).toBe(0);
  });

  it('lets Ben open the request from a notification link with Approve preselected, and approve it with a comment', async () => {
    // The navigation counts the pending request.
    await ben.goto(`${server.url}/approvals`);
    await poll(() => text(ben.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Approvals/ }))).toBe('Approvals1 pending');
    expect(await text(ben.getByRole('table', { name: 'Pending approval requests' }))).toContain('support-bot#2 to production');
    await ben.goto(`${server.url}/approvals?request=${requestId}&decision=approve`);
    const decision = ben.getByRole('region', { name: 'Decision' });
    await decision.getByRole('radio', { name: /^Approve/ }).waitFor();
    expect(await decision.getByRole('radio', { name: /^Approve/ }).isChecked()).toBe(true);
    expect(await decision.getByRole('radio', { name: /^Reject/ }).isChecked()).toBe(false);
    // Preselected, not submitted.
    expect(await text(ben.getByRole('region', { name: 'Request' }))).toContain('0 of 1 approval');
    expect((await api().approvals.get.query({ id: requestId })).approvals).toBe(0);
    expect(await text(ben.getByRole('region', { name: 'What changes' }))).toContain('ref-small-v2');
    expect(await text(ben.getByRole('region', { name: 'Gates' }))).toContain('No pipeline run tested this release.');
    expect(await ben.getByRole('region', { name: 'Plan' }).getByRole('listitem').count()).toBe(2);
    await ben.screenshot({ path: 'test-results/release-flow-approval.png', fullPage: true });

    await decision.getByLabel('Comment', { exact: true }).fill('figures look fine, go');
    await decision.getByRole('button', { name: 'Approve', exact: true }).click();
    await poll(() => text(decision.getByRole('status'))).toContain('You approved support-bot#2 to production (1 of 1): the rollout starts.');
    await poll(() => text(ben.getByRole('region', { name: 'Request' }))).toContain(`approved${BEN.email}`);
  });

  it('follows the canary on the environment page until #2 serves all of production', async () => {
    await ana.goto(`${server.url}${ENV_PATH}`);
    const live = ana.getByRole('region', { name: 'Rollout', exact: true });
    const weights = live.getByRole('region', { name: 'Weights' });
    // #2 takes traffic (50% for the canary step, which the timeline records below) …
    await poll(async () => (await items(weights)).some((w) => /^#2(50|100)%$/.test(w)), { timeout: 30_000, message: 'the canary step' }).toBe(true);
    // … and the rollout ends with #2 at 100%.
    await poll(() => text(live.getByRole('heading').first()), { timeout: 60_000, message: 'the rollout did not succeed in time' })
      .toContain('succeeded')
      .catch(async (err: Error) => {
        throw new Error(`${err.message}\n${await context(ana)}`);
      });
    await poll(() => items(weights)).toEqual(['#2100%']);
    const timeline = await text(live.getByRole('list', { name: 'Rollout timeline' }));
    for (const line of [`approved by ${BEN.email} (1 of 1): figures look fine, go`, 'step 1 of 2: 50% to #2', 'step 1 passed analysis', 'step 2 of 2: 100% to #2', '#2 serves all of production']) expect(timeline).toContain(line);
    expect(await live.getByRole('list', { name: 'Plan' }).getByRole('listitem').allTextContents()).toEqual([expect.stringContaining('(done)'), expect.stringContaining('(done)')]);
    // The analysis of the canary step, per arm, with each check.
    const analysis = live.getByRole('region', { name: 'Analysis' });
    expect(await text(analysis)).toContain('pass');
    const header = await analysis.getByRole('table', { name: 'Analysis figures' }).getByRole('columnheader').allTextContents();
    expect(header).toEqual(['Figure', 'Candidate #2', 'Stable #1']);
    const requests = await analysis.getByRole('row').filter({ hasText: 'Requests' }).getByRole('cell').allTextContents();
    expect(Number(requests[1])).toBeGreaterThan(0);
    expect(Number(requests[2])).toBeGreaterThan(0);
    const checks = await analysis.getByRole('list', { name: 'Checks' }).getByRole('listitem').allTextContents();
    expect(checks.length).toBeGreaterThan(0);
    expect(checks.every((c) => c.startsWith('pass'))).toBe(true);
    expect(await text(live.getByRole('region', { name: 'Approval' }))).toContain(BEN.email);
    // Nothing to control once it ended.
    expect(await live.getByRole('button', { name: /Pause|Abort|Promote now/ }).count()).toBe(0);
    await ana.screenshot({ path: 'test-results/release-flow-live.png', fullPage: true });
    // The rollout is in the environment's list of rollouts, and its steps in the history.
    await openTab(ana, 'Environment', 'Rollouts');
    await poll(() => text(ana.getByRole('table', { name: 'Rollouts of the environment' }))).toContain('succeeded');
    await openTab(ana, 'Environment', 'History');
    await poll(() => text(ana.getByRole('table', { name: 'Environment history' }))).toContain('rollout 1');
  });

  it('rolls production back to #1 in one click', async () => {
    await ben.goto(`${server.url}${ENV_PATH}`);
    await ben.getByRole('button', { name: 'Roll back', exact: true }).click();
    const dialog = ben.getByRole('dialog');
    const target = dialog.getByLabel('Roll back to', { exact: true });
    await poll(() => target.locator('option').first().textContent()).toBe('Previous release (#1)');
    expect(await target.inputValue()).toBe('');
    await dialog.getByLabel('Reason', { exact: true }).fill('checking the rollback path');
    await dialog.getByRole('button', { name: 'Roll back', exact: true }).click();
    const result = dialog.getByRole('status');
    await poll(() => text(result)).toContain('production now runs #1 100%.');
    expect(await text(result)).toMatch(/History entry \d+, /);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });

    const weights = ben.getByRole('region', { name: 'Rollout', exact: true }).getByRole('region', { name: 'Weights' });
    await poll(() => items(weights)).toEqual(['#1100%']);
    await poll(() => ben.getByRole('table', { name: 'Current routing' }).getByRole('row').nth(1).getByRole('cell').first().textContent()).toBe('support-bot#1');
    const history = ben.getByRole('table', { name: 'Environment history' }).getByRole('row').nth(1);
    expect(await text(history)).toContain('rollback');
    expect(await text(history)).toContain('checking the rollback path');
    const env = await api().environments.get.query({ service: 'support-bot', environment: 'production' });
    expect(env.current?.routes.map((r) => [r.releaseNumber, r.weight])).toEqual([[1, 100]]);
    const { ok, failed } = await traffic!.stop();
    traffic = null;
    expect(ok).toBeGreaterThan(0);
    expect(failed).toBe(0);
  });

  it('aborts a rollout that waits for approval from the live view, which cancels its request', async () => {
    // Rollout 2 is the one-click rollback above, recorded in the list of rollouts.
    await ana.goto(`${server.url}${ENV_PATH}`);
    await ana.getByRole('button', { name: 'Promote', exact: true }).click();
    const dialog = ana.getByRole('dialog');
    // The dialog proposes the newest release that does not already serve all of production (the demo's #3);
    // #2 is the one to request here.
    await poll(() => dialog.getByLabel('Release', { exact: true }).inputValue()).toBe('3');
    await dialog.getByLabel('Release', { exact: true }).selectOption('2');
    await dialog.getByRole('button', { name: 'Promote #2 to production' }).click();
    await dialog.waitFor({ state: 'detached' });
    const live = ana.getByRole('region', { name: 'Rollout', exact: true });
    await poll(() => text(live.getByRole('heading').first())).toContain('Rollout 3: support-bot#2awaiting approval');
    // Only what fits the status: no pause or promote-now before any traffic moved.
    expect((await live.getByRole('button').allTextContents()).map((t) => t.trim())).toEqual(['Abort']);
    await live.getByRole('button', { name: 'Abort' }).click();
    const abort = ana.getByRole('dialog');
    expect(await text(abort)).toContain('its approval request is cancelled');
    await abort.getByLabel('Reason', { exact: true }).fill('wrong day for it');
    await abort.getByRole('button', { name: 'Abort rollout' }).click();
    await abort.waitFor({ state: 'detached' });
    await poll(() => text(live.getByRole('heading').first())).toContain('Rollout 3: support-bot#2aborted');
    expect(await text(live.getByRole('note'))).toContain(`aborted by ${ANA.email}: wrong day for it`);
    expect(await items(live.getByRole('region', { name: 'Weights' }))).toEqual(['#1100%']);
    expect(await text(live.getByRole('region', { name: 'Approval' }))).toContain('cancelled');
    await ana.goto(`${server.url}/approvals?status=decided`);
    await poll(() => text(ana.getByRole('table', { name: 'Decided approval requests' }))).toContain('cancelled');
    expect(await text(ana.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^Approvals/ }))).toBe('Approvals');
  });
});
