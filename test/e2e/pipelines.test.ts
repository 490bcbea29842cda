// Pipelines in Chromium, with the workflow engine running them: an admin edits a service's definition (a planned
// step type is reported at its line, the cursor jumps there, the fix saves as version 1), starts a run from the
// dialog and watches its steps pass live up to a webhook step the test holds open, then to the end and the
// deployment, a rollout into staging; a deployment to production waits at its step for an approval, which the
// admin who started it may not give, and an approver's rejection fails it; a run held at the webhook is cancelled
// with a reason and stays cancelled when the hook answers, and its retry passes without moving anything. A viewer
// may look but not change or run.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTRPCClient, httpLink } from '@trpc/client';
import type { Browser, Page } from 'playwright-core';
import superjson from 'superjson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppRouter } from '@/server/api/root';
import { DEFAULT_ENVIRONMENTS } from '@/server/services/environments/settings';
import { chromiumAvailable, launchBrowser } from './browser';
import { startServer, type RunningServer } from './server';
import { signIn as sessionCookie } from './session';

const enabled = chromiumAvailable();
const SERVICE = 'ui-pipes';
const VIEWER = { email: 'vera@e2e.test', password: 'vera-password-1234' };
const APPROVER = { email: 'abe@e2e.test', password: 'abe-password-1234' };
const HOOK_SECRET = 'whsec_browser_pipeline_test';
let server: RunningServer;
let browser: Browser;
let page: Page;

/** What the webhook step sent: the body, and whether its signature checks out with the stored secret. */
interface Delivery {
  body: { event: string; service: string; run: { number: number; targetEnvironment: string | null }; release: { number: number; ref: string }; step: string };
  signed: boolean;
}

/**
 * The receiver of the pipeline's webhook step. It answers nothing until the test releases it, so a run stays
 * `running` on that step for as long as the test looks at it.
 */
const hook = {
  server: null as http.Server | null,
  deliveries: [] as Delivery[],
  held: [] as http.ServerResponse[],
  url: () => `http://127.0.0.1:${(hook.server!.address() as AddressInfo).port}/notify`,
  /** Answers every request held so far with 200. */
  release() {
    for (const res of hook.held.splice(0)) res.writeHead(200, { 'content-type': 'text/plain' }).end('noted');
  },
};

function verifySignature(header: string | undefined, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header ?? '');
  return Boolean(m && createHmac('sha256', HOOK_SECRET).update(`${m[1]}.${body}`).digest('hex') === m[2]);
}

const api = () =>
  createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { authorization: `Bearer ${server.bootstrapToken}` } })] });

