// newcomer.test.mjs — the README's "First import, as a newcomer" in a real browser: a city made
// without its people and written as import files (`demo --people none --files`), the public
// home's 登录 button, city.admin's password and TOTP typed into the sign-in page, the import
// wizard with the city's students.csv (about 30,000 rows: checked, then written), and the home
// figures counting the imported students. No console errors or failed requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, demoAccounts, totp, freshStep, tmpdir, cli } from '../api/harness.mjs';
import { launch, openPage, shot } from './browser.mjs';

let server;
let browser;
let files;

before(async () => {
  const dir = tmpdir();
  files = path.join(dir, 'files');
  fs.mkdirSync(files);
  const made = cli(['demo', '--db', path.join(dir, 'shushu.db'), '--people', 'none', '--files', files]);
  assert.equal(made.status, 0, made.stderr);
  server = await startServer({ dir });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a newcomer signs in as city.admin and imports the city\'s students file', async () => {
  const acct = demoAccounts(server.db).city_admin;
  const rows = fs.readFileSync(path.join(files, 'students.csv'), 'utf8').trim().split('\n').length - 1;
  assert.ok(rows > 20000, `${rows} rows`);
  const { page, problems, close } = await openPage(browser);
  await page.goto(server.url + '/');
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByPlaceholder('登录名').fill(acct.login);
  await page.getByPlaceholder('密码').fill(acct.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.getByText('输入动态验证码').first().waitFor();
  await page.getByPlaceholder('6 位数字').fill(totp(acct.totp_secret, await freshStep(acct.login)));
  await page.getByRole('button', { name: '确认' }).click();
  await page.getByText('基础数据概览').waitFor();

  await page.getByText('批量导入').first().click();
  await page.locator('[data-test=kind-students]').click();
  await page.locator('[data-test=next]').click();
  await page.locator('[data-test=upload] input[type=file]').setInputFiles(path.join(files, 'students.csv'));
  await page.locator('[data-test=check]').click();
  await page.locator('[data-test=check-passed]').waitFor({ timeout: 300000 });
  assert.match(await page.locator('body').innerText(), new RegExp(`将新建\\s+${rows}`));
  await page.locator('[data-test=commit]').click();
  await page.locator('[data-test=import-result]').waitFor({ timeout: 300000 });
  const result = await page.locator('[data-test=import-result]').innerText();
  assert.match(result, /导入完成/);
  assert.match(result, new RegExp(`新建\\s+${rows}`));
  await shot(page, 'newcomer-import-done-1440');

  await page.goto(server.url + '/');
  const students = page.locator('.el-card').filter({ hasText: '基础数据概览' }).getByText('在册学生').locator('..');
  // the tile itself (the 关爱与资助 card shows the same number of pupils, and may come first)
  await page.waitForFunction((n) => [...document.querySelectorAll('[data-test="stat-在册学生"]')].some((e) => e.innerText.includes(n)), rows.toLocaleString('en-US'));
  assert.match(await students.innerText(), new RegExp(rows.toLocaleString('en-US')));
  await shot(page, 'newcomer-home-1440');
  assert.deepEqual(problems, []);
  await close();
});
