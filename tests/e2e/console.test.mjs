// console.test.mjs — the console in a real browser against a real server: the home
// page shows the demo banner and the live status from /healthz, the API document
// page renders the generated OpenAPI document, the layout works at 375 px, unknown
// pages say so; no console errors, no failed requests; screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from '../api/harness.mjs';
import { launch, openPage, shot } from './browser.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('home page at 1440×900: product name, demo banner, live status', async () => {
  const { page, problems, close } = await openPage(browser);
  await page.goto(server.url + '/');
  await page.getByText('演示环境').first().waitFor();
  const text = await page.locator('body').innerText();
  assert.match(text, /数枢/);
  await page.getByText('0.1.0').first().waitFor();
  assert.match(await page.locator('body').innerText(), /sqlite/i);
  await shot(page, 'home-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('API document page, reached from the menu', async () => {
  const { page, problems, close } = await openPage(browser);
  await page.goto(server.url + '/');
  await page.getByText('API 文档').first().click();
  await page.waitForURL('**/developer/api');
  await page.getByText('/api/v1/codes/{table}/items').first().waitFor();
  const text = await page.locator('body').innerText();
  assert.match(text, /org_unit/);
  assert.match(text, /L1/);
  await shot(page, 'apidocs-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('phone width 375×812: no sideways scrolling, menu reachable', async () => {
  const { page, problems, close } = await openPage(browser, { width: 375, height: 812 });
  await page.goto(server.url + '/');
  await page.getByText('演示环境').first().waitFor();
  const overflow = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(overflow <= 376, `page is ${overflow}px wide`);
  await shot(page, 'home-375');
  await page.goto(server.url + '/developer/api');
  await page.getByText('/api/v1/codes').first().waitFor();
  const overflow2 = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(overflow2 <= 376, `API page is ${overflow2}px wide`);
  await shot(page, 'apidocs-375');
  assert.deepEqual(problems, []);
  await close();
});

test('an unknown page says 页面不存在', async () => {
  const { page, close } = await openPage(browser);
  await page.goto(server.url + '/no/such/page');
  await page.getByText('页面不存在').first().waitFor();
  await shot(page, 'notfound-1440');
  await close();
});
