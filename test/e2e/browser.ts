// Launches Debian's Chromium through playwright-core. Outside CI a machine without Chromium skips browser
// tests with a message; in CI (CI=true) a missing browser is a failure.
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM_PATH)) return true;
  if (process.env.CI) throw new Error(`Chromium not found at ${CHROMIUM_PATH}; install Debian's chromium package (CI must run browser tests)`);
  process.stdout.write(`[e2e] Chromium not found at ${CHROMIUM_PATH}: browser tests skipped (apt-get install chromium)\n`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Opens a tab of a page's tab bar (links with their own URLs) and waits until it is the current one. */
export async function openTab(page: Page, bar: string, name: string): Promise<void> {
  const link = page.getByRole('navigation', { name: bar }).getByRole('link', { name, exact: true });
  await link.click();
  await link.and(page.locator('[aria-current="page"]')).waitFor();
}
