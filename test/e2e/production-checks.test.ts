// Production checks as a new user meets them on the demo: the CLI sends usual questions through staging's gateway,
// marks them as the drift reference, then sends a shifted mix; the drift report it runs flags the input and output
// text (with the method and statistic), the demo's retraining rule sends a signed webhook to the reference model
// server's training intake once, staging's smoke tests are scheduled, and Chromium reads the drift verdict on the
// environment page.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { chromiumAvailable, launchBrowser } from './browser';
import { freePort, startServer, type RunningServer } from './server';

const BIN = path.resolve('scripts/slipway.mjs');
const enabled = chromiumAvailable();
let server: RunningServer;
let modelPort: number;
let browser: Browser;
let page: Page;
let gatewayKey: string;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });

function slipway(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { NODE_ENV: 'test', PATH: process.env.PATH ?? '', SLIPWAY_URL: server.url, SLIPWAY_TOKEN: server.bootstrapToken, SLIPWAY_GATEWAY_KEY: gatewayKey };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function json<T>(args: string[]): Promise<T> {
  const run = await slipway([...args, '--json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as T;
}

beforeAll(async () => {
  if (!enabled) return;
  modelPort = await freePort();
  server = await startServer({
    SLIPWAY_DEMO: 'on',
    SLIPWAY_MODEL_SERVER: 'on',
    SLIPWAY_MODEL_SERVER_PORT: String(modelPort),
    SLIPWAY_MODEL_SERVER_CONFIG: path.resolve('test/fixtures/production-checks-models.yaml'),
  });
  ({ key: gatewayKey } = await api().gatewayKeys.create.mutate({ service: 'support-bot', name: 'traffic' }));
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
  page.setDefaultTimeout(10_000);
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(server.adminEmail);
  await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

interface Summary {
  answered: number;
  releases: Record<string, number>;
}
interface Report {
  id: string;
  releaseNumber: number | null;
  status: string;
  reference: { rows: number; kind: string };
  current: { rows: number };
  features: { feature: string; method: string; drifted: boolean; statistic: number; pValue: number | null }[];
  text: { field: string; method: string; auc: number | null; threshold: number; drifted: boolean; topNgrams: { ngram: string }[] }[];
}

describe.runIf(enabled)('production checks on the demo', () => {
  it('flags a shifted question mix on staging, fires the retraining webhook once, and shows the verdict', async () => {
    // The gateway learns of a new key within a second.
    await expect.poll(async () => (await fetch(`${server.url}/gw/support-bot/staging/v1/models`, { headers: { authorization: `Bearer ${gatewayKey}` } })).status, { timeout: 3000, interval: 100 }).toBe(200);
    const usual = await json<Summary>(['traffic', 'support-bot', '-e', 'staging', '--requests', '120', '--concurrency', '8']);
    expect(usual.answered).toBe(120);
    expect(usual.releases).toEqual({ '2': 120 });
    const reference = await json<{ reference: { kind: string } }>(['drift', 'reference', 'support-bot', '-e', 'staging', '--last', '10m']);
    expect(reference.reference.kind).toBe('period');
    const shifted = await json<Summary>(['traffic', 'support-bot', '-e', 'staging', '--requests', '120', '--concurrency', '8', '--mix', 'shifted']);
    expect(shifted.answered).toBe(120);

    const reports = await json<Report[]>(['drift', 'report', 'support-bot', '-e', 'staging', '--run']);
    const whole = reports.find((r) => r.releaseNumber === null)!;
    expect(whole.reference).toMatchObject({ kind: 'period', rows: 120 });
    expect(whole.current.rows).toBe(120);
    const input = whole.text.find((t) => t.field === 'input')!;
    const output = whole.text.find((t) => t.field === 'output')!;
    for (const t of [input, output]) {
      expect(t).toMatchObject({ method: 'domain-classifier', drifted: true });
      expect(t.auc!).toBeGreaterThan(t.threshold);
    }
    // The shifted mix pastes context around the question: longer inputs, tested by KS below 1,000 reference rows.
    expect(whole.features.find((f) => f.feature === 'input_tokens')).toMatchObject({ method: 'ks', drifted: true });

    // The demo's retraining rule (output text drifted) sends one signed webhook to the training stand-in.
    const jobs = async () => ((await (await fetch(`http://127.0.0.1:${modelPort}/retrain`)).json()) as { data: { event: string | null; delivery: string | null; signed: boolean }[] }).data;
    await expect.poll(async () => (await jobs()).length, { timeout: 10_000, interval: 200 }).toBe(1);
    expect((await jobs())[0]).toMatchObject({ signed: true });
    const events = await api().triggers.events.query({ service: 'support-bot', environment: 'staging' });
    const retrain = events.filter((e) => e.ruleId === 'retrain-on-drift');
    expect(retrain).toHaveLength(1);
    expect(retrain[0]!.webhook).toMatchObject({ state: 'sent', status: 202 });

    // Smoke tests are scheduled on staging.
    const smoke = await api().smoke.runs.query({ service: 'support-bot', environment: 'staging' });
    expect(smoke.settings).toMatchObject({ enabled: true, suite: 'support-answers' });
    expect(new Date(smoke.nextRunAt!).getTime()).toBeGreaterThan(Date.now());

    // The environment page's Drift tab says so: the verdict names the drifted texts with the classifier's AUC.
    await page.goto(`${server.url}/services/support-bot/environments/staging?tab=drift`);
    const verdict = page.getByRole('region', { name: 'Drift verdict' });
    await expect.poll(async () => (await verdict.getByRole('heading', { level: 2 }).textContent()) ?? '', { timeout: 15_000 }).toMatch(/^Dataset drift: \d+ of \d+ drifted$/);
    const drifted = (await verdict.getByRole('list', { name: 'Drifted' }).getByRole('listitem').allInnerTexts()).join('\n');
    expect(drifted).toMatch(/Input text.*AUC/s);
    expect(drifted).toMatch(/Output text.*AUC/s);
    expect(drifted).toMatch(/Input tokens.*KS/s);
  }, 240_000);
});
