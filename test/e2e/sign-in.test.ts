// Signing in through the real server: the callbackUrl cannot lead off-site, and repeated wrong passwords from
// one address are throttled with a "try later" answer while the real user elsewhere still signs in.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumAvailable, launchBrowser } from './browser';
import { startServer, type RunningServer } from './server';

const WRONG = 'not-the-password-e2e';
let server: RunningServer;

beforeAll(async () => {
  // One reverse proxy in front: the client address is the last X-Forwarded-For entry.
  server = await startServer({ SLIPWAY_TRUST_PROXY: '1', LOG_LEVEL: 'info' });
});
afterAll(() => server?.stop());

/** A credentials sign-in as next-auth's client makes it; returns where it sends the browser and whether a session came. */
async function credentials(address: string, email: string, password: string, callbackUrl?: string) {
  const headers = { 'x-forwarded-for': address };
  const csrf = await fetch(`${server.url}/api/auth/csrf`, { headers });
  const cookie = csrf.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${server.url}/api/auth/callback/credentials`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrfToken, email, password, json: 'true', ...(callbackUrl ? { callbackUrl } : {}) }),
  });
  const { url } = (await res.json()) as { url: string };
  return { url, session: res.headers.getSetCookie().some((c) => c.startsWith('next-auth.session-token=')) };
}

describe('sign-in', () => {
  it('sends the browser only to this origin, whatever callbackUrl says', async () => {
    for (const callbackUrl of ['/\\evil.example/phish', '//evil.example/phish', 'https://evil.example/phish']) {
      const { url, session } = await credentials('203.0.113.10', server.adminEmail, server.adminPassword, callbackUrl);
      expect(session).toBe(true);
      expect(url).toBe(`${server.url}/`);
    }
    expect((await credentials('203.0.113.10', server.adminEmail, server.adminPassword, '/audit?actor=x')).url).toBe(`${server.url}/audit?actor=x`);
    const page = await (await fetch(`${server.url}/sign-in?callbackUrl=/%5Cevil.example/phish`)).text();
    expect(page).toContain(`\\"callbackUrl\\":\\"/\\"`);
  });

  it('throttles wrong passwords from one address with a "try later" answer, and lets the real user in from another', async () => {
    for (let i = 0; i < 6; i++) {
      const { url, session } = await credentials('198.51.100.66', server.adminEmail, WRONG);
      expect(session).toBe(false);
      expect(new URL(url).searchParams.get('error')).toBe('CredentialsSignin');
    }
    const throttled = await credentials('198.51.100.66', server.adminEmail, server.adminPassword);
    expect(throttled.session).toBe(false);
    expect(new URL(throttled.url).searchParams.get('error')).toBe('TooManyAttempts');
    // Spoofed addresses further left in X-Forwarded-For are not believed.
    expect(new URL((await credentials('203.0.113.99, 198.51.100.66', server.adminEmail, server.adminPassword)).url).searchParams.get('error')).toBe('TooManyAttempts');
    expect((await credentials('203.0.113.20', server.adminEmail, server.adminPassword)).session).toBe(true);

    const page = await (await fetch(`${server.url}/sign-in?error=TooManyAttempts`)).text();
    expect(page).toContain('Too many sign-in attempts. Wait a few minutes and try again.');
    expect(server.output()).toContain('repeated sign-in failures; throttling');
    expect(server.output()).not.toContain(WRONG);
  });
});

describe.runIf(chromiumAvailable())('sign-in in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(() => browser?.close());

  it('stays on this origin after signing in with callbackUrl=/\\evil.example/phish', async () => {
    const page = await browser.newPage({ extraHTTPHeaders: { 'x-forwarded-for': '203.0.113.30' } });
    page.setDefaultTimeout(10_000);
    await page.goto(`${server.url}/sign-in?callbackUrl=/%5Cevil.example/phish`);
    await page.getByLabel('Email', { exact: true }).fill(server.adminEmail);
    await page.getByLabel('Password', { exact: true }).fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((url) => url.pathname === '/');
    expect(new URL(page.url()).origin).toBe(server.url);
  });
});
