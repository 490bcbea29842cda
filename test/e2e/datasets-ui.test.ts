// Datasets in the console, in Chromium, on the demo with the reference model server: production keeps samples of
// its traffic, the environment page lists them and adds one to a new dataset in a click; the dataset page shows
// its versions, searches its cases and diffs two versions; a bad upload lists its problems by line.
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import OpenAI from 'openai';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
let server: RunningServer;
let browser: Browser;
let page: Page;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';

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

describe.runIf(enabled)('datasets in the console', () => {
  it('adds a gateway sample from the environment page to a new dataset', async () => {
    const client = api();
    const env = await client.environments.get.query({ service: 'support-bot', environment: 'production' });
    await client.environments.update.mutate({ service: 'support-bot', environment: 'production', gateway: { ...env.gateway, samplePercent: 100 } });
    const { key } = (await client.gatewayKeys.create.mutate({ service: 'support-bot', name: 'datasets test' })) as unknown as { key: string };
    const openai = new OpenAI({ apiKey: key, baseURL: `${server.url}/gw/support-bot/production/v1`, maxRetries: 0 });
    await expect.poll(async () => (await fetch(`${server.url}/gw/support-bot/production/v1/models`, { headers: { authorization: `Bearer ${key}` } })).status, { timeout: 3000 }).toBe(200);
    await openai.chat.completions.create({ model: 'support-bot', messages: [{ role: 'user', content: 'Mail me at ann@example.com: where is my invoice?' }], max_tokens: 24 });

    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(server.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    await page.goto(`${server.url}/services/support-bot/environments/production`);

    const samples = page.getByRole('region', { name: 'Samples' });
    const row = samples.getByRole('row').filter({ hasText: 'where is my invoice?' });
    // The telemetry writer flushes in batches; the card loads when the page does.
    await expect
      .poll(
        async () => {
          if (await row.count()) return true;
          await page.reload();
          await samples.waitFor();
          return (await row.count()) > 0;
        },
        { timeout: 20_000, interval: 1000 },
      )
      .toBe(true);
    expect(await text(row.first())).toContain('[email]');
    await row.first().getByRole('button', { name: 'Add to dataset' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Dataset', { exact: true }).fill('from-production');
    await dialog.getByRole('button', { name: 'Add to dataset' }).click();
    await expect.poll(() => text(dialog.getByRole('status'))).toMatch(/Added 1 case as from-production@1/);
    await dialog.getByRole('link', { name: 'from-production@1' }).click();
    await page.waitForURL(/\/evals\/support-bot\/datasets\/from-production\?v=1$/);
    const cases = page.getByRole('table', { name: 'Cases of from-production@1' });
    await expect.poll(() => text(cases)).toContain('[user] Mail me at [email]: where is my invoice?');
  });

  it('shows versions, searches cases and diffs two versions', async () => {
    const client = api();
    const v1 = ['{"id":"q1","variables":{"question":"Where is my order?"},"expected":"tracking","tags":["orders"]}', '{"id":"q2","variables":{"question":"Can I get a refund?"},"expected":"refund","tags":["billing"]}'].join('\n');
    const v2 = ['{"id":"q1","variables":{"question":"Where is my parcel?"},"expected":"tracking","tags":["orders"]}', '{"variables":{"question":"Bye"},"expected":"bye"}'].join('\n');
    await client.datasets.push.mutate({ service: 'support-bot', name: 'faq', file: { name: 'faq.jsonl', content: v1 }, commitMessage: 'First cases' });
    await client.datasets.push.mutate({ service: 'support-bot', name: 'faq', file: { name: 'faq.jsonl', content: v2 }, commitMessage: 'Parcel wording' });

    await page.goto(`${server.url}/evals/support-bot/datasets/faq?v=1`);
    await expect.poll(() => page.getByRole('list', { name: 'Versions' }).getByRole('listitem').allTextContents()).toEqual([expect.stringMatching(/^v22 casesapiParcel wording/), expect.stringMatching(/^v12 casesapiFirst cases/)]);
    await page.getByLabel('Search cases').fill('refund');
    await page.waitForURL(/q=refund/);
    const table = page.getByRole('table', { name: 'Cases of faq@1' });
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    expect(await text(table)).toContain('question: Can I get a refund?');

    await page.getByRole('link', { name: 'Diff' }).click();
    await page.waitForURL(/view=diff&from=1&to=2/);
    await expect.poll(() => text(page.getByRole('status').filter({ hasText: 'added' }))).toBe('1 added · 1 removed · 1 changed · 0 unchanged');
    const changes = page.getByRole('table', { name: 'Changes of case q1' });
    expect(await changes.getByRole('cell').allTextContents()).toEqual(['input.variables.question', 'Where is my order?', 'Where is my parcel?']);
    await page.screenshot({ path: 'test-results/dataset-diff.png', fullPage: true });
  });

  it('lists the problems of a bad upload by line and stores nothing', async () => {
    await page.goto(`${server.url}/evals/support-bot/datasets/faq`);
    await page.getByRole('button', { name: 'Push a new version' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('File', { exact: true }).setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('question,expected\nok,fine\n"broken,x\n') });
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await expect.poll(() => text(dialog.getByRole('alert'))).toContain('bad.csv line 3: field 1: a quote opened here is never closed');
    await dialog.getByLabel('File', { exact: true }).setInputFiles({ name: 'more.csv', mimeType: 'text/csv', buffer: Buffer.from('question,expected\nThanks!,you are welcome\n') });
    await dialog.getByRole('button', { name: 'Upload' }).click();
    await expect.poll(() => text(dialog.getByRole('status'))).toBe('Created faq@3 with 1 case.');
    expect((await api().datasets.get.query({ service: 'support-bot', name: 'faq' })).versions.map((v) => v.version)).toEqual([3, 2, 1]);
  });
});