/** A tRPC client acting as a person: signs in through next-auth and sends the session cookie (approvals are made by people, not the bootstrap token). */
async function signedInApi(email: string, password: string) {
  const cookie = await sessionCookie(server.url, email, password);
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${server.url}/api/trpc`, transformer: superjson, headers: { cookie } })] });
}
const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';
/** The line under a run page's title: its status and when it was queued, started or ended. */
const runLine = () => page.locator('main h1 + p');
const stepsRegion = () => page.getByRole('region', { name: 'Steps' });
/** A step's row on the run page: name, type, status and duration. */
const step = (name: string) => stepsRegion().getByRole('listitem', { name: `Step ${name}`, exact: true }).getByRole('button');
/** Every step's name and status badge, in run order, as the run page shows them. */
const stepStatuses = () =>
  stepsRegion()
    .getByRole('listitem', { name: /^Step / })
    .evaluateAll((items) =>
      items.map((i) => {
        // The right-hand end of the step's button: attempts (when more than one), the status badge, the duration.
        const end = i.querySelector(':scope > button > span:last-child')!;
        return `${i.getAttribute('aria-label')!.replace(/^Step /, '')}: ${end.children[end.children.length - 2]?.textContent}`;
      }),
    );

beforeAll(async () => {
  if (!enabled) return;
  hook.server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      hook.deliveries.push({ body: JSON.parse(body) as Delivery['body'], signed: verifySignature(req.headers['x-slipway-signature'] as string | undefined, body) });
      hook.held.push(res);
    });
  });
  await new Promise<void>((r) => hook.server!.listen(0, '127.0.0.1', r));
  server = await startServer();
  const client = api();
  await client.services.create.mutate({ name: SERVICE, description: 'Pipelines in the browser' });
  const model = await client.models.register.mutate({ model: `${SERVICE}-llm`, providerKind: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', upstreamModel: 'small' });
  await client.releases.create.mutate({ service: SERVICE, model: model.ref });
  // Not about gates: the deployments here need none (test/integration/gates*.test.ts covers them).
  for (const environment of ['staging', 'production'] as const) {
    await client.environments.update.mutate({ service: SERVICE, environment, protection: { ...DEFAULT_ENVIRONMENTS[environment].protection, requiredGates: [] } });
  }
  await client.users.create.mutate({ email: VIEWER.email, name: 'Vera', role: 'viewer', password: VIEWER.password });
  await client.users.create.mutate({ email: APPROVER.email, name: 'Abe', role: 'approver', password: APPROVER.password });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
});
afterAll(async () => {
  hook.release();
  await browser?.close();
  await server?.stop();
  hook.server?.closeAllConnections();
  await new Promise((r) => (hook.server ? hook.server.close(r) : r(undefined)));
});

async function signIn(p: Page, email: string, password: string) {
  await p.goto(`${server.url}/sign-in`);
  await p.getByLabel('Email', { exact: true }).fill(email);
  await p.getByLabel('Password', { exact: true }).fill(password);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.waitForURL((url) => url.pathname === '/');
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
        type: smoke-test
  - name: deliver
    steps:
      - name: deploy
        type: deploy
`;

/** The saved definition again, with a webhook step between the checks and the deployment. */
const WITH_WEBHOOK = (url: string) => `branches:
  - pattern: main
    mode: deploy
    environment: staging

stages:
  - name: check
    steps:
      - name: config
        type: validate-config
      - name: gate
        type: validate-config
  - name: notify
    steps:
      - name: hook
        type: webhook
        inputs: { url: "${url}", secret: ui-hook }
  - name: deliver
    steps:
      - name: deploy
        type: deploy
`;

/** For what a page shows after its next refresh (the run page refreshes every second, the runs list every two). */
const LIVE = { timeout: 5000 };
const HELD = ['candidate: passed', 'config: passed', 'gate: passed', 'hook: running', 'deploy: pending'];
const PASSED = ['candidate: passed', 'config: passed', 'gate: passed', 'hook: passed', 'deploy: passed'];
const CANCELLED = ['candidate: passed', 'config: passed', 'gate: passed', 'hook: cancelled', 'deploy: cancelled'];
const WAITING = ['candidate: passed', 'config: passed', 'gate: passed', 'hook: passed', 'deploy: running'];
const REJECTED = `rollout rejected: rejected by ${APPROVER.email}: freeze`;
/** What a rollout's one switch into an empty environment writes into its history. */
const FIRST_SWITCH = (env: string) => ({ kind: 'deploy', actorLabel: `system:rollout:${SERVICE}/${env}#1`, reason: 'rollout 1 step 1 of 1: switch all traffic to #1', routes: [{ weight: 100 }] });
const NOTHING_TO_MOVE = `${SERVICE}/staging already runs ${SERVICE}#1 on all traffic: nothing to roll out`;

/** Waits for the webhook step of the n-th run to reach the hook, and returns what it sent. */
async function delivery(n: number): Promise<Delivery> {
  await expect.poll(() => hook.deliveries.length, { timeout: 15_000 }).toBe(n);
  return hook.deliveries[n - 1]!;
}

async function toRunsList() {
  await page.getByRole('navigation', { name: 'Breadcrumb' }).getByRole('link', { name: 'Pipelines' }).click();
  await page.waitForURL(/\/pipelines\?service=ui-pipes$/);
}

/** Starts a run of the branch main from the dialog, optionally deploying to a chosen environment; returns its number. */
async function startFromDialog(environment?: string): Promise<number> {
  await page.getByRole('button', { name: 'Run pipeline' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Branch', { exact: true }).fill('main');
  await expect.poll(() => dialog.getByLabel('Release', { exact: true }).locator('option').first().textContent(), LIVE).toBe('The newest (#1)');
  if (environment) {
    await dialog.getByRole('radio', { name: 'Deploy to an environment' }).check();
    const select = dialog.getByLabel('Environment', { exact: true });
    await expect.poll(() => select.locator('option').allTextContents(), LIVE).toEqual(['dev', 'staging', 'production (requires 1 approval)']);
    await select.selectOption(environment);
  }
  await dialog.getByRole('button', { name: 'Start run' }).click();
  await page.waitForURL(/\/pipelines\/ui-pipes\/runs\/\d+$/);
  const number = Number(/\/runs\/(\d+)$/.exec(page.url())![1]);
  await page.getByRole('heading', { name: `${SERVICE} run #${number}` }).waitFor();
  return number;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
    // The template shows whole: no line runs past the editor's right edge.
    const [scrollWidth, clientWidth] = await editor.evaluate((el: HTMLTextAreaElement) => [el.scrollWidth, el.clientWidth]);
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth!);
    await expect.poll(() => text(definition)).toContain('Valid: 2 stages, 2 steps.');
    expect(await text(definition)).toContain('not saved');
    const planned = page.getByRole('list', { name: 'Planned step types' }).getByRole('listitem').filter({ hasText: /^smoke-test/ });
    expect(await text(planned)).toBe('smoke-testnot available yetcomes with smoke tests');
    expect(await text(page.getByRole('list', { name: 'Available step types' }))).toContain('webhookavailable');

    await editor.fill(WITH_PLANNED_STEP);
    const problems = definition.getByRole('list', { name: 'Problems' });
    await expect.poll(() => problems.getByRole('listitem').allTextContents()).toEqual([
      'line 12stages[0].steps[1].typestep type smoke-test is not available yet (it comes with smoke tests)',
    ]);
    expect(await definition.getByRole('button', { name: 'Save', exact: true }).isDisabled()).toBe(true);
    await definition.screenshot({ path: 'test-results/pipelines-definition-problem.png' });

    await editor.evaluate((el: HTMLTextAreaElement) => el.setSelectionRange(0, 0));
    await problems.getByRole('button', { name: /^line 12/ }).click();
    const cursor = await editor.evaluate((el: HTMLTextAreaElement) => ({ focused: document.activeElement === el, line: el.value.slice(0, el.selectionStart).split('\n').length, rest: el.value.slice(el.selectionStart).split('\n')[0] }));
    expect(cursor).toEqual({ focused: true, line: 12, rest: 'type: smoke-test' });
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

  it('starts a run from the dialog and follows it live: steps pass up to the held webhook, then all pass and staging runs the candidate', async () => {
    const client = api();
    await client.secrets.create.mutate({ name: 'ui-hook', kind: 'webhook_secret', value: HOOK_SECRET });
    expect(await client.pipelines.saveDefinition.mutate({ service: SERVICE, yaml: WITH_WEBHOOK(hook.url()) })).toMatchObject({ version: 2 });

    await toRunsList();
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
    // A reload would lose this mark: the page must follow the run by itself.
    await page.evaluate(() => ((window as unknown as { runPageMark?: string }).runPageMark = 'run 1'));

    const run = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => text(run), LIVE).toContain('deploy → staging');
    expect(await text(run)).toContain(`manual by ${server.adminEmail}`);
    expect(await text(run)).toContain('Branchmain');
    expect(await run.getByRole('link', { name: `${SERVICE}#1` }).getAttribute('href')).toBe(`/releases/${SERVICE}/1`);
    const stages = stepsRegion().getByRole('listitem', { name: /^Stage / });
    expect(await stages.evaluateAll((items) => items.map((i) => [i.getAttribute('aria-label'), i.querySelectorAll('li').length]))).toEqual([
      ['Stage source', 1],
      ['Stage check', 2],
      ['Stage notify', 1],
      ['Stage deliver', 1],
    ]);

    // The webhook step has sent its request, signed with the stored secret, and waits for the answer.
    expect(await delivery(1)).toEqual({
      signed: true,
      body: expect.objectContaining({ event: 'pipeline.step', service: SERVICE, step: 'hook', run: expect.objectContaining({ number: 1, targetEnvironment: 'staging' }), release: { number: 1, ref: `${SERVICE}#1` } }),
    });
    await expect.poll(stepStatuses, LIVE).toEqual(HELD);
    expect(await text(runLine())).toContain('running');
    expect(await text(stepsRegion())).toContain('Updating live.');
    expect(await stepsRegion().getByRole('progressbar', { name: 'Steps done' }).getAttribute('aria-valuenow')).toBe('3');
    // A running step shows its details by itself.
    await expect.poll(() => text(stepsRegion().getByLabel('Logs of hook')), LIVE).toContain(`POST ${hook.url()}`);
    await screenshots('run-held');

    hook.release();
    await expect.poll(() => text(runLine()), { timeout: 15_000 }).toContain('passed');
    expect(await stepStatuses()).toEqual(PASSED);
    expect(await stepsRegion().getByRole('progressbar', { name: 'Steps done' }).getAttribute('aria-valuenow')).toBe('5');
    expect(await text(stepsRegion())).not.toContain('Updating live.');
    expect(await page.evaluate(() => (window as unknown as { runPageMark?: string }).runPageMark)).toBe('run 1');

    await step('config').click();
    const config = stepsRegion().getByRole('listitem', { name: 'Step config', exact: true });
    expect(await text(config.getByLabel('Logs of config'))).toContain(`ok   model endpoint: ${SERVICE}-llm@1 answers at http://127.0.0.1:9/v1`);
    expect(await text(config.getByLabel('Outputs of config'))).toContain('"check": "model status"');
    await step('hook').click();
    const hookStep = stepsRegion().getByRole('listitem', { name: 'Step hook', exact: true });
    expect(await text(hookStep.getByLabel('Logs of hook'))).toContain('answered 200');
    expect(await text(hookStep.getByLabel('Outputs of hook'))).toContain('"excerpt": "noted"');
    await step('deploy').click();
    const deployStep = stepsRegion().getByRole('listitem', { name: 'Step deploy', exact: true });
    expect(await text(deployStep.getByLabel('Logs of deploy'))).toContain(`rollout 1 of ${SERVICE}#1 to staging started (canary)`);
    expect(await text(deployStep.getByLabel('Logs of deploy'))).toContain('rollout succeeded');
    expect(await text(deployStep.getByLabel('Outputs of deploy'))).toContain('"environment": "staging"');
    expect(await text(deployStep.getByLabel('Outputs of deploy'))).toContain('"rollout": 1');
    // The deploy step went through the release flow: the first rollout into an empty staging is one switch.
    const staging = await client.environments.get.query({ service: SERVICE, environment: 'staging' });
    expect(staging.current).toMatchObject(FIRST_SWITCH('staging'));
    const rollout = await client.rollouts.get.query({ service: SERVICE, environment: 'staging', number: 1 });
    expect(rollout).toMatchObject({ status: 'succeeded', pipelineRun: 1, branch: null, requestedBy: `system:pipeline:${SERVICE}#1`, release: { number: 1 } });
    expect(rollout.events.find((e) => e.kind === 'requested')?.data).toMatchObject({ reason: 'pipeline run 1' });
    await screenshots('run-passed');
  });

  it('holds the deploy step of a run to production until an approver decides; a rejection fails it and production stays empty', async () => {
    const client = api();
    // Production takes a manual run (no branch rule: the release was not built from a branch) but still needs one approval.
    const { protection } = DEFAULT_ENVIRONMENTS.production;
    expect((await client.environments.get.query({ service: SERVICE, environment: 'production' })).protection).toEqual({ ...protection, requiredGates: [] });
    await client.environments.update.mutate({ service: SERVICE, environment: 'production', protection: { ...protection, requiredGates: [], allowedBranches: [] } });

    await toRunsList();
    expect(await startFromDialog('production')).toBe(2);
    const run = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => text(run), LIVE).toContain('deploy → production');
    await delivery(2);
    hook.release();
    // The deploy step asked for the rollout and waits for its approval; the run waits with it.
    await expect.poll(stepStatuses, { timeout: 15_000 }).toEqual(WAITING);
    expect(await text(runLine())).toContain('running');
    expect(await text(stepsRegion())).toContain('Updating live.');
    await expect.poll(() => text(stepsRegion().getByLabel('Logs of deploy')), LIVE).toContain(`rollout 1 of ${SERVICE}#1 to production started (canary, waiting for approval)`);
    await screenshots('run-awaiting-approval');

    const approver = await signedInApi(APPROVER.email, APPROVER.password);
    const requests = (await approver.approvals.list.query({})).filter((a) => a.service === SERVICE && a.environment === 'production');
    expect(requests).toHaveLength(1);
    const [request] = requests;
    expect(request).toMatchObject({ required: 1, release: { number: 1 }, rollout: { number: 1, status: 'awaiting-approval' }, canDecide: true });
    // The admin who started the run may not approve its deployment.
    const admin = await signedInApi(server.adminEmail, server.adminPassword);
    expect((await admin.approvals.list.query({})).find((a) => a.id === request!.id)).toMatchObject({ canDecide: false, whyNot: 'you asked for it or made the release: someone else must approve' });
    await expect(admin.approvals.decide.mutate({ id: request!.id, decision: 'approve' })).rejects.toThrow(/someone else must approve/);
    expect(await stepStatuses()).toEqual(WAITING);

    expect(await approver.approvals.decide.mutate({ id: request!.id, decision: 'reject', comment: 'freeze' })).toMatchObject({ status: 'rejected' });
    await expect.poll(() => text(runLine()), { timeout: 15_000 }).toContain('failed');
    expect(await stepStatuses()).toEqual(['candidate: passed', 'config: passed', 'gate: passed', 'hook: passed', 'deploy: failed']);
    // A failed step shows its error by itself; the run names the step that failed it.
    expect(await text(stepsRegion().getByRole('listitem', { name: 'Step deploy', exact: true }).getByRole('alert'))).toBe(REJECTED);
    expect(await text(run)).toContain(`Errordeploy: ${REJECTED}`);
    expect((await client.environments.get.query({ service: SERVICE, environment: 'production' })).current).toBeNull();
    expect(await client.rollouts.get.query({ service: SERVICE, environment: 'production', number: 1 })).toMatchObject({ status: 'rejected', pipelineRun: 2, reason: `rejected by ${APPROVER.email}: freeze` });
    expect(await page.getByRole('button', { name: 'Retry' }).count()).toBe(1);
    await screenshots('run-rejected');
  });

  it('cancels a run held at its webhook step with a reason; the run stays cancelled when the hook answers, and its retry passes', async () => {
    const client = api();
    await toRunsList();
    expect(await startFromDialog()).toBe(3);
    await delivery(3);
    await expect.poll(stepStatuses, LIVE).toEqual(HELD);

    await page.getByRole('button', { name: 'Cancel run' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason', { exact: true }).fill('holding the hook');
    await dialog.getByRole('button', { name: 'Cancel run' }).click();
    await dialog.waitFor({ state: 'detached' });
    const run = page.getByRole('region', { name: 'Run' });
    await expect.poll(() => text(run), LIVE).toContain('Cancelledholding the hook');
    expect(await text(runLine())).toContain('cancelled');
    expect(await stepStatuses()).toEqual(CANCELLED);
    expect(await page.getByRole('button', { name: 'Cancel run' }).count()).toBe(0);
    await screenshots('run-cancelled');

    // The cancel cut the hook's call (its step stops within a second, saying why), and the hook answering now
    // brings nothing back: no status changes, no deployment.
    const hookLog = async () => (await client.pipelines.run.query({ service: SERVICE, number: 3 })).steps.find((s) => s.name === 'hook')!.logs.map((l) => l.line);
    await expect.poll(hookLog, { timeout: 10_000 }).toContain('error: stopped: the run was cancelled');
    hook.release();
    expect(await hookLog()).not.toContain('answered 200');
    // Time for the engine to take a next step, were it going to.
    await new Promise((r) => setTimeout(r, 1500));
    const after = await client.pipelines.run.query({ service: SERVICE, number: 3 });
    expect(after).toMatchObject({ status: 'cancelled', error: 'cancelled: holding the hook' });
    expect(after.steps.map((s) => `${s.name}: ${s.status}`)).toEqual(CANCELLED);
    expect((await client.environments.get.query({ service: SERVICE, environment: 'staging' })).current).toMatchObject(FIRST_SWITCH('staging'));
    expect((await client.rollouts.list.query({ service: SERVICE, environment: 'staging' })).map((r) => r.number)).toEqual([1]);
    const engineRun = (await client.executor.runs.query({ limit: 200 })).items.find((r) => r.eventId === `pipeline-run-${after.id}`);
    expect(engineRun?.status).toBe('cancelled');
    await page.reload();
    await expect.poll(() => text(runLine()), LIVE).toContain('cancelled');
    expect(await stepStatuses()).toEqual(CANCELLED);

    await page.getByRole('button', { name: 'Retry' }).click();
    await page.waitForURL(/\/pipelines\/ui-pipes\/runs\/4$/);
    await expect.poll(() => text(page.getByRole('region', { name: 'Run' })), LIVE).toContain('Messageretry of run 3');
    expect(await delivery(4)).toMatchObject({ signed: true, body: { run: { number: 4 } } });
    await expect.poll(stepStatuses, LIVE).toEqual(HELD);

    // The runs list follows the held retry to its end without a reload.
    await toRunsList();
    await page.evaluate(() => ((window as unknown as { runsListMark?: string }).runsListMark = 'runs'));
    const table = page.getByRole('table', { name: `Pipeline runs of ${SERVICE}` });
    const row = (n: number, status: string, does: string) => expect.stringMatching(new RegExp(`^#${n}${status}.*manualmain${escape(server.adminEmail)}${escape(does)}#1.+$`));
    await expect.poll(() => table.getByRole('row').allTextContents(), LIVE).toEqual([
      'RunStatusTriggerDoesCandidateStartedDuration',
      row(4, 'running', 'deploy → staging'),
      row(3, 'cancelled', 'deploy → staging'),
      row(2, `failed${escape(`deploy: ${REJECTED}`)}`, 'deploy → production'),
      row(1, 'passed', 'deploy → staging'),
    ]);
    hook.release();
    await expect.poll(() => text(table.getByRole('row').nth(1)), { timeout: 10_000 }).toMatch(/^#4passed/);
    expect(await page.evaluate(() => (window as unknown as { runsListMark?: string }).runsListMark)).toBe('runs');
    await screenshots('runs');

    await table.getByRole('link', { name: '#4', exact: true }).click();
    await page.waitForURL(/\/pipelines\/ui-pipes\/runs\/4$/);
    await expect.poll(stepStatuses, LIVE).toEqual(PASSED);
    expect(await text(runLine())).toContain('passed');
    // Staging already ran the candidate on all traffic: the retry's deploy step passed without a rollout.
    await step('deploy').click();
    const deployStep = stepsRegion().getByRole('listitem', { name: 'Step deploy', exact: true });
    expect(await text(deployStep.getByLabel('Logs of deploy'))).toContain(NOTHING_TO_MOVE);
    expect(await text(deployStep.getByLabel('Outputs of deploy'))).toContain('"rollout": null');
    expect((await client.environments.get.query({ service: SERVICE, environment: 'staging' })).current).toMatchObject(FIRST_SWITCH('staging'));
    expect((await client.rollouts.list.query({ service: SERVICE, environment: 'staging' })).map((r) => r.number)).toEqual([1]);
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

