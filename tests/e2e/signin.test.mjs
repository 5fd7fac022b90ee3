// signin.test.mjs — signing in through the console in a real browser: a teacher with a
// password, a district administrator with password and TOTP code, a wrong password
// answered in Chinese, signing out; the sign-in page at phone width. Screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, totp, freshStep } from '../api/harness.mjs';
import { launch, openPage, shot } from './browser.mjs';

let server;
let browser;
let accounts;
before(async () => {
  server = await startServer();
  accounts = demoAccounts(server.db);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function fillPassword(page, acct) {
  await page.getByPlaceholder('登录名').fill(acct.login);
  await page.getByPlaceholder('密码').fill(acct.password);
  await page.getByRole('button', { name: '登录' }).click();
}

test('a teacher signs in with a password, sees their name and roles, and signs out', async () => {
  const { page, problems, close } = await openPage(browser);
  await page.goto(server.url + '/login');
  await page.getByText('演示环境').first().waitFor();
  await shot(page, 'login-1440');
  await fillPassword(page, accounts.teacher);
  await page.waitForURL(server.url + '/');
  const user = page.locator('[data-test=user-menu]');
  await user.waitFor();
  assert.match(await user.innerText(), /孙志强/);
  assert.match(await user.innerText(), /任课教师/);
  await shot(page, 'home-signed-in-1440');
  await user.click();
  await page.getByText('退出登录').click();
  await page.waitForURL('**/login');
  await page.getByPlaceholder('登录名').waitFor();
  assert.deepEqual(problems, []);
  await close();
});

test('a district administrator needs the TOTP code after the password', async () => {
  const { page, problems, close } = await openPage(browser);
  await page.goto(server.url + '/login?redirect=/developer/api');
  await fillPassword(page, accounts.district_admin);
  await page.getByText('输入动态验证码').first().waitFor();
  await shot(page, 'login-mfa-1440');
  const code = totp(accounts.district_admin.totp_secret, await freshStep(accounts.district_admin.login));
  await page.getByPlaceholder('6 位数字').fill(code);
  await page.getByRole('button', { name: '确认' }).click();
  await page.waitForURL('**/developer/api');
  assert.match(await page.locator('[data-test=user-menu]').innerText(), /李卫东/);
  assert.deepEqual(problems, []);
  await close();
});

test('a wrong password is refused in Chinese and the form stays', async () => {
  const { page, close } = await openPage(browser);
  await page.goto(server.url + '/login');
  await fillPassword(page, { login: accounts.researcher.login, password: 'Not#ThePassword1' });
  await page.getByText('登录名或密码不正确').waitFor();
  await shot(page, 'login-error-1440');
  assert.equal(await page.getByPlaceholder('登录名').inputValue(), accounts.researcher.login);
  assert.equal(await page.getByPlaceholder('密码').inputValue(), '');
  await close();
});

test('the sign-in page at 375 px fits the phone', async () => {
  const { page, problems, close } = await openPage(browser, { width: 375, height: 812 });
  await page.goto(server.url + '/login');
  await page.getByPlaceholder('登录名').waitFor();
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 376, `page is ${width}px wide`);
  await shot(page, 'login-375');
  assert.deepEqual(problems, []);
  await close();
});
