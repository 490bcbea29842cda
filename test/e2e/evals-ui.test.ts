// Evals in Chromium, with the workflow engine running them: a dataset and a suite are set up through the API, an
// admin starts an eval of a candidate from the suite page against what dev serves now, follows its progress live
// to the end, and reads the comparison (scores, the paired difference, the verdict and its reasons) and a
// regression in the case table, alone under "regressions only". Screenshots at 1440 and 390 px go to /tmp.
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { startTestUpstream, type TestUpstream } from '@/test/helpers/upstream';
import { chromiumAvailable, launchBrowser } from './browser';
import { startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
const SERVICE = 'ui-evals';
const SHOTS = process.env.EVALS_UI_SHOTS ?? '/tmp/evals-ui';
let server: RunningServer;
let upstream: TestUpstream;
let browser: Browser;
let page: Page;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';
const LIVE = { timeout: 15_000 };

/**
 * The test upstream answers `<model>: <question>`. The baseline's model is called `alpha-…`, the candidate's
 * `beta-…`: cases that expect a word of the question pass on both; cases that expect "alpha" pass on the
 * baseline only: six regressions of ten cases, significant on both tests.
 */
const CASES = [
  ...['lighthouse', 'harbour', 'anchor', 'compass'].map((w, i) => ({ id: `same-${i + 1}`, q: `Spell the word ${w}`, expected: w })),
  ...[1, 2, 3, 4, 5, 6].map((i) => ({ id: `drop-${i}`, q: `Which model answers question ${i}?`, expected: 'alpha' })),
];
const JSONL = CASES.map((c) => JSON.stringify({ id: c.id, messages: [{ role: 'user', content: c.q }], expected: c.expected })).join('\n');
const SUITE = `description: Answers name the expected word
dataset: word-list
threshold: 0.5
concurrency: 2
gate: { maxRegression: 0.02, alpha: 0.05 }
assertions:
  - type: icontains
    value: "{{expected}}"
    metric: accuracy
`;

beforeAll(async () => {
  if (!enabled) return;
  upstream = await startTestUpstream();
  server = await startServer();
  const client = api();
  await client.services.create.mutate({ name: SERVICE, description: 'Evals in the browser' });
  // A second service, with or without the demo's: the Evals section then lists services (with one it opens on it).
  await client.services.create.mutate({ name: 'neighbour-bot', description: 'Another service' });
  const alpha = await client.models.register.mutate({ model: `${SERVICE}-alpha`, providerKind: 'openai-compatible', baseUrl: `${upstream.url}/v1`, upstreamModel: 'alpha-model' });
  const beta = await client.models.register.mutate({ model: `${SERVICE}-beta`, providerKind: 'openai-compatible', baseUrl: `${upstream.url}/v1`, upstreamModel: 'beta-model' });
  const baseline = await client.releases.create.mutate({ service: SERVICE, model: alpha.ref });
  await client.releases.create.mutate({ service: SERVICE, model: beta.ref });
  await client.environments.deploy.mutate({ service: SERVICE, environment: 'dev', routes: [{ release: baseline.number, weight: 100 }], reason: 'baseline' });
  await client.datasets.push.mutate({ service: SERVICE, name: 'word-list', file: { name: 'words.jsonl', content: JSONL } });
  await client.evals.saveSuite.mutate({ service: SERVICE, name: 'words', yaml: SUITE });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  page.setDefaultTimeout(10_000);
});
afterEach(async (ctx) => {
  if (ctx.task.result?.state === 'fail') await page?.screenshot({ path: `${SHOTS}/evals-failure.png`, fullPage: true });
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await upstream?.close();
});

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${server.url}/sign-in`);
  await p.getByLabel('Email', { exact: true }).fill(email);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((url) => url.pathname === '/');
}

/** Full-page screenshots at desktop and phone widths, for a look (not committed); nothing is wider than a phone. */
async function screenshots(name: string) {
  for (const width of [1440, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: `${SHOTS}/evals-${name}-${width}.png`, fullPage: true });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

describe.runIf(enabled)('evals in the console', () => {
  it('starts an eval from the suite page, follows it live, and reads the comparison and a regression', async () => {
    await signIn(page, server.adminEmail, server.adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Evals' }).click();
    await page.waitForURL(/\/evals$/);
    const card = page.getByRole('region', { name: SERVICE });
    await expect.poll(() => text(card)).toContain('words v1');
    expect(await text(card)).toContain('No runs yet.');
    await screenshots('overview');

    await card.getByRole('link', { name: SERVICE }).click();
    await page.waitForURL(/\/evals\/ui-evals$/);
    const suites = page.getByRole('region', { name: 'Suites' });
    await expect.poll(() => text(suites)).toContain('word-list@1');
    await suites.getByRole('link', { name: 'words', exact: true }).click();
    await page.waitForURL(/\/evals\/ui-evals\/suites\/words$/);
    const definition = page.getByRole('region', { name: 'Suite definition' });
    await expect.poll(() => text(definition)).toContain('Valid: 1 assertion.');
    const editor = definition.getByLabel('Suite YAML', { exact: true });
    await editor.fill(SUITE.replace('threshold: 0.5', 'threshold: 2'));
    await expect.poll(() => definition.getByRole('list', { name: 'Problems' }).getByRole('listitem').allTextContents()).toEqual([expect.stringMatching(/^line 3threshold/)]);
    expect(await definition.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await definition.getByRole('button', { name: 'Discard' }).click();
    await expect.poll(() => text(definition)).toContain('Valid: 1 assertion.');
    await screenshots('suite');

    await page.getByRole('button', { name: 'Run eval' }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.getByLabel('Candidate release', { exact: true }).locator('option').allTextContents()).toEqual([expect.stringMatching(/^#2 · ui-evals-beta/), expect.stringMatching(/^#1 · ui-evals-alpha/)]);
    await dialog.getByLabel('Environment', { exact: true }).selectOption('dev');
    await expect.poll(() => text(dialog.getByRole('radio', { name: /What dev serves now/ }).locator('..'))).toBe('What dev serves now (#1)');
    await expect.poll(() => text(dialog.getByRole('region', { name: 'Estimate' })), LIVE).toMatch(/^Estimate: 20 model calls, 0 from the cache, about \$/);
    await dialog.screenshot({ path: `${SHOTS}/evals-dialog.png` });
    await dialog.getByRole('button', { name: 'Start eval' }).click();
    await page.waitForURL(/\/evals\/ui-evals\/runs\/1$/);
    await page.getByRole('heading', { name: `${SERVICE} eval run #1` }).waitFor();
    // A reload would lose this mark: the page must follow the run by itself.
    await page.evaluate(() => ((window as unknown as { runPageMark?: string }).runPageMark = 'run 1'));

    const verdict = page.getByRole('region', { name: 'Verdict' });
    await verdict.waitFor(LIVE);
    expect(await text(verdict)).toContain('Gate failed');
    expect(await page.evaluate(() => (window as unknown as { runPageMark?: string }).runPageMark)).toBe('run 1');
    expect(await text(verdict.getByRole('list', { name: 'Reasons' }))).toContain('regression of 60.0 points');
    expect(await text(verdict.getByRole('note'))).toContain('Dataset too small to tell.');
    const comparison = page.getByRole('region', { name: 'Comparison' });
    expect(await text(comparison.getByRole('region', { name: 'Candidate' }))).toContain('Score40.0%');
    expect(await text(comparison.getByRole('region', { name: 'Baseline' }))).toContain('Score100.0%');
    expect(await text(comparison.getByRole('region', { name: 'Difference' }))).toContain('−60.0 pts');
    expect(await text(comparison)).toContain('Cache hits 0 of 20 calls');
    await screenshots('run');

    const cases = page.getByRole('region', { name: 'Cases' });
    await expect.poll(() => text(cases)).toContain('1–10 of 10');
    await cases.getByLabel('Regressions only').check();
    await expect.poll(() => text(cases)).toContain('1–6 of 6');
    const drop = cases.getByRole('listitem', { name: 'Case drop-1' });
    expect(await text(drop.getByRole('region', { name: 'Candidate' }))).toContain('beta-model: Which model answers question 1?');
    expect(await text(drop.getByRole('region', { name: 'Baseline' }))).toContain('alpha-model: Which model answers question 1?');
    await cases.getByLabel('Search cases').fill('question 3');
    await expect.poll(() => text(cases)).toContain('1–1 of 1');
    await screenshots('cases');
  });

  it('lists the run with its verdict, shows the dataset, and estimates a rerun entirely from the cache', async () => {
    const callsBefore = upstream.calls.length;
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: SERVICE }).click();
    await page.getByRole('link', { name: 'Runs', exact: true }).click();
    await page.waitForURL(/\/evals\/ui-evals\?tab=runs$/);
    const row = page.getByRole('table', { name: `Eval runs of ${SERVICE}` }).getByRole('row').nth(1);
    await expect.poll(() => row.getByRole('cell').allTextContents()).toEqual([
      '#1',
      'failed',
      'words v1',
      '#2 vs #1gate of dev',
      '40.0% vs 100.0%',
      '−60.0 pts',
      'gate failed',
      '$0',
      expect.any(String),
    ]);
    await page.getByRole('link', { name: 'Datasets', exact: true }).click();
    await expect.poll(() => text(page.getByRole('region', { name: 'Datasets' }))).toContain('word-list');

    await page.getByRole('button', { name: 'Run eval' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Environment', { exact: true }).selectOption('dev');
    await expect.poll(() => text(dialog.getByRole('region', { name: 'Estimate' })), LIVE).toMatch(/^Estimate: 0 model calls, 20 from the cache, about \$0\./);
    await dialog.getByRole('button', { name: 'Start eval' }).click();
    await page.waitForURL(/\/evals\/ui-evals\/runs\/2$/);
    const comparison = page.getByRole('region', { name: 'Comparison' });
    await comparison.waitFor(LIVE);
    expect(await text(comparison)).toContain('Cache hits 20 of 20 calls');
    expect(upstream.calls.length).toBe(callsBefore);
  });

  it('creates a suite from the template, which names the service\'s dataset', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: SERVICE }).click();
    await page.waitForURL(/\/evals\/ui-evals\?tab=runs$/);
    await page.getByRole('link', { name: 'Suites', exact: true }).click();
    await page.waitForURL(/\/evals\/ui-evals\?tab=suites$/);
    await page.getByLabel('New suite name').fill('words-strict');
    await page.getByRole('button', { name: 'New suite' }).click();
    await page.waitForURL(/\/evals\/ui-evals\/suites\/words-strict$/);
    const definition = page.getByRole('region', { name: 'Suite definition' });
    await expect.poll(() => text(definition)).toContain('not saved');
    expect(await definition.getByLabel('Suite YAML', { exact: true }).inputValue()).toMatch(/^dataset: word-list /m);
    await expect.poll(() => text(definition), LIVE).toContain('Valid: 1 assertion.');
    await definition.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => text(definition), LIVE).toContain(`Saved`);
    expect(await text(definition)).toContain(`by ${server.adminEmail}`);
    await expect.poll(() => text(page.getByRole('region', { name: 'Versions' }))).toContain('word-list@1');
    expect((await api().evals.listSuites.query({ service: SERVICE })).map((x) => `${x.name} v${x.version}`)).toEqual(['words v1', 'words-strict v1']);
  });
});
