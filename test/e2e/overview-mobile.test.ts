// The console a release manager opens first, and on a phone, in Chromium on the demo: the overview shows a canary
// rolling out at its step and a production promotion waiting for the reader's approval; at 390 px a menu button
// opens the navigation (Escape closes it and gives focus back, a link navigates and closes it), and no page is
// wider than the screen.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Locator, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
const ADA = { email: 'ada@e2e.test', password: 'ada-password-123' };
/** Screenshots for people to look at, outside the repository. */
const SHOTS = process.env.SLIPWAY_SCREENSHOTS ?? path.join(os.tmpdir(), 'slipway-overview-mobile');
const PHONE = { width: 390, height: 844 };
/** Every top-level page, and a detail page of each kind the demo has. */
const PAGES = [
  '/',
  '/services',
  '/services/support-bot',
  '/services/support-bot/environments/production',
  '/models',
  '/models/support-llm',
  '/prompts?service=support-bot',
  '/prompts/support-bot/answer',
  '/releases?service=support-bot',
  '/releases/support-bot/2',
  '/pipelines?service=support-bot',
  '/evals/support-bot',
  '/approvals',
  '/monitoring',
  '/audit',
  '/settings/users',
  '/settings/tokens',
  '/settings/secrets',
  '/settings/jobs',
  '/settings/profile',
];

let server: RunningServer;
let browser: Browser;
let page: Page;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: Locator) => (await locator.textContent()) ?? '';
const poll = <T>(fn: () => Promise<T> | T, opts: { timeout?: number; message?: string } = {}) => expect.poll(fn, { timeout: 15_000, interval: 100, ...opts });

async function shots(name: string) {
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => {
      document.documentElement.classList.toggle('dark', t === 'dark');
      document.documentElement.style.colorScheme = t;
    }, theme);
    for (const viewport of [{ width: 1440, height: 900 }, PHONE]) {
      await page.setViewportSize(viewport);
      await page.screenshot({ path: path.join(SHOTS, `${name}-${viewport.width}-${theme}.png`), fullPage: true });
    }
  }
  await page.evaluate(() => document.documentElement.classList.remove('dark'));
}

beforeAll(async () => {
  if (!enabled) return;
  mkdirSync(SHOTS, { recursive: true });
  server = await startServer({ SLIPWAY_DEMO: 'on', SLIPWAY_MODEL_SERVER: 'on', SLIPWAY_MODEL_SERVER_PORT: String(await freePort()) });
  await api().users.create.mutate({ email: ADA.email, name: 'Ada', role: 'approver', password: ADA.password });
  // Not about gates or branch rules: staging and production require none here.
  for (const environment of ['staging', 'production']) {
    const env = await api().environments.get.query({ service: 'support-bot', environment });
    await api().environments.update.mutate({ service: 'support-bot', environment, protection: { ...env.protection, requiredGates: [], allowedBranches: [] } });
  }
  // Staging bakes its canary step for half an hour, so the rollout is still at its first step while the test looks.
  await api().environments.update.mutate({ service: 'support-bot', environment: 'staging', rollout: { strategy: 'canary', steps: [{ weight: 20, bakeMinutes: 30 }], autoRollback: false } });
  await api().rollouts.promote.mutate({ service: 'support-bot', environment: 'staging', release: 3, reason: 'try the degraded build on staging' });
  // Production needs one approval; the token asked, so Ada may decide.
  await api().rollouts.promote.mutate({ service: 'support-bot', environment: 'production', release: 2, reason: 'cheaper model' });
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
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

describe.runIf(enabled)('the overview and the console on a phone', () => {
  it('the overview shows the canary at its step and the approval waiting for the reader', async () => {
    const rolling = page.getByRole('region', { name: 'Rolling out now' });
    await poll(() => text(rolling), { timeout: 30_000 }).toContain('step 1 of 2: 20% to #3');
    expect(await text(rolling)).toMatch(/support-bot\/stagingrollout \d+: support-bot#3/);
    expect(await rolling.getByRole('meter', { name: 'Traffic on support-bot#3' }).getAttribute('aria-valuenow')).toBe('20');
    expect(await text(rolling)).toContain('waiting for approval: 0 of 1');

    const mine = page.getByRole('region', { name: 'Waiting for you' });
    await poll(() => text(mine)).toContain('support-bot#2 to production');
    await mine.getByRole('link', { name: 'support-bot#2 to production' }).click();
    await page.waitForURL(/\/approvals\?request=/);
    await page.goBack();
    await poll(() => text(page.getByRole('region', { name: 'SLOs in production' }))).toContain('support-bot/production');
    await shots('overview');
  });

  it('at 390 px a menu button opens the navigation; Escape closes it, and a link navigates and closes it', async () => {
    await page.setViewportSize(PHONE);
    // While the drawer is open the rest of the page is hidden from assistive technology, the button too.
    const menu = page.getByRole('button', { name: 'Menu', exact: true, includeHidden: true });
    // The side bar is gone on a phone; the menu button stands in for it.
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    expect(await menu.getAttribute('aria-expanded')).toBe('false');

    await menu.click();
    const nav = page.getByRole('dialog').getByRole('navigation', { name: 'Main' });
    await nav.waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Escape');
    await nav.waitFor({ state: 'detached' });
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await menu.evaluate((el) => el === document.activeElement)).toBe(true);

    await menu.click();
    await nav.getByRole('link', { name: 'Releases' }).click();
    // One service: the releases page goes straight to it, without a picker first.
    await page.waitForURL(/\/releases\?service=support-bot$/);
    await nav.waitFor({ state: 'detached' });
    await poll(() => text(page.getByRole('table', { name: 'Releases of support-bot' }))).toContain('support-bot#1');
    await shots('releases');
  });

  it('no page is wider than a 390 px screen', async () => {
    await page.setViewportSize(PHONE);
    const wide: string[] = [];
    for (const p of PAGES) {
      await page.goto(`${server.url}${p}`);
      await page.locator('main h1').first().waitFor();
      // Measured once the page's data has arrived: nothing says "Loading…" any more.
      await poll(() => page.getByText('Loading…').count(), { message: `${p} still loading` }).toBe(0);
      const [doc, viewport] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
      if (doc > viewport) wide.push(`${p}: ${doc} px`);
    }
    expect(wide).toEqual([]);
  });
});
