// What a release manager sees on the release path, in Chromium, on the demo: after a one-click rollback the
// rollout card and the list of rollouts say what the environment serves now; the deploy form follows the live
// routing table and says when it changed under an edit; a protected environment's form leads to Promote, with
// the admin bypass in its own confirmed dialog, marked in the history; and the promote dialog says why it is
// blocked first, beside the disabled button, above the diff.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Locator, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser, openTab } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
const ADA = { email: 'ada@e2e.test', password: 'ada-password-123' };
/** Screenshots for people to look at, outside the repository. */
const SHOTS = process.env.SLIPWAY_SCREENSHOTS ?? path.join(os.tmpdir(), 'slipway-protection-ui');
const envPath = (environment: string) => `/services/support-bot/environments/${environment}`;

let server: RunningServer;
let browser: Browser;
let page: Page;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
const poll = <T>(fn: () => Promise<T> | T, opts: { timeout?: number; message?: string } = {}) => expect.poll(fn, { timeout: 15_000, interval: 100, ...opts });
const items = (list: Locator) => list.getByRole('listitem').allTextContents();

/** The page at the phone and desktop widths the console supports, full length. */
async function shots(name: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${width}.png`), fullPage: true });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

beforeAll(async () => {
  if (!enabled) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ SLIPWAY_DEMO: 'on', SLIPWAY_MODEL_SERVER: 'on', SLIPWAY_MODEL_SERVER_PORT: String(await freePort()), LOG_LEVEL: 'info' });
  await api().users.create.mutate({ email: ADA.email, name: 'Ada', role: 'admin', password: ADA.password });
  // Staging takes a promotion at once, so a rollout ends within a second.
  const staging = await api().environments.get.query({ service: 'support-bot', environment: 'staging' });
  await api().environments.update.mutate({ service: 'support-bot', environment: 'staging', protection: { ...staging.protection, requiredGates: [] }, rollout: { strategy: 'all-at-once', autoRollback: false, bakeMinutes: 0 } });
  // Not about gates (test/integration/gates*.test.ts are): production requires none here either.
  const production = await api().environments.get.query({ service: 'support-bot', environment: 'production' });
  await api().environments.update.mutate({ service: 'support-bot', environment: 'production', protection: { ...production.protection, requiredGates: [] } });
  browser = await launchBrowser();
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  page = await ctx.newPage();
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(ADA.email);
  await page.getByLabel('Password', { exact: true }).fill(ADA.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe.runIf(enabled)('the release path as a release manager sees it', () => {
  it('after a rollback, the rollout card shows what serves now and the list records the rollback', async () => {
    // Staging runs #2; #1 is promoted and succeeds: the card says #1 serves all of staging.
    const rollout = await api().rollouts.promote.mutate({ service: 'support-bot', environment: 'staging', release: 1, reason: 'back to the launch release' });
    await page.goto(`${server.url}${envPath('staging')}`);
    const card = page.getByRole('region', { name: 'Rollout', exact: true });
    await poll(() => text(card.getByRole('heading').first()), { timeout: 30_000 }).toContain(`Rollout ${rollout.number}: support-bot#1succeeded`);
    expect(await text(card.getByRole('note'))).toContain('#1 serves all of staging');

    await page.getByRole('button', { name: 'Roll back', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await poll(() => dialog.getByLabel('Roll back to', { exact: true }).locator('option').first().textContent()).toBe('Previous release (#2)');
    await dialog.getByLabel('Reason', { exact: true }).fill('answers got worse');
    await dialog.getByRole('button', { name: 'Roll back', exact: true }).click();
    await poll(() => text(dialog.getByRole('status'))).toContain(`recorded as rollout ${rollout.number + 1} (a rollback)`);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The card is the rollback now: #2 serves all of staging, as the routing table says.
    await poll(() => text(card.getByRole('heading').first())).toContain(`Rollback ${rollout.number + 1}: to support-bot#2succeeded`);
    expect(await text(card.getByRole('note'))).toMatch(/rolled back by ada@e2e\.test from #1 100% to #2 \(answers got worse\); #2 serves all of staging/);
    expect(await items(card.getByRole('region', { name: 'Weights' }))).toEqual(['#2100%']);
    await shots('staging-after-rollback');
    await openTab(page, 'Environment', 'Rollouts');
    const list = page.getByRole('table', { name: 'Rollouts of the environment' });
    await poll(() => list.getByRole('row').nth(1).textContent()).toContain('rollback');
    expect(await text(list.getByRole('row').nth(1))).toContain('→ support-bot#2');
    expect(await text(list.getByRole('row').nth(2))).toContain('succeeded');
    await openTab(page, 'Environment', 'Overview');

    // A change made afterwards outside any rollout: the card says it is no longer current, and what serves.
    await api().environments.deploy.mutate({ service: 'support-bot', environment: 'staging', routes: [{ release: 1, weight: 100 }], reason: 'hotfix check' });
    await poll(() => text(card.getByRole('status', { name: 'Serving now' })), { timeout: 20_000 }).toContain('No longer current: staging serves #1 100% now');
    expect(await text(card.getByRole('heading').first())).toContain('superseded');
  });

  it('the deploy form follows the live routing table, and says when it changed under an edit', async () => {
    await page.goto(`${server.url}${envPath('dev')}`);
    const form = page.getByRole('form', { name: 'Deploy to dev' });
    await poll(() => text(form)).toContain('Live routing: #2 100%');
    // A canary set elsewhere: the untouched form shows it, and says so.
    await api().environments.deploy.mutate({ service: 'support-bot', environment: 'dev', routes: [{ release: 2, weight: 95 }, { release: 1, weight: 5 }], reason: 'canary elsewhere' });
    await poll(() => text(form.getByRole('status')), { timeout: 20_000 }).toContain('The live routing table changed (deploy by token:');
    expect(await text(form.getByRole('status'))).toContain('dev runs #2 95%, #1 5% now, and the form starts again from it.');
    expect(await form.getByRole('radio', { name: 'Split traffic' }).isChecked()).toBe(true);
    await poll(() => text(page.getByRole('table', { name: 'Environment history' }))).toContain('canary elsewhere');
    expect(await form.getByLabel('Weight %').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value))).toEqual(['95', '5']);

    // Someone edits; the table changes under the edit: the form says so and sends nothing until they choose.
    await form.getByLabel('Weight %').first().fill('90');
    await form.getByLabel('Weight %').nth(1).fill('10');
    await api().environments.deploy.mutate({ service: 'support-bot', environment: 'dev', routes: [{ release: 2, weight: 100 }], reason: 'canary done elsewhere' });
    const stale = form.getByRole('alert');
    await poll(() => text(stale), { timeout: 20_000 }).toContain('The live routing table changed while you edited: dev runs #2 100% now');
    expect(await form.getByRole('button', { name: 'Deploy to dev' }).isDisabled()).toBe(true);
    await shots('dev-form-changed-under-edit');
    await stale.getByRole('button', { name: 'Load the live table' }).click();
    expect(await form.getByRole('radio', { name: 'One release, 100%' }).isChecked()).toBe(true);
    await form.getByLabel('Release', { exact: true }).selectOption('1');
    await form.getByRole('button', { name: 'Deploy to dev' }).click();
    await poll(() => text(form.getByRole('status'))).toContain('dev now runs #1 at 100%.');
  });

  it('a protected environment leads to Promote; an admin bypass asks for a reason and is marked in the history', async () => {
    await page.goto(`${server.url}${envPath('production')}`);
    const change = page.getByRole('region', { name: 'Change production' });
    await poll(() => text(change)).toContain('production is protected (1 approval required): promote a release');
    expect(await change.getByRole('button', { name: 'Promote a release…' }).isEnabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Deploy to production' }).count()).toBe(0);
    const form = change.getByRole('form', { name: 'Bypass the release flow of production' });
    await form.getByLabel('Release', { exact: true }).selectOption('2');
    await form.getByRole('button', { name: 'Deploy directly (bypass)…' }).click();
    const dialog = page.getByRole('dialog');
    expect(await text(dialog)).toContain('No approval or rollout: production switches at once from #1 100% to #2 100%');
    // The reason is required: without one nothing is sent.
    await dialog.getByRole('button', { name: 'Bypass and deploy to production' }).click();
    expect(await dialog.isVisible()).toBe(true);
    expect((await api().environments.get.query({ service: 'support-bot', environment: 'production' })).current?.routes.map((r) => r.releaseNumber)).toEqual([1]);
    await dialog.getByLabel('Reason', { exact: true }).fill('incident 42: #1 leaks data, approvers unreachable');
    await dialog.getByRole('button', { name: 'Bypass and deploy to production' }).click();
    await dialog.waitFor({ state: 'detached' });
    const newest = page.getByRole('table', { name: 'Environment history' }).getByRole('row').nth(1);
    await poll(() => text(newest)).toContain('Bypassed the release flow: incident 42: #1 leaks data, approvers unreachable');
    expect(await newest.getByText('bypass', { exact: true }).count()).toBe(1);
    const [audit] = (await api().audit.list.query({ action: 'environment.bypass' })).items;
    expect(audit?.actorLabel).toBe(ADA.email);
    await shots('production-bypass');
  });

  it('the promote dialog says why it is blocked first, beside the disabled button, above the diff', async () => {
    // A rollout of #1 waits for approval: no second promotion may start.
    const waiting = await api().rollouts.promote.mutate({ service: 'support-bot', environment: 'production', release: 1, reason: 'undo the bypass' });
    await page.goto(`${server.url}${envPath('production')}`);
    await page.getByRole('button', { name: 'Promote', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Release', { exact: true }).selectOption('1');
    const preview = dialog.getByRole('group', { name: 'What promoting would do' });
    await preview.getByRole('region', { name: 'Changes' }).waitFor();
    const alert = dialog.getByRole('alert');
    await poll(() => text(alert)).toContain(`rollout ${waiting.number} of #1 is awaiting-approval; let it finish or abort it first`);
    const confirm = dialog.getByRole('button', { name: 'Promote #1 to production' });
    expect(await confirm.count()).toBe(1);
    expect(await confirm.isDisabled()).toBe(true);
    // Why comes before the preview and its diff, and the button sits beside it, described by it.
    expect(await alert.evaluate((a, p) => Boolean(a.compareDocumentPosition(p!) & Node.DOCUMENT_POSITION_FOLLOWING), await preview.elementHandle())).toBe(true);
    const [a, b] = [(await alert.boundingBox())!, (await confirm.boundingBox())!];
    expect(Math.abs(a.y - b.y)).toBeLessThan(60);
    expect(await confirm.getAttribute('aria-describedby')).toBe(await alert.getAttribute('id'));
    await dialog.screenshot({ path: path.join(SHOTS, 'promote-blocked-1440.png') });
    await page.setViewportSize({ width: 390, height: 900 });
    await dialog.screenshot({ path: path.join(SHOTS, 'promote-blocked-390.png') });
  });
});
