// Pipelines in Chromium: an admin edits a service's definition (a planned step type is reported at its line,
// the cursor jumps there, the fix saves as version 1), starts a run from the dialog and finds it queued with
// its steps, cancels and retries it; a viewer may look but not change or run. Against PostgreSQL, the test
// also drives a run through the orchestration itself and watches the page follow it live.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '@/db/client';
import type { AppRouter } from '@/server/api/root';
import { orchestrateRun } from '@/server/pipelines/execute';
import { setSecretKey } from '@/server/secrets/crypto';
import { chromiumAvailable, launchBrowser } from './browser';
import { startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
const SERVICE = 'ui-pipes';
const VIEWER = { email: 'vera@e2e.test', password: 'vera-password-1234' };
/** Given to the server so that this process, acting as a second instance, reads the secrets it stores. */
const SECRET_KEY = randomBytes(32);
let server: RunningServer;
let browser: Browser;
let page: Page;

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';
/** The line under a run page's title: its status and when it was queued, started or ended. */
const runLine = () => page.locator('main h1 + p');

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer({ SLIPWAY_SECRET_KEY: SECRET_KEY.toString('hex') });
  const client = api();
  await client.services.create.mutate({ name: SERVICE, description: 'Pipelines in the browser' });
  const model = await client.models.register.mutate({ model: `${SERVICE}-llm`, providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small' });
  await client.releases.create.mutate({ service: SERVICE, model: model.ref });
  await client.users.create.mutate({ email: VIEWER.email, name: 'Vera', role: 'viewer', password: VIEWER.password });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${server.url}/sign-in`);
  await p.getByLabel('Email', { exact: true }).fill(email);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL(/\/services$/);
}

async function setTheme(theme: 'Light' | 'Dark') {
  await page.getByRole('button', { name: 'User menu' }).click();
  await page.getByRole('menuitem', { name: theme }).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.classList.contains('dark'))).toBe(theme === 'Dark');
}

/** The page in both themes, for a look after a run (test-results/ is not committed). */
async function screenshots(name: string) {
  for (const theme of ['Light', 'Dark'] as const) {
    await setTheme(theme);
    await page.screenshot({ path: `test-results/pipelines-${name}-${theme.toLowerCase()}.png`, fullPage: true });
  }
  await setTheme('Light');
}

const WITH_PLANNED_STEP = `branches:
  - pattern: main
    mode: deploy
    environment: staging

stages:
  - name: check
    steps:
      - name: config
        type: validate-config
      - name: gate
        type: eval
  - name: deliver
    steps:
      - name: deploy
        type: deploy
`;

describe.runIf(enabled)('pipelines in the console', () => {
  it('reports a planned step type at its line, moves the cursor there, and saves the fixed definition as version 1', async () => {
    await signIn(page, server.adminEmail, server.adminPassword);
    await page.goto(`${server.url}/pipelines`);
    await page.getByLabel('Service', { exact: true }).selectOption(SERVICE);
    await page.waitForURL(/\/pipelines\?service=ui-pipes$/);
    await expect.poll(() => text(page.getByRole('note'))).toContain(`${SERVICE} has no pipeline yet.`);
    expect(await page.getByRole('button', { name: 'Run pipeline' }).count()).toBe(0);
    await page.getByRole('link', { name: 'Definition (not saved)' }).click();
    await page.waitForURL(/\/pipelines\/ui-pipes\/definition$/);

    const definition = page.getByRole('region', { name: 'Definition' });
    const editor = definition.getByLabel('Pipeline YAML', { exact: true });
    expect(await editor.inputValue()).toContain('type: validate-config');
    await expect.poll(() => text(definition)).toContain('Valid: 2 stages, 2 steps.');
    expect(await text(definition)).toContain('not saved');
    const planned = page.getByRole('list', { name: 'Planned step types' }).getByRole('listitem').filter({ hasText: /^eval/ });
    expect(await text(planned)).toBe('evalnot available yetcomes with release gates (evals against the baseline)');
    expect(await text(page.getByRole('list', { name: 'Available step types' }))).toContain('webhookavailable');

    await editor.fill(WITH_PLANNED_STEP);
    const problems = definition.getByRole('list', { name: 'Problems' });
    await expect.poll(() => problems.getByRole('listitem').allTextContents()).toEqual([
      'line 12stages[0].steps[1].typestep type eval is not available yet (it comes with release gates (evals against the baseline))',
    ]);
    expect(await definition.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await definition.screenshot({ path: 'test-results/pipelines-definition-problem.png' });

    await editor.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(0, 0));
    await problems.getByRole('button', { name: /^line 12/ }).click();
    const cursor = await editor.evaluate((el: HTMLTextAreaElement) => ({ focused: document.activeElement === el, line: el.value.slice(0, el.selectionStart).split('\n').length, rest: el.value.slice(el.selectionStart).split('\n')[0] }));
    expect(cursor).toEqual({ focused: true, line: 12, rest: 'type: eval' });
    // Fix it where the cursor now is.
    await page.keyboard.press('Shift+End');
    await page.keyboard.type('type: validate-config');
    expect((await editor.inputValue()).split('\n')[11]).toBe('        type: validate-config');
    await expect.poll(() => text(definition)).toContain('Valid: 2 stages, 3 steps.');
    expect(await problems.count()).toBe(0);

    await definition.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => text(definition.getByRole('status'))).toBe('Saved as version 1.');
    await expect.poll(() => text(definition)).toContain('v1');
    expect(await text(definition)).not.toContain('unsaved changes');
    const saved = await api().pipelines.definition.query({ service: SERVICE });
    expect(saved).toMatchObject({ saved: true, version: 1 });
    expect(saved.definition.stages.map((s) => s.steps.map((st) => `${s.name}/${st.name}:${st.type}`))).toEqual([['check/config:validate-config', 'check/gate:validate-config'], ['deliver/deploy:deploy']]);
    await screenshots('definition');
  });

  it('starts a run from the dialog and shows it queued with its steps by stage', async () => {
    await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Pipelines' }).click();
    await page.waitForURL(/\/pipelines\?service=ui-pipes$/);
    await expect.poll(() => text(page.getByRole('main'))).toContain(`${SERVICE} has no pipeline runs yet.`);
    await page.getByRole('button', { name: 'Run pipeline' }).click();
    const dialog = page.getByRole('dialog');
    expect(await text(dialog)).toContain('main → deploy to staging; any other branch, or none, is evaluated only.');
    await dialog.getByLabel('Branch', { exact: true }).fill('main');
    await expect.poll(() => dialog.getByLabel('Release', { exact: true }).locator('option').first().textContent()).toBe('The newest (#1)');
    await dialog.screenshot({ path: 'test-results/pipelines-run-dialog.png' });
    await dialog.getByRole('button', { name: 'Start run' }).click();
    await page.waitForURL(/\/pipelines\/ui-pipes\/runs\/1$/);

    await page.getByRole('heading', { name: `${SERVICE} run #1` }).waitFor();
    const run = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => text(run)).toContain('deploy → staging');
    expect(await text(run)).toContain(`manual by ${server.adminEmail}`);
    expect(await text(run)).toContain('Branchmain');
    expect(await run.getByRole('link', { name: `${SERVICE}#1` }).getAttribute('href')).toBe(`/releases/${SERVICE}/1`);
    expect(await text(runLine())).toContain('queued');

    const steps = page.getByRole('region', { name: 'Steps' });
    expect(await text(steps)).toContain('Queued: the steps start when the workflow engine picks the run up.');
    const stages = steps.getByRole('listitem', { name: /^Stage / });
    expect(await stages.evaluateAll((items) => items.map((i) => [i.getAttribute('aria-label'), i.querySelectorAll('li').length]))).toEqual([
      ['Stage source', 1],
      ['Stage check', 2],
      ['Stage deliver', 1],
    ]);
    for (const [name, type] of [
      ['candidate', 'candidate'],
      ['config', 'validate-config'],
      ['gate', 'validate-config'],
      ['deploy', 'deploy'],
    ]) {
      const step = steps.getByRole('listitem', { name: `Step ${name}`, exact: true });
      expect(await text(step.getByRole('button'))).toBe(`${name}${type}pending—`);
    }
    expect(await steps.getByRole('progressbar', { name: 'Steps done' }).getAttribute('aria-valuenow')).toBe('0');
    await steps.getByRole('button', { name: /^config/ }).click();
    expect(await text(steps.getByRole('listitem', { name: 'Step config', exact: true }))).toContain('No logs yet.');
    await screenshots('run-queued');
  });

  it('cancels the run with a reason, retries it, and the runs list follows without a reload', async () => {
    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason', { exact: true }).fill('trying the button');
    await dialog.getByRole('button', { name: 'Cancel run' }).click();
    await dialog.waitFor({ state: 'detached' });
    const run = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => text(run)).toContain('Cancelledtrying the button');
    const steps = page.getByRole('region', { name: 'Steps' });
    expect(await steps.getByRole('listitem', { name: /^Step / }).evaluateAll((items) => items.map((i) => i.querySelector('button')?.textContent?.includes('cancelled')))).toEqual([true, true, true, true]);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);

    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(/\/pipelines\/ui-pipes\/runs\/2$/);
    await expect.poll(() => text(page.getByRole('region', { name: 'Run' }))).toContain('retry of run 1');

    await page.goto(`${server.url}/pipelines?service=${SERVICE}`);
    const table = page.getByRole('table', { name: `Pipeline runs of ${SERVICE}` });
    await expect.poll(() => table.getByRole('row').allTextContents()).toEqual([
      'RunStatusTriggerDoesCandidateStartedDuration',
      expect.stringMatching(new RegExp(`^#2queuedmanualmain${server.adminEmail}deploy → staging#1queued .+—$`)),
      expect.stringMatching(new RegExp(`^#1cancelledmanualmain${server.adminEmail}deploy → staging#1queued .+—$`)),
    ]);
    // Cancelled elsewhere (here through the API): the list refreshes itself while a run is queued.
    await api().pipelines.cancel.mutate({ service: SERVICE, number: 2 });
    await expect.poll(() => text(table.getByRole('row').nth(1)), { timeout: 5000 }).toContain('cancelled');
    await screenshots('runs');
  });

  it('lets a viewer read the definition and the runs, but not change or start them', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const viewer = await context.newPage();
    viewer.setDefaultTimeout(10_000);
    try {
      await signIn(viewer, VIEWER.email, VIEWER.password);
      await viewer.goto(`${server.url}/pipelines/${SERVICE}/definition`);
      const definition = viewer.getByRole('region', { name: 'Definition' });
      await expect.poll(() => text(definition)).toContain('Your role may read this pipeline but not change it (needs pipelines:write).');
      expect(await definition.getByLabel('Pipeline YAML', { exact: true }).getAttribute('readonly')).not.toBeNull();
      expect(await definition.getByRole('button', { name: 'Save', exact: true }).count()).toBe(0);
      await viewer.goto(`${server.url}/pipelines?service=${SERVICE}`);
      await viewer.getByRole('table', { name: `Pipeline runs of ${SERVICE}` }).waitFor();
      expect(await viewer.getByRole('button', { name: 'Run pipeline' }).count()).toBe(0);
      await viewer.goto(`${server.url}/pipelines/${SERVICE}/runs/1`);
      await viewer.getByRole('region', { name: 'Steps' }).waitFor();
      expect(await viewer.getByRole('button', { name: 'Retry' }).count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});

// The workflow engine is not part of this process's configuration yet, so against PostgreSQL the test acts as
// the engine would: it runs the orchestration on the server's database from here, holding a webhook step open
// to see the page show it running, then letting it finish.
describe.runIf(enabled && Boolean(process.env.TEST_DATABASE_URL))('a run moving through its steps', () => {
  let database: Database;
  let hook: http.Server;
  let answer: (() => void) | null = null;
  const waiting = new Promise<void>((resolve) => (answer = resolve));

  beforeAll(async () => {
    database = await openDatabase({ kind: 'postgres', url: server.databaseUrl!, poolSize: 3 });
    setSecretKey(SECRET_KEY);
    hook = http.createServer((req, res) => {
      req.resume();
      void waiting.then(() => res.writeHead(200).end('ok'));
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  });
  afterAll(async () => {
    answer?.();
    hook?.closeAllConnections();
    await new Promise((r) => hook?.close(r));
    await database?.close();
  });

  it('shows each step as it runs and ends, without a reload', async () => {
    const client = api();
    await client.secrets.create.mutate({ name: 'ui-hook', kind: 'webhook_secret', value: 'whsec_browser_pipeline_test' });
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/notify`;
    await client.pipelines.saveDefinition.mutate({
      service: SERVICE,
      yaml: `branches:\n  - pattern: main\n    mode: deploy\n    environment: dev\nstages:\n  - name: check\n    steps:\n      - name: config\n        type: validate-config\n  - name: notify\n    steps:\n      - name: hook\n        type: webhook\n        inputs: { url: "${url}", secret: ui-hook }\n  - name: deliver\n    steps:\n      - name: deploy\n        type: deploy\n`,
    });
    const started = await client.pipelines.start.mutate({ service: SERVICE, branch: 'main' });
    await page.goto(`${server.url}/pipelines/${SERVICE}/runs/${started.number}`);
    const steps = page.getByRole('region', { name: 'Steps' });
    const step = (name: string) => steps.getByRole('listitem', { name: `Step ${name}`, exact: true }).getByRole('button');
    await expect.poll(() => text(step('hook'))).toContain('pending');

    const finished = orchestrateRun(database.db, started.id, (_id, fn) => fn());
    await expect.poll(() => text(step('hook')), { timeout: 10_000 }).toContain('running');
    expect(await text(step('candidate'))).toContain('passed');
    expect(await text(step('config'))).toContain('passed');
    expect(await text(step('deploy'))).toContain('pending');
    expect(await text(runLine())).toContain('running');
    expect(await text(steps)).toContain('Updating live.');
    await page.screenshot({ path: 'test-results/pipelines-run-live.png', fullPage: true });

    answer!();
    expect(await finished).toEqual({ status: 'passed' });
    await expect.poll(() => text(runLine()), { timeout: 5000 }).toContain('passed');
    expect(await text(step('hook'))).toContain('passed');
    expect(await text(step('deploy'))).toContain('passed');
    expect(await steps.getByRole('progressbar', { name: 'Steps done' }).getAttribute('aria-valuenow')).toBe('4');
    await step('config').click();
    const config = steps.getByRole('listitem', { name: 'Step config', exact: true });
    expect(await text(config.getByLabel('Logs of config'))).toContain(`ok   model endpoint: ${SERVICE}-llm@1 answers at http://127.0.0.1:9/v1`);
    expect(await text(config.getByLabel('Outputs of config'))).toContain('"check": "model status"');
    await step('deploy').click();
    expect(await text(steps.getByRole('listitem', { name: 'Step deploy', exact: true }).getByLabel('Outputs of deploy'))).toContain('"environment": "dev"');
    await screenshots('run-passed');
  });
});
