import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/config';
import { PROJECT_ROOT } from '../../src/paths';

/**
 * Headless Chromium for the dashboard's end-to-end tests: Debian's `chromium` package (which
 * .ci/run installs) driven by playwright-core; no browser is downloaded.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  if (!fs.existsSync(path.join(loadConfig({}).webDir, 'index.html'))) {
    throw new Error('the dashboard is not built: run `node scripts/build-web.js` (npm install and npm run build do)');
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run'],
  });
}

/**
 * A page at 1280 x 800 that fails the test on any request leaving the server (the app must work
 * offline), signed in with `token` (stored where the dashboard's sign-in form puts it).
 */
export async function openPage(browser: Browser, origin: string, token: string | null): Promise<{ page: Page; external: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  if (token) await context.addInitScript(`localStorage.setItem('nir-ssl.token', ${JSON.stringify(token)})`);
  const page = await context.newPage();
  const external: string[] = [];
  const errors: string[] = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    external.push(url);
    return route.abort();
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, external, errors };
}

/** Saves a screenshot under docs/dashboard when DASHBOARD_SCREENSHOTS=1 (how the README's pictures are made). */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (!process.env.DASHBOARD_SCREENSHOTS) return;
  const dir = path.join(PROJECT_ROOT, 'docs/dashboard');
  fs.mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: path.join(dir, `${name}.png`) });
}
