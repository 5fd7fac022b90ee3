// browser.mjs — what the browser tests share: Debian's Chromium driven by
// playwright-core (no browser download), a page that records console errors and
// failed requests, and screenshots under build/test-output/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root } from '../api/harness.mjs';

const require = createRequire(path.join(root, 'tests/package.json'));
const { chromium } = require('playwright-core');

export const shotsDir = path.join(root, 'build/test-output/screenshots');

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

// A page of a fresh context at the given size, with its problems collected.
export async function openPage(browser, { width = 1440, height = 900 } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, locale: 'zh-CN' });
  const page = await context.newPage();
  const problems = [];
  // "Failed to load resource" is the browser echoing an HTTP error status, which the
  // response handler below checks (with the URL); everything else the page logs as an error counts
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  // the console asks /api/v1/auth/me once; 401 there only means nobody is signed in yet
  const expected = (r) => r.status() === 401 && new URL(r.url()).pathname === '/api/v1/auth/me';
  page.on('response', (r) => { if (r.status() >= 400 && !expected(r)) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  return { page, problems, close: () => context.close() };
}

export async function shot(page, name) {
  fs.mkdirSync(shotsDir, { recursive: true });
  const file = path.join(shotsDir, `${name}.png`);
  // finish CSS transitions first (Element Plus tags zoom in) so the picture shows the settled page
  await page.screenshot({ path: file, fullPage: true, animations: 'disabled' });
  return file;
}
