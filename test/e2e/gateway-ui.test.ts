// The gateway from the console, in Chromium, on the demo with the reference model server: an admin creates a
// gateway key (shown once), an application calls production with it, the traffic shows on the environment
// page, shadow traffic is set and saved, and a revoked key is refused within a second.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser, openTab } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
let server: RunningServer;
let browser: Browser;
let page: Page;
let key = '';
const requestIds: string[] = [];

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const production = () => `${server.url}/gw/support-bot/production/v1`;
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';
const modelsStatus = async (k: string) => (await fetch(`${production()}/models`, { headers: { authorization: `Bearer ${k}` } })).status;

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer({
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(await freePort()),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/reference-models.yaml'),
  });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function setTheme(theme: 'Light' | 'Dark') {
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: theme }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(theme === 'Dark');
}

const tab = (name: string) => openTab(page, 'Environment', name);

/** Each card in both themes, for a look at them after a run (test-results/ is not committed). */
async function screenshotRegions(name: string, regions: string[]) {
  for (const theme of ['Light', 'Dark'] as const) {
    await setTheme(theme);
    for (const region of regions) {
      await page.getByRole('region', { name: region }).screenshot({ path: `test-results/${name}-${region.toLowerCase().replace(/\W+/g, '-')}-${theme.toLowerCase()}.png` });
    }
  }
  await setTheme('Light');
}

