// browser.mjs — what the browser tests share: Debian's Chromium driven by
// playwright-core (no browser download), a page that records console errors and
// failed requests, and screenshots under build/test-output/screenshots/.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, totp, freshStep } from '../api/harness.mjs';

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

// Sign in through the login page at url: password, then the TOTP code where the
// role needs one; waits for the console.
export async function signInAt(page, url, acct, path = '/') {
  await page.goto(url + '/login?redirect=' + encodeURIComponent(path));
  await page.getByPlaceholder('登录名').fill(acct.login);
  await page.getByPlaceholder('密码').fill(acct.password);
  await page.getByRole('button', { name: '登录' }).click();
  if (acct.totp_secret) {
    await page.getByPlaceholder('6 位数字').waitFor();
    await page.getByPlaceholder('6 位数字').fill(totp(acct.totp_secret, await freshStep(acct.login)));
    await page.getByRole('button', { name: '确认' }).click();
  }
  await page.locator('[data-test=user-menu]').waitFor();
}

// Choose the first (root) node of an OrgPicker inside a container.
export async function pickRootOrg(page, container) {
  await container.locator('.sh-org-picker').click();
  const node = page.locator('.sh-org-picker-pop:visible .el-cascader-node').first();
  await node.waitFor();
  await node.locator('.el-radio').click();
  await page.keyboard.press('Escape');
}
