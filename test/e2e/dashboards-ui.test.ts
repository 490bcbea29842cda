// The dashboards in Chromium, on the demo with the reference model server: traffic through the gateway and a deploy
// show on the environment's charts (the deploy as a marker naming who and why), the Monitoring page lists the
// environment with its figures, and the pages are screenshot at desktop and phone widths in both themes.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import OpenAI from 'openai';
import type { Browser, Locator, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser, openTab } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
let server: RunningServer;
let browser: Browser;
let page: Page;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';
const poll = expect.poll;

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer({
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(await freePort()),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml'),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(server.adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function setTheme(theme: 'Light' | 'Dark') {
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: theme }).click();
  await poll(() => page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(theme === 'Dark');
}

/** The page at 1440 and 390 px wide, light and dark (test-results/ is not committed). */
async function screenshots(name: string, ready: () => Locator) {
  for (const theme of ['Light', 'Dark'] as const) {
    await setTheme(theme);
    for (const width of [1440, 390]) {
      await page.setViewportSize({ width, height: 1000 });
      // Loaded at this width, nothing is wider than the screen (tables scroll within their cards).
      await page.reload();
      await ready().first().waitFor();
      await poll(() => page.evaluate(() => document.documentElement.scrollWidth), { timeout: 5000 }).toBeLessThanOrEqual(width);
      await page.screenshot({ path: `test-results/${name}-${width}-${theme.toLowerCase()}.png`, fullPage: true });
    }
  }
  await page.setViewportSize({ width: 1440, height: 1000 });
  await setTheme('Light');
}

describe.runIf(enabled)('dashboards', () => {
  it('draws traffic per release with the deploy that changed it as a marker, and lists the environment on Monitoring', async () => {
    const { key } = await api().gatewayKeys.create.mutate({ service: 'support-bot', name: 'dashboards check' });
    const client = new OpenAI({ apiKey: key, baseURL: `${server.url}/gw/support-bot/dev/v1`, maxRetries: 0 });
    const ask = async (n: number) => {
      for (let i = 0; i < n; i++) await client.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: `Question ${i}: where is my invoice?` }], max_tokens: 16 });
    };
    // The gateway learns of a new key within a second; then dev (#2) answers, half of it goes to #1, and both answer.
    await poll(async () => (await fetch(`${server.url}/gw/support-bot/dev/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status, { timeout: 3000, interval: 100 }).toBe(200);
    await ask(4);
    await api().environments.deploy.mutate({ service: 'support-bot', environment: 'dev', routes: [{ release: 2, weight: 50 }, { release: 1, weight: 50 }], reason: 'compare the launch release' });
    await ask(10);

    await page.goto(`${server.url}/services/support-bot/environments/dev?range=1h`);
    const charts = page.getByRole('region', { name: 'Charts' });
    const requests = charts.getByRole('img', { name: 'Requests', exact: true });
    // Rollups are written off the request path (a job every minute) and the page reads them again every 30 s.
    await poll(() => requests.count(), { timeout: 90_000, interval: 1000 }).toBe(1);
    const svg = charts.locator('svg[aria-label="Requests"]');
    // Stacked by release: one area per release, both named in the legend.
    await poll(() => svg.locator('.recharts-area').count(), { timeout: 90_000, interval: 1000 }).toBe(2);
    const requestsFigure = charts.getByRole('figure', { name: 'Requests', exact: true });
    expect(await requestsFigure.getByRole('list', { name: 'Legend' }).getByRole('listitem').allTextContents()).toEqual(['support-bot#2', 'support-bot#1', 'deploy']);
    // The deploy is a marker on the chart; hovering it (its SVG title) says who did it and why.
    const marker = svg.locator('[data-marker-kind="deploy"]').filter({ hasText: 'compare the launch release' });
    await poll(() => marker.count()).toBe(1);
    expect(await marker.locator('title').textContent()).toMatch(/^Deployed #2 50%, #1 50% by .+ — “compare the launch release”/);
    expect(await svg.locator('desc').textContent()).toContain('compare the launch release');
    // Every chart names itself to assistive technology.
    for (const name of ['Errors', 'Latency', 'Cost per hour', 'Cost per request', 'Tokens']) expect(await charts.getByRole('img', { name, exact: true }).count()).toBe(1);
    // The traffic table covers the same hour as the charts.
    const traffic = page.getByRole('region', { name: 'Traffic' });
    expect(await traffic.getByRole('group', { name: 'Window' }).getByRole('button', { name: '1 h', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await poll(() => text(traffic)).toContain('14 requests through the gateway in the last hour');
    await screenshots('dashboard-environment', () => page.getByRole('img', { name: 'Requests', exact: true }));

    // The range is in the URL: 24 h is a link away, and the back button returns to 1 h.
    await page.getByRole('group', { name: 'Range' }).getByRole('button', { name: '24 h', exact: true }).click();
    await page.waitForURL(/range=24h/);
    await page.goBack();
    await page.waitForURL(/range=1h/);
    expect(await page.getByRole('group', { name: 'Range' }).getByRole('button', { name: '1 h', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await openTab(page, 'Environment', 'Settings');
    await page.getByRole('form', { name: 'Settings of dev' }).waitFor();
    expect(page.url()).toContain('tab=settings');

    await page.goto(`${server.url}/monitoring?range=1h`);
    const row = page.getByRole('table', { name: 'Environments' }).getByRole('row').filter({ hasText: 'support-bot / dev' });
    await poll(() => row.getByRole('cell').nth(1).textContent(), { timeout: 90_000 }).toBe('14');
    expect(await row.getByRole('img', { name: /^support-bot \/ dev: 14 requests/ }).count()).toBe(1);
    expect(await text(row)).toContain('#2');
    await screenshots('dashboard-monitoring', () => page.getByRole('img', { name: /^support-bot \/ dev: 14 requests/ }));
  }, 300_000);
});
