// The Drift tab in Chromium: a stored report with drift shows its verdict, each drifted feature's method and
// statistic, the reference-vs-current histogram by its accessible name and the n-grams that tell the output texts
// apart; an earlier report reads again from the list; Monitoring's Drift panel links to the tab. The production
// checks form refuses a bad value at its field and saves a good one.
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser, openTab } from './browser';
import { insertReports } from './drift-reports';
import { startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
const SERVICE = 'drift-ui';
const H = 3600_000;
let first: RunningServer;
let server: RunningServer;
let browser: Browser;
let page: Page;
let ids: string[];

const api = () => createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';

beforeAll(async () => {
  if (!enabled) return;
  first = await startServer();
  const client = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${first.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${first.bootstrapToken}` } })] });
  await client.services.create.mutate({ name: SERVICE, description: 'Drift in the browser' });
  // PGlite is one process's: the reports are written while the server is stopped, then it starts again on them.
  await first.terminate();
  const now = Date.now();
  ids = await insertReports(first, SERVICE, 'production', [
    { at: new Date(now - 3 * H), shifted: false },
    { at: new Date(now - 10 * 60_000), shifted: true },
  ]);
  server = await startServer({}, { dataDir: first.dataDir, databaseUrl: first.databaseUrl ?? undefined });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/sign-in`);
  // The admin was created on the first start, with its password.
  await page.getByLabel('Email', { exact: true }).fill(first.adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(first.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await page?.screenshot({ path: 'test-results/drift-ui-failure.png', fullPage: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  // The first start owns the data folder and database.
  await first?.stop();
});

describe.runIf(enabled)('drift in the console', () => {
  it('reads the latest report: verdict, the method and statistic of each drifted feature, the histograms and n-grams; and an earlier one', async () => {
    await page.goto(`${server.url}/services/${SERVICE}/environments/production?tab=drift`);
    const verdict = page.getByRole('region', { name: 'Drift verdict' });
    await expect.poll(() => text(verdict.getByRole('heading', { level: 2 }))).toBe('Dataset drift: 5 of 9 drifted');
    const drifted = verdict.getByRole('list', { name: 'Drifted' }).getByRole('listitem');
    expect(await drifted.allInnerTexts()).toEqual([
      'Output tokens\nKS test D = 0.412, p < 0.001\ndrift when p < 0.05',
      'Latency (ms)\nKS test D = 0.274, p < 0.001\ndrift when p < 0.05',
      'Cost (USD)\nKS test D = 0.391, p < 0.001\ndrift when p < 0.05',
      'Finish reason\nchi-squared χ² = 41.3, p < 0.001\ndrift when p < 0.05',
      'Output text\nclassifier AUC 0.812 above 0.571\ndrift when AUC > 0.571',
    ]);
    expect(await text(verdict)).toContain('first 24 h of release #1');

    // Each feature's histogram names itself; the drifted ones come first, an untested one says why it is empty.
    const distributions = page.getByRole('region', { name: 'Distributions' });
    const histogram = distributions.getByRole('img', { name: 'Output tokens: reference vs current' });
    expect(await histogram.count()).toBe(1);
    expect(await histogram.locator('.recharts-bar').count()).toBe(2);
    expect(await distributions.getByRole('figure').first().getAttribute('aria-label')).toBe('Output tokens: reference vs current');
    expect(await text(distributions.getByRole('figure', { name: 'Time to first token (ms): reference vs current' }))).toContain('Not tested: too few streamed requests');

    // The classifier's AUC against its threshold, and the n-grams that are more common now.
    const textDrift = page.getByRole('region', { name: 'Text drift' });
    expect(await textDrift.getByRole('img', { name: 'Output text classifier: AUC 0.812, drift above 0.571 — drift' }).count()).toBe(1);
    const now = textDrift.getByRole('region', { name: 'Output text' }).getByRole('table', { name: 'More common now: n-grams' });
    expect((await now.getByRole('row').nth(1).allInnerTexts())[0]).toMatch(/^furthermore\s+2\.0%\s+31%$/);

    // Every feature's figures, with its threshold and p-value.
    const row = page.getByRole('table', { name: 'Features' }).getByRole('row').filter({ hasText: 'Output tokens' });
    expect((await row.getByRole('cell').allInnerTexts()).map((c) => c.trim())).toEqual(['Output tokens', 'KS test', 'D 0.412', 'p < 0.05', '< 0.001', '0.61', '110 → 172', '812 / 640', 'drift']);

    // The status over time: one row per feature and text, both reports in it.
    expect(await page.getByRole('img', { name: 'Drift per feature over time' }).count()).toBe(1);
    expect(await text(page.getByRole('region', { name: 'Drift over time' }))).toContain('Output tokens: drift in 1 of 2 tested.');

    // An earlier report reads again as it was stored.
    const reports = page.getByRole('table', { name: 'Drift reports' });
    expect(await reports.getByRole('row').count()).toBe(3);
    await reports.getByRole('row').nth(2).getByRole('link').click();
    await page.waitForURL((u) => u.searchParams.get('report') === ids[0]);
    await expect.poll(() => text(verdict.getByRole('heading', { level: 2 }))).toBe('No drift in 9 tested');
    expect(await text(verdict)).toContain('An earlier report');
    expect(await verdict.getByRole('list', { name: 'Drifted' }).count()).toBe(0);

    // Monitoring lists the environment's latest verdict and links to the tab.
    await page.goto(`${server.url}/monitoring`);
    const panel = page.getByRole('table', { name: 'Drift by environment' }).getByRole('row').filter({ hasText: `${SERVICE} / production` });
    await expect.poll(() => text(panel)).toContain('5 of 9: Output tokens, Latency (ms), Cost (USD), Finish reason, Output text');
    await panel.getByRole('link').click();
    await page.waitForURL((u) => u.searchParams.get('tab') === 'drift');
    await expect.poll(() => text(verdict.getByRole('heading', { level: 2 }))).toBe('Dataset drift: 5 of 9 drifted');
  });

  it('refuses a bad production-checks value at its field, and saves a good one', async () => {
    await openTab(page, 'Environment', 'Settings');
    const form = page.getByRole('form', { name: 'Production checks of production' });
    const maxRows = form.getByLabel('Max requests per window', { exact: true });
    await maxRows.fill('10');
    await form.getByRole('button', { name: 'Save production checks' }).click();
    await expect.poll(() => maxRows.getAttribute('aria-invalid')).toBe('true');
    const describedBy = (await maxRows.getAttribute('aria-describedby'))!;
    expect(await text(page.locator(`[id="${describedBy}"]`))).toBe('must be at least 100');
    expect((await api().checks.get.query({ service: SERVICE, environment: 'production' })).custom).toBe(false);

    await maxRows.fill('2000');
    await form.getByLabel('Dataset drift share', { exact: true }).fill('0.4');
    await form.getByRole('button', { name: 'Save production checks' }).click();
    await form.getByRole('status').filter({ hasText: 'Production checks saved.' }).waitFor();
    expect(await maxRows.getAttribute('aria-invalid')).toBe('false');
    const saved = await api().checks.get.query({ service: SERVICE, environment: 'production' });
    expect(saved.checks.drift).toMatchObject({ maxRows: 2000, datasetDriftShare: 0.4 });
    expect(saved.checks.triggers).toBeNull();
  });
});