describe.runIf(enabled)('the gateway in the console', () => {
  it('creates a gateway key on the service page and shows it only in its dialog', async () => {
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(server.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`${server.url}/services/support-bot`);

    const card = page.getByRole('region', { name: 'Gateway keys' });
    await expect.poll(() => text(card)).toContain('No gateway keys yet.');
    const usage = page.getByRole('region', { name: 'Call the gateway' });
    expect(await usage.getByRole('list', { name: 'Gateway base URLs' }).getByRole('listitem').allTextContents()).toEqual([
      `dev${server.url}/gw/support-bot/dev/v1`,
      `staging${server.url}/gw/support-bot/staging/v1`,
      `production${server.url}/gw/support-bot/production/v1`,
    ]);
    expect(await text(usage.getByLabel('Example with the openai client'))).toContain(`baseURL: '${production()}'`);
    await usage.getByRole('group', { name: 'Example environment' }).getByRole('button', { name: 'staging' }).click();
    expect(await text(usage.getByLabel('Example with the openai client'))).toContain(`baseURL: '${server.url}/gw/support-bot/staging/v1'`);

    await card.getByRole('button', { name: 'Create key' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    // The browser's own required check stops an empty name before it reaches the server.
    expect(await dialog.getByLabel('Name', { exact: true }).evaluate((el) => (el as HTMLInputElement).validity.valueMissing)).toBe(true);
    await dialog.getByLabel('Name', { exact: true }).fill('help-center widget');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const shown = dialog.getByLabel('New gateway key', { exact: true });
    await shown.waitFor();
    key = await shown.inputValue();
    expect(key).toMatch(/^sgw_[A-Za-z0-9_-]{20,}$/);
    expect(await text(dialog.getByRole('status').filter({ hasText: 'shown only once' }))).toContain('Copy this key now');
    await dialog.screenshot({ path: 'test-results/gateway-key-created.png' });
    await dialog.getByRole('button', { name: 'Done' }).click();
    await dialog.waitFor({ state: 'detached' });

    const row = card.getByRole('row').filter({ hasText: 'help-center widget' });
    await expect.poll(() => text(row)).toContain(`${key.slice(0, 10)}…`);
    expect(await text(row)).toContain('active');
    expect(await text(row)).toContain('never');
    expect(await page.content()).not.toContain(key);
    // Reopening the dialog starts a new key; the old one is gone for good.
    await card.getByRole('button', { name: 'Create key' }).click();
    await dialog.getByLabel('Name', { exact: true }).waitFor();
    expect(await dialog.getByLabel('New gateway key', { exact: true }).count()).toBe(0);
    expect(await page.content()).not.toContain(key);
    await page.keyboard.press('Escape');
  });

  it('shows requests made with the key in production’s Traffic card', async () => {
    // The gateway learns of the new key within a second.
    await expect.poll(() => modelsStatus(key), { timeout: 3000, interval: 100 }).toBe(200);
    const client = new OpenAI({ apiKey: key, baseURL: production(), maxRetries: 0 });
    for (let i = 0; i < 5; i++) {
      const { response } = await client.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: `Question ${i}: where is my invoice?` }], max_tokens: 24 }).withResponse();
      expect(response.headers.get('x-slipway-release')).toBe('support-bot#1');
      requestIds.push(response.headers.get('x-slipway-request-id')!);
    }
    const rated = await fetch(`${production()}/feedback`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: JSON.stringify({ request_id: requestIds[0], score: 1 }) });
    expect(rated.status).toBe(200);

    await page.goto(`${server.url}/services/support-bot/environments/production?range=1h`);
    const traffic = page.getByRole('region', { name: 'Traffic' });
    const release1 = traffic.getByRole('row').filter({ hasText: 'support-bot#1' });
    await expect.poll(() => release1.getByRole('cell').allTextContents(), { timeout: 15_000 }).toEqual([
      'support-bot#1 ',
      '5',
      '0%',
      '0',
      expect.stringMatching(/^\d+ ms$/),
      expect.stringMatching(/^\d+ ms$/),
      expect.stringMatching(/^[\d,]+ \/ [\d,]+$/),
      expect.stringMatching(/^\$[\d.]+\$[\d.]+ \/ req$/),
      '1.001 rating',
    ]);
    expect(await text(traffic)).toContain('5 requests through the gateway in the last hour');

    // More requests show up without reloading the page.
    await client.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: 'One more question' }], max_tokens: 8 });
    await expect.poll(() => release1.getByRole('cell').nth(1).textContent(), { timeout: 15_000 }).toBe('6');

    const windows = traffic.getByRole('group', { name: 'Window' });
    await windows.getByRole('button', { name: '15 min', exact: true }).click();
    expect(await windows.getByRole('button', { name: '15 min', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await expect.poll(() => text(traffic)).toContain('6 requests through the gateway in the last 15 minutes');
    await windows.getByRole('button', { name: '1 h', exact: true }).click();
  });

  it('saves shadow traffic in the Gateway settings, showing server errors at their fields', async () => {
    await tab('Settings');
    const settings = page.getByRole('form', { name: 'Settings of production' });
    const shadow = settings.getByLabel('Shadow traffic', { exact: true });
    expect(await shadow.inputValue()).toBe('');
    expect(await settings.getByLabel('Share mirrored (%)', { exact: true }).count()).toBe(0);
    await shadow.selectOption('2');
    const share = settings.getByLabel('Share mirrored (%)', { exact: true });
    await share.fill('150');
    await settings.getByLabel('Samples kept (%)', { exact: true }).fill('100');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => text(settings.getByRole('alert').filter({ hasText: '0.1' }))).toContain('must be 0.1 to 100');
    expect(await share.getAttribute('aria-invalid')).toBe('true');
    expect((await api().environments.get.query({ service: 'support-bot', environment: 'production' })).gateway.shadow).toBeNull();

    await share.fill('100');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => text(settings.getByRole('status'))).toContain('Settings saved.');
    const saved = await api().environments.get.query({ service: 'support-bot', environment: 'production' });
    expect(saved.gateway).toEqual({ fallbackToStable: true, shadow: { releaseNumber: 2, percent: 100 }, samplePercent: 100, upstreamTimeoutMs: 60_000 });

    await page.reload();
    await expect.poll(() => page.getByRole('form', { name: 'Settings of production' }).getByLabel('Shadow traffic', { exact: true }).inputValue()).toBe('2');
    expect(await page.getByLabel('Share mirrored (%)', { exact: true }).inputValue()).toBe('100');

    // Once the gateway has the new settings it mirrors every request to #2, and the Traffic card shows them as
    // shadow traffic: ask until it does (each poll one more request), rather than guessing how long that takes.
    await tab('Overview');
    const shadowRow = page.getByRole('region', { name: 'Traffic' }).getByRole('row').filter({ hasText: 'shadow' });
    const gw = new OpenAI({ apiKey: key, baseURL: production(), maxRetries: 0 });
    await expect
      .poll(
        async () => {
          await gw.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: 'Mirrored question' }], max_tokens: 8 });
          return (await shadowRow.count()) ? text(shadowRow) : '';
        },
        { timeout: 15_000, interval: 500 },
      )
      .toContain('support-bot#2');
    await screenshotRegions('environment', ['Traffic']);
    await page.screenshot({ path: 'test-results/environment-gateway.png', fullPage: true });
    await tab('Settings');
    await page.getByRole('heading', { name: 'Settings' }).scrollIntoViewIfNeeded();
    for (const theme of ['Light', 'Dark'] as const) {
      await setTheme(theme);
      await page.getByRole('form', { name: 'Settings of production' }).getByRole('group', { name: 'Gateway' }).screenshot({ path: `test-results/environment-gateway-settings-${theme.toLowerCase()}.png` });
    }
    await setTheme('Light');
  });

  it('shows an empty Traffic card where nothing was called', async () => {
    await page.goto(`${server.url}/services/support-bot/environments/staging?range=1h`);
    const traffic = page.getByRole('region', { name: 'Traffic' });
    await expect.poll(() => text(traffic)).toContain('No requests in the last hour.');
    expect(await text(traffic)).toContain(`${server.url}/gw/support-bot/staging/v1`);
    await screenshotRegions('environment-empty', ['Traffic']);
  });

  it('revokes the key in the UI, and the gateway refuses it within a second', async () => {
    await page.goto(`${server.url}/services/support-bot`);
    const card = page.getByRole('region', { name: 'Gateway keys' });
    const row = card.getByRole('row').filter({ hasText: 'help-center widget' });
    await expect.poll(() => text(row)).toMatch(/seconds? ago|minutes? ago/);
    await screenshotRegions('service', ['Gateway keys', 'Call the gateway']);
    await page.screenshot({ path: 'test-results/service-gateway.png', fullPage: true });

    expect(await modelsStatus(key)).toBe(200);
    await row.getByRole('button', { name: 'Revoke help-center widget' }).click();
    const dialog = page.getByRole('dialog');
    expect(await text(dialog)).toContain(`${key.slice(0, 10)}…`);
    await dialog.getByRole('button', { name: 'Revoke key' }).click();
    await dialog.waitFor({ state: 'detached' });
    const revokedAt = Date.now();
    await expect.poll(() => text(row)).toContain('revoked');
    let status = await modelsStatus(key);
    while (status !== 401 && Date.now() - revokedAt < 3000) {
      await new Promise((r) => setTimeout(r, 50));
      status = await modelsStatus(key);
    }
    expect(status).toBe(401);
    expect(Date.now() - revokedAt).toBeLessThan(1000);
    expect(await row.getByRole('button', { name: /Revoke/ }).count()).toBe(0);
    expect(await page.content()).not.toContain(key);
  });
});
