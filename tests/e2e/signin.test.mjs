// signin.test.mjs — signing in through the console in a real browser: a teacher with a
// password, a district administrator with password and TOTP code, a wrong password
// answered in Chinese, signing out; the sign-in page at phone width; the forced change of
// an initial password; a locked account told when the lock ends; the warning before the
// idle sign-out (browser clock moved on, the policy's idle minutes), 继续使用 and the clean
// sign-out after it. Screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, totp, freshStep, signIn, call } from '../api/harness.mjs';
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

test('a new account must change its initial password at first sign-in, then reaches the console', async () => {
  const sys = await signIn(server.url, accounts.sysadmin);
  const school = (await sys.get('/api/v1/orgs?kind=school&limit=1')).body.items[0];
  const made = await sys.post('/api/v1/accounts', { name: '冯老师', login: 'feng.teacher', org: school.id });
  assert.equal(made.status, 201, made.text);
  const sec = await signIn(server.url, accounts.secadmin);
  const cls = (await sec.get(`/api/v1/orgs?parent=${school.id}&limit=1`)).body.items[0];
  const classes = (await sec.get(`/api/v1/orgs?parent=${cls.id}&limit=1`)).body.items[0];
  assert.equal((await sec.post('/api/v1/role-assignments', { account: made.body.id, role: 'teacher', org: classes.id })).status, 201);
  const { page, problems, close } = await openPage(browser);
  await page.goto(server.url + '/login');
  await fillPassword(page, { login: 'feng.teacher', password: made.body.initial_password });
  await page.getByText('修改密码').first().waitFor();
  await shot(page, 'login-forced-change-1440');
  const fields = page.locator('input[type=password]');
  await fields.nth(0).fill(made.body.initial_password);
  await fields.nth(1).fill('short');
  await fields.nth(2).fill('short');
  await page.getByRole('button', { name: '修改密码' }).click();
  await page.locator('[data-test=login-error]').waitFor();
  assert.match(await page.locator('[data-test=login-error]').innerText(), /[\u4e00-\u9fff]/);
  await fields.nth(0).fill(made.body.initial_password);
  await fields.nth(1).fill('Feng#Teach2026');
  await fields.nth(2).fill('Feng#Teach2026');
  await page.getByRole('button', { name: '修改密码' }).click();
  await page.waitForURL(server.url + '/');
  assert.match(await page.locator('[data-test=user-menu]').innerText(), /冯老师/);
  // the password refused on the way is the server's 400, which the form shows
  assert.deepEqual(problems.filter((p) => !/HTTP 400: .*\/api\/v1\/auth\/password$/.test(p)), []);
  await close();
});

test('a locked account is told so in Chinese, with the time the lock ends', async () => {
  const acct = accounts.head_teacher;
  for (let i = 1; i <= 4; i++) {
    await call(`${server.url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: acct.login, password: `Wrong#Pass${i}x` }),
    });
  }
  const { page, close } = await openPage(browser);
  await page.goto(server.url + '/login');
  await fillPassword(page, { login: acct.login, password: 'Wrong#Pass5x' });
  const err = page.locator('[data-test=login-error]');
  await err.waitFor();
  const text = await err.innerText();
  assert.match(text, /锁定/);
  assert.match(text, /30 分钟/);
  assert.match(text, /约 \d{2}:\d{2} 解除锁定/);
  await shot(page, 'login-locked-1440');
  // unlocked again for the other tests
  const sec = await signIn(server.url, accounts.secadmin);
  const id = (await sec.get(`/api/v1/accounts?login=${acct.login}`)).body.items[0].id;
  assert.equal((await sec.post(`/api/v1/accounts/${id}/unlock`)).status, 200);
  await close();
});

test('before the idle timeout a warning offers 继续使用; without an answer it signs out cleanly', async () => {
  // a 5-minute idle timeout (the tightest the policy allows) shows the console follows the policy
  const sec = await signIn(server.url, accounts.secadmin);
  assert.equal((await sec.put('/api/v1/security/policy', { idle_minutes: 5 })).status, 200);
  const { page, problems, close } = await openPage(browser);
  try {
    await page.clock.install(); // the browser's clock, moved on below instead of waiting minutes
    await page.goto(server.url + '/login');
    await fillPassword(page, accounts.teacher);
    await page.waitForURL(server.url + '/');
    await page.locator('[data-test=user-menu]').waitFor();
    await page.waitForLoadState('networkidle');
    const warning = page.getByText('即将自动退出登录');
    // the warning comes a minute before the end (the end is kept 30 s early, see IdleWatch.vue)
    await page.clock.fastForward('03:00');
    await page.waitForTimeout(300);
    assert.equal(await warning.isVisible(), false, 'no warning yet after 3 idle minutes');
    await page.clock.fastForward('00:35');
    await warning.waitFor();
    await shot(page, 'idle-warning-1440');
    await page.getByRole('button', { name: '继续使用' }).click();
    await warning.waitFor({ state: 'hidden' });
    assert.match(await page.locator('[data-test=user-menu]').innerText(), /孙志强/);
    // idle again, and no answer this time
    const auditor = await signIn(server.url, accounts.auditadmin);
    const logouts = async () => (await auditor.get('/api/v1/audit?event=logout&actor=teacher&limit=500')).body.items.length;
    const before = await logouts();
    await page.clock.fastForward('03:35');
    await warning.waitFor();
    await page.clock.fastForward('01:00');
    await page.waitForURL('**/login**');
    const ended = page.locator('[data-test=session-ended]');
    await ended.waitFor();
    assert.match(await ended.innerText(), /长时间未操作/);
    await shot(page, 'idle-signed-out-1440');
    // signed out on the server too: the sign-out is in the audit log
    assert.equal(await logouts(), before + 1, 'the idle sign-out reached the server');
    assert.deepEqual(problems, []);
  } finally {
    await sec.put('/api/v1/security/policy', { idle_minutes: 15 });
    await close();
  }
});
