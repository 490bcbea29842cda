// A release manager's first session in a real browser: sign in, add a teammate, create and revoke an API
// token, read the audit log; then the teammate signs in and sees only what their role allows.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser } from './browser';
import { startServer, type RunningServer } from './server';

const enabled = chromiumAvailable();
let server: RunningServer;
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer();
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

const trpcMe = (token: string) => fetch(`${server.url}/api/trpc/users.me`, { headers: { authorization: `Bearer ${token}` } });

describe.runIf(enabled)('the console in Chromium', () => {
  let token = '';

  it('refuses a wrong password and signs the admin in', async () => {
    await page.goto(`${server.url}/sign-in`);
    await page.getByLabel('Email', { exact: true }).fill(server.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Email or password is not right' }).waitFor();
    await signIn(server.adminEmail, server.adminPassword);
    await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).textContent()).toContain('Approvals');
  });

  it('creates a user', async () => {
    await page.goto(`${server.url}/settings/users`);
    await page.getByRole('button', { name: 'Add user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email', { exact: true }).fill('dana@e2e.test');
    await dialog.getByLabel('Name', { exact: true }).fill('Dana');
    await dialog.getByLabel('Role', { exact: true }).selectOption('engineer');
    await dialog.getByLabel('Set an initial password', { exact: true }).check();
    await dialog.getByLabel('Initial password', { exact: true }).fill('dana-password-123');
    await dialog.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => dialog.textContent()).toContain('dana@e2e.test was added as engineer');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('table').textContent()).toContain('dana@e2e.test');
    expect(await page.getByLabel('Role of dana@e2e.test', { exact: true }).inputValue()).toBe('engineer');
  });

  it('creates an API token that is shown once and works on the API', async () => {
    await page.goto(`${server.url}/settings/tokens`);
    await page.getByRole('button', { name: 'Create token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name', { exact: true }).fill('release CI');
    await dialog.getByLabel('Role', { exact: true }).selectOption('engineer');
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const field = dialog.getByTestId('new-token');
    await field.waitFor();
    token = await field.inputValue();
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    await expect.poll(() => page.getByRole('table').textContent()).toContain('release CI');
    expect(await page.content()).not.toContain(token);

    const res = await trpcMe(token);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: { data: { json: { actor: unknown } } } }).result.data.json.actor).toMatchObject({ kind: 'token', tokenName: 'release CI', role: 'engineer' });
  });

  it('revokes the token, after which the API refuses it', async () => {
    await page.getByRole('button', { name: 'Revoke release CI' }).click();
    await expect.poll(() => page.getByRole('table').textContent()).toContain('revoked');
    const res = await trpcMe(token);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { json: { message: string } } }).error.json.message).toBe('The API token has been revoked');
  });

  it('shows the audit entries, and filters them', async () => {
    await page.goto(`${server.url}/audit`);
    const table = page.getByRole('table', { name: 'Audit events' });
    await expect.poll(() => table.textContent()).toContain('token.revoke');
    const text = (await table.textContent()) ?? '';
    for (const expected of ['user.sign_in', 'user.create', 'Created dana@e2e.test as engineer', 'token.create', 'Created API token “release CI”', 'Revoked API token “release CI”']) {
      expect(text).toContain(expected);
    }
    await page.getByLabel('Action', { exact: true }).fill('token');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    const onlyTokenRows = async () => {
      const rows = await table.locator('tbody tr').allTextContents();
      return rows.length >= 3 && rows.every((r) => r.includes('token.'));
    };
    await expect.poll(onlyTokenRows).toBe(true);
    await page.screenshot({ path: 'test-results/audit.png', fullPage: true });
  });

  it('shows a teammate only what their role allows', async () => {
    await page.getByRole('button', { name: 'User menu' }).click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL(/\/sign-in/);
    await signIn('dana@e2e.test', 'dana-password-123');
    await page.goto(`${server.url}/settings/users`);
    await expect.poll(() => page.getByRole('table').textContent()).toContain(server.adminEmail);
    expect(await page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
    expect(await page.getByRole('combobox').count()).toBe(0);
    await page.goto(`${server.url}/settings/tokens`);
    await page.getByRole('button', { name: 'Create token' }).click();
    const options = await page.getByRole('dialog').getByLabel('Role', { exact: true }).locator('option').allTextContents();
    expect(options).toEqual(['Viewer', 'Engineer']);
  });

  it('switches between light and dark themes', async () => {
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'User menu' }).click();
    await page.getByRole('menuitem', { name: 'Dark' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.className)).toContain('dark');
    await page.screenshot({ path: 'test-results/tokens-dark.png', fullPage: true });
    await page.getByRole('button', { name: 'User menu' }).click();
    await page.getByRole('menuitem', { name: 'Light' }).click();
    await expect.poll(() => page.evaluate(() => document.documentElement.className)).not.toContain('dark');
  });
});
