// A release manager works the registries in a real browser: creates a service, writes two prompt versions,
// reads their diff, renders one, moves a label, registers a model, cuts two releases and compares them,
// deploys and restores, edits environment settings, stores a secret; then an engineer finds the protected
// production label and environment closed to them.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser, openTab } from './browser';
import { startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
let server: RunningServer;
let browser: Browser;
let page: Page;

const ENGINEER = { email: 'eli@e2e.test', password: 'eli-password-1234' };

async function api(path: string, input: unknown) {
  const res = await fetch(`${server.url}/api/trpc/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${server.bootstrapToken}` },
    body: JSON.stringify({ json: input }),
  });
  if (!res.ok) throw new Error(`${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer();
  await api('users.create', { email: ENGINEER.email, name: 'Eli', role: 'engineer', password: ENGINEER.password });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(10_000);
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

async function signIn(email: string, password: string) {
  await page.goto(`${server.url}/sign-in`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

const text = async (locator: { textContent: () => Promise<string | null> }) => (await locator.textContent()) ?? '';

/** `datetime-local` value for a moment, in the browser's (and this process's) local time. */
function localMinute(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

describe.runIf(enabled)('the registries in Chromium', () => {
  it('creates a service with its three environments', async () => {
    await signIn(server.adminEmail, server.adminPassword);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Services' }).click();
    await page.getByRole('button', { name: 'New service' }).click();
    const dialog = page.getByRole('dialog');
    // Opening the dialog puts the cursor in its first field, not on its close button.
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('name');
    await dialog.getByLabel('Name', { exact: true }).fill('Support Bot');
    await dialog.getByRole('button', { name: 'Create service' }).click();
    await expect.poll(() => text(dialog.getByRole('alert'))).toContain('must be lowercase letters');
    await dialog.getByLabel('Name', { exact: true }).fill('support-bot');
    await dialog.getByLabel('Description', { exact: true }).fill('Answers customer questions.');
    await dialog.getByRole('button', { name: 'Create service' }).click();
    await page.waitForURL(/\/services\/support-bot$/);
    for (const env of ['dev', 'staging', 'production']) {
      await expect.poll(() => text(page.getByRole('region', { name: `Environment ${env}` }))).toContain('Nothing has been deployed here yet.');
    }
    expect(await text(page.getByRole('main'))).toContain('Answers customer questions.');
  });

  it('pushes the first prompt version through the form', async () => {
    await page.getByRole('main').getByRole('link', { name: /^Prompts/ }).click();
    await page.waitForURL(/\/prompts\?service=support-bot$/);
    await page.getByRole('link', { name: 'New prompt' }).click();
    await page.getByLabel('Prompt name', { exact: true }).fill('answer');
    await page.getByLabel('Message 1 content', { exact: true }).fill('You are a support agent for {{product}}.\nAnswer briefly.');
    await page.getByLabel('Message 2 content', { exact: true }).fill('{{question}}');
    // Pushing with undeclared placeholders is refused by the server, and the form says why.
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await expect.poll(() => text(page.getByRole('alert').filter({ hasText: 'placeholders' }))).toContain('placeholders without a declared variable: product, question');
    await page.getByRole('button', { name: 'Declare {{product}}, {{question}}' }).click();
    await page.getByLabel('Commit message', { exact: true }).fill('First version');
    await page.getByRole('button', { name: 'Create prompt' }).click();
    await page.waitForURL(/\/prompts\/support-bot\/answer\?v=1$/);
    const version = page.getByRole('region', { name: 'Version 1' });
    await expect.poll(() => text(version)).toContain('First version');
    expect(await text(version.getByRole('list', { name: 'Messages of v1' }))).toContain('You are a support agent for {{product}}.');
  });

  it('pushes a second version, and pushing identical content creates nothing', async () => {
    await page.getByRole('link', { name: 'New version' }).click();
    const first = page.getByLabel('Message 1 content', { exact: true });
    await expect.poll(() => first.inputValue()).toContain('You are a support agent');
    await first.fill('You are a friendly support agent for {{product}}.\nAnswer briefly.');
    await page.getByLabel('Model parameters (JSON)', { exact: true }).fill('{"temperature": 0.2');
    await page.getByRole('button', { name: 'Push version' }).click();
    await expect.poll(() => text(page.getByRole('alert').filter({ hasText: 'JSON' }))).toContain('is not valid JSON');
    await page.getByLabel('Model parameters (JSON)', { exact: true }).fill('{"temperature": 0.2}');
    await page.getByLabel('Commit message', { exact: true }).fill('Friendlier tone');
    await page.getByRole('button', { name: 'Push version' }).click();
    await page.waitForURL(/\/prompts\/support-bot\/answer\?v=2$/);
    await expect.poll(() => text(page.getByRole('region', { name: 'Version 2' }))).toContain('Friendlier tone');

    await page.getByRole('link', { name: 'New version' }).click();
    await expect.poll(() => page.getByLabel('Message 1 content', { exact: true }).inputValue()).toContain('friendly');
    await page.getByRole('button', { name: 'Push version' }).click();
    await expect.poll(() => text(page.getByRole('status').filter({ hasText: 'Identical' }))).toContain('Identical content already exists as v2. Nothing was created.');
    expect(await page.getByRole('list', { name: 'Versions' }).getByRole('listitem').count()).toBe(2);
  });

  it('shows what changed between the two versions', async () => {
    await page.getByRole('link', { name: 'Diff' }).click();
    await page.waitForURL(/view=diff&from=1&to=2/);
    const diff = page.getByRole('group', { name: 'Messages diff v1 to v2' });
    await expect.poll(() => diff.getByRole('deletion').allTextContents()).toEqual([expect.stringContaining('You are a support agent for {{product}}.')]);
    expect(await diff.getByRole('insertion').allTextContents()).toEqual([expect.stringContaining('You are a friendly support agent for {{product}}.')]);
    // Unchanged lines are shown as context, neither added nor removed.
    expect(await text(diff)).toContain('Answer briefly.');
    expect(await text(page.getByRole('table', { name: 'Parameter changes' }))).toMatch(/temperature.*—.*0\.2/);
    await page.screenshot({ path: 'test-results/prompt-diff.png', fullPage: true });
  });

  it('renders a version with variables and names a missing one', async () => {
    await page.getByRole('link', { name: 'Playground' }).click();
    await page.getByLabel('product (string)', { exact: true }).fill('Slipway');
    await page.getByRole('button', { name: 'Render' }).click();
    await expect.poll(() => text(page.getByRole('region', { name: 'Rendered output' }))).toContain('question: is required');
    await page.getByLabel('question (string)', { exact: true }).fill('How do I roll back?');
    await page.getByRole('button', { name: 'Render' }).click();
    const rendered = page.getByRole('list', { name: 'Rendered messages' });
    await expect.poll(() => text(rendered)).toContain('You are a friendly support agent for Slipway.');
    expect(await text(rendered)).toContain('How do I roll back?');
  });

  it('moves the staging label and shows the move in the history', async () => {
    const form = page.getByRole('form', { name: 'Move a label' });
    await form.getByLabel('Label', { exact: true }).fill('staging');
    await form.getByLabel('Version', { exact: true }).selectOption('1');
    await form.getByLabel('Reason', { exact: true }).fill('QA sign-off on v1');
    await form.getByRole('button', { name: 'Move label' }).click();
    await expect.poll(() => text(form.getByRole('status'))).toContain('Moved staging to v1.');
    const history = page.getByRole('table', { name: 'Label history' });
    await expect.poll(() => text(history)).toContain('set to v1');
    const row = history.getByRole('row').filter({ hasText: 'staging' });
    expect(await text(row)).toContain('QA sign-off on v1');
    expect(await text(row)).toContain(server.adminEmail);
    expect(await text(page.getByRole('table', { name: 'Current labels' }))).toContain('v1');
  });

  it('registers a model version, naming a bad field first', async () => {
    await page.goto(`${server.url}/models`);
    await page.getByRole('link', { name: 'Register version' }).click();
    await page.getByLabel('Model name', { exact: true }).fill('support-llm');
    await page.getByLabel('Base URL', { exact: true }).fill('http://127.0.0.1:9/v1');
    await page.getByLabel('Upstream model name', { exact: true }).fill('ref-small');
    await page.getByRole('button', { name: 'Add artifact' }).click();
    await page.getByLabel('Artifact 1 URI', { exact: true }).fill('s3://models/support-llm/weights.safetensors');
    await page.getByLabel('sha256', { exact: true }).fill('not-a-hash');
    await page.getByLabel('Size (bytes)', { exact: true }).fill('1048576');
    await page.getByRole('button', { name: 'Register version' }).click();
    await expect.poll(() => text(page.getByRole('alert').filter({ hasText: 'Artifact 1' }))).toContain('sha256: must be 64 lowercase hex characters');
    await page.getByLabel('sha256', { exact: true }).fill('a'.repeat(64));
    await page.getByRole('button', { name: 'Register version' }).click();
    await page.waitForURL(/\/models\/support-llm\?version=1$/);
    const version = page.getByRole('region', { name: 'Version support-llm@1' });
    await expect.poll(() => text(version)).toContain('http://127.0.0.1:9/v1');
    expect(await text(version.getByRole('table', { name: 'Artifacts' }))).toContain('1.0 MiB');
  });

  it('creates two releases and compares them side by side', async () => {
    const createRelease = async (promptVersion: string, config: string, notes: string) => {
      await page.goto(`${server.url}/releases?service=support-bot`);
      await page.getByRole('link', { name: 'Create release' }).click();
      await expect.poll(() => page.getByLabel('Model', { exact: true }).inputValue()).toBe('support-llm');
      await page.getByRole('button', { name: 'Add prompt' }).click();
      const prompt = page.getByRole('group', { name: 'Prompt 1' });
      await expect.poll(() => prompt.getByLabel('Version', { exact: true }).locator('option').count()).toBe(3);
      await prompt.getByLabel('Version', { exact: true }).selectOption(promptVersion);
      await page.getByLabel('Config (JSON)', { exact: true }).fill(config);
      await page.getByLabel('Notes', { exact: true }).fill(notes);
      await page.getByRole('button', { name: 'Create release' }).click();
    };
    await createRelease('1', '{}', 'First cut');
    await page.waitForURL(/\/releases\/support-bot\/1$/);
    await expect.poll(() => text(page.getByRole('table', { name: 'Prompts of the release' }))).toContain('answer@1');
    expect(await text(page.getByRole('main'))).toContain('support-llm@1');

    await createRelease('2', '{"max_tokens": 300}', 'Friendlier tone');
    await page.waitForURL(/\/releases\/support-bot\/2$/);
    await expect.poll(() => text(page.getByRole('table', { name: 'Prompts of the release' }))).toContain('answer@2');

    await page.goto(`${server.url}/releases?service=support-bot`);
    await page.getByLabel('Compare support-bot#1', { exact: true }).check();
    await page.getByLabel('Compare support-bot#2', { exact: true }).check();
    await page.getByRole('link', { name: 'Compare #1 and #2' }).click();
    await page.waitForURL(/\/releases\/support-bot\/diff\?from=1&to=2$/);
    const prompt = page.getByRole('region', { name: 'Prompt answer' });
    await expect.poll(() => text(prompt)).toContain('changed');
    expect(await text(prompt)).toContain('v1 → v2');
    expect(await prompt.getByRole('insertion').allTextContents()).toEqual([expect.stringContaining('friendly support agent')]);
    expect(await text(page.getByRole('table', { name: 'Config changes' }))).toContain('max_tokens');
    expect(await text(page.getByRole('main'))).toContain('Same model version.');
    await page.screenshot({ path: 'test-results/release-diff.png', fullPage: true });

    // In a window shorter than the diff, the navigation column still reaches the bottom of the page.
    await page.setViewportSize({ width: 1280, height: 500 });
    try {
      const pageHeight = await page.evaluate(() => document.documentElement.scrollHeight);
      expect(pageHeight).toBeGreaterThan(700);
      const column = await page.locator('aside', { has: page.getByRole('navigation', { name: 'Main' }) }).boundingBox();
      expect(column!.y).toBe(0);
      expect(column!.y + column!.height).toBeGreaterThanOrEqual(pageHeight - 1);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  it('deploys a release to dev and answers what ran at a given time', async () => {
    const before = new Date(Date.now() - 2 * 60_000);
    await page.goto(`${server.url}/services/support-bot/environments/dev`);
    const deploy = page.getByRole('form', { name: 'Deploy to dev' });
    await deploy.getByLabel('Release', { exact: true }).selectOption('1');
    await deploy.getByLabel('Reason', { exact: true }).fill('first light');
    await deploy.getByRole('button', { name: 'Deploy to dev' }).click();
    await expect.poll(() => text(deploy.getByRole('status'))).toContain('dev now runs #1 at 100%.');
    await expect.poll(() => text(page.getByRole('table', { name: 'Current routing' }))).toContain('support-bot#1');
    const history = page.getByRole('table', { name: 'Environment history' });
    await expect.poll(() => text(history)).toContain('first light');

    await openTab(page, 'Environment', 'History');
    await page.getByLabel('Date and time', { exact: true }).fill(localMinute(before));
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => text(page.getByRole('main'))).toContain('Nothing had run yet in dev at');
    await page.getByLabel('Date and time', { exact: true }).fill(localMinute(new Date()));
    await page.getByRole('button', { name: 'Look up' }).click();
    await expect.poll(() => text(page.getByRole('main'))).toContain('In force since');
    await page.screenshot({ path: 'test-results/environment.png', fullPage: true });
  });

  it('restores an earlier entry of the history as a new entry', async () => {
    await openTab(page, 'Environment', 'Overview');
    const deploy = page.getByRole('form', { name: 'Deploy to dev' });
    await deploy.getByLabel('Release', { exact: true }).selectOption('2');
    await deploy.getByLabel('Reason', { exact: true }).fill('try the friendlier prompt');
    await deploy.getByRole('button', { name: 'Deploy to dev' }).click();
    const routing = page.getByRole('table', { name: 'Current routing' });
    await expect.poll(() => text(routing)).toContain('support-bot#2');
    const history = page.getByRole('table', { name: 'Environment history' });
    await history.getByRole('row').filter({ hasText: 'first light' }).getByRole('button', { name: /^Restore entry/ }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason', { exact: true }).fill('back to #1');
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await expect.poll(() => text(routing)).toContain('support-bot#1');
    const newest = history.getByRole('row').nth(1);
    expect(await text(newest)).toContain('restore');
    expect(await text(newest)).toContain('back to #1');
    expect(await history.getByRole('row').count()).toBe(4);
  });

  it('shows settings errors at their fields and saves valid settings', async () => {
    await page.goto(`${server.url}/services/support-bot/environments/staging?tab=settings`);
    const settings = page.getByRole('form', { name: 'Settings of staging' });
    await settings.getByRole('button', { name: 'Add step' }).click();
    await settings.getByLabel('Step 2 weight %', { exact: true }).fill('40');
    await settings.getByLabel('Max error rate', { exact: true }).fill('2');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => text(settings.getByRole('alert').filter({ hasText: 'Step 2' }))).toContain('canary weights must increase from step to step');
    expect(await text(settings.getByRole('alert').filter({ hasText: 'fraction' }))).toContain('must be a fraction between 0 and 1');
    expect(await settings.getByLabel('Max error rate', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await settings.getByLabel('Step 2 weight %', { exact: true }).fill('80');
    await settings.getByLabel('Max error rate', { exact: true }).fill('0.1');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await expect.poll(() => text(settings.getByRole('status'))).toContain('Settings saved.');
    await expect.poll(() => text(page.getByRole('main').locator('h1 + p'))).toContain('Canary 50% → 80% → 100%');
  });

  it('stores a secret with its scope, never shows its value, and edits the scope', async () => {
    const value = 'sk-live-0123456789abcdef';
    await page.goto(`${server.url}/settings`);
    await page.getByRole('link', { name: /Secrets/ }).click();
    await page.getByRole('button', { name: 'New secret' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('openai-prod');
    await dialog.getByLabel('Origin', { exact: true }).fill('https://api.openai.com');
    await dialog.getByLabel('Value', { exact: true }).fill(value);
    await dialog.getByRole('button', { name: 'Store secret' }).click();
    const table = page.getByRole('table', { name: 'Secrets' });
    await expect.poll(() => text(table)).toContain('openai-prod');
    expect(await text(table)).toContain('…cdef');
    expect(await text(table)).toContain('All services');
    expect(await text(table)).toContain('Origin: https://api.openai.com');
    expect(await page.content()).not.toContain(value);

    await page.getByRole('button', { name: 'Edit the scope of openai-prod' }).click();
    const edit = page.getByRole('dialog');
    await edit.getByLabel('Services', { exact: true }).fill('support-bot');
    await edit.getByRole('button', { name: 'Save scope' }).click();
    await expect.poll(() => text(table)).toContain('Services: support-bot');
  });

  it('keeps the protected production label and environment closed to an engineer', async () => {
    await page.getByRole('button', { name: 'User menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await signIn(ENGINEER.email, ENGINEER.password);

    await page.goto(`${server.url}/prompts/support-bot/answer`);
    const form = page.getByRole('form', { name: 'Move a label' });
    await form.getByLabel('Label', { exact: true }).fill('production');
    await expect.poll(() => text(form.getByRole('note'))).toContain('“production” is protected: only approvers may move it');
    expect(await form.getByRole('button', { name: 'Move label' }).isDisabled()).toBe(true);
    // An unprotected label stays movable for the same engineer.
    await form.getByLabel('Label', { exact: true }).fill('staging');
    expect(await form.getByRole('button', { name: 'Move label' }).isEnabled()).toBe(true);
    expect(await form.getByRole('note').count()).toBe(0);

    await page.goto(`${server.url}/services/support-bot/environments/production`);
    // Production is protected: engineers change it by promoting a release; only admins may bypass that.
    const change = page.getByRole('region', { name: 'Change production' });
    await expect.poll(() => text(change.getByRole('note'))).toContain('Only an admin may change production directly');
    expect(await change.getByRole('button', { name: 'Promote a release…' }).isEnabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Deploy to production' }).count()).toBe(0);
    // Settings are readable but not editable without environments:write.
    expect(await page.getByRole('button', { name: 'Save settings' }).count()).toBe(0);
  });

  it('lists services with what each environment runs, in the dark theme too', async () => {
    await page.goto(`${server.url}/services`);
    const row = page.getByRole('table', { name: 'Services' }).getByRole('row').filter({ hasText: 'support-bot' });
    await expect.poll(() => text(row)).toContain('dev#1 100%');
    await page.getByRole('button', { name: 'User menu' }).click();
    await page.getByRole('menuitem', { name: 'Dark' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.className)).toContain('dark');
    await page.screenshot({ path: 'test-results/services-dark.png', fullPage: true });
    await page.goto(`${server.url}/prompts/support-bot/answer?view=diff&from=1&to=2`);
    await page.getByRole('group', { name: 'Messages diff v1 to v2' }).getByRole('insertion').waitFor();
    await page.screenshot({ path: 'test-results/prompt-diff-dark.png', fullPage: true });
  });
});
