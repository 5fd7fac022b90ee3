// admin.test.mjs — the administration pages in a real browser: the system administrator
// signs in with TOTP and creates an account (its initial password shown once, and it
// works); the security administrator makes an API token (shown once, then only its
// prefix; it works), sees roles, the policy and a 三员 refusal in Chinese; the audit
// viewer is in the audit administrator's menu only (the system administrator gets
// 无权访问); the pages fit a 375 px phone. Screenshots of every page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, call, signIn } from '../api/harness.mjs';
import { launch, openPage, pickRootOrg, shot, signInAt } from './browser.mjs';

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

const signInAs = (page, acct, path) => signInAt(page, server.url, acct, path);

const menuText = (page) => page.locator('.sh-aside .sh-menu').innerText();
const width = (page) => page.evaluate(() => document.scrollingElement.scrollWidth);

test('a system administrator creates an account and sees its initial password once', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAs(page, accounts.sysadmin);
  await page.getByText('系统状态').first().waitFor(); // kept on the sysadmin's home
  await page.locator('[data-test=account-chart] canvas').waitFor();
  await shot(page, 'home-sysadmin-1440');
  const menu = await menuText(page);
  assert.match(menu, /账号管理/);
  assert.doesNotMatch(menu, /审计日志/);
  await page.locator('.sh-aside').getByText('账号管理').click();
  await page.waitForURL('**/admin/accounts');
  await page.locator('[data-test=accounts-table]').getByText('city.admin').waitFor();
  await shot(page, 'admin-accounts-1440');

  await page.getByRole('button', { name: '新建账号' }).click();
  const dialog = page.getByRole('dialog', { name: '新建账号' });
  await dialog.getByPlaceholder('例如 王建国').fill('赵晓明');
  await dialog.getByPlaceholder(/留空则自动生成/).fill('zhao.xm');
  await pickRootOrg(page, dialog);
  await shot(page, 'admin-account-create-1440');
  await dialog.getByRole('button', { name: '创建' }).click();
  const secret = page.locator('[data-test=one-time-secret]');
  await secret.waitFor();
  const password = (await secret.innerText()).trim();
  assert.ok(password.length >= 12, `initial password: ${password}`);
  assert.equal(await page.locator('[data-test=created-login]').innerText(), 'zhao.xm');
  await shot(page, 'admin-account-password-once-1440');
  await page.getByRole('button', { name: '我已记下' }).click();
  await secret.waitFor({ state: 'detached' });
  const row = page.locator('[data-test=accounts-table] tr', { hasText: 'zhao.xm' });
  await row.waitFor();
  assert.match(await row.innerText(), /待修改初始密码/);
  assert.ok(!(await page.locator('body').innerText()).includes(password), 'the password is not shown again');
  // the password shown is the one that works, and must be changed at first sign-in
  const r = await call(`${server.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'zhao.xm', password }),
  });
  assert.equal(r.body.stage, 'password', r.text);

  // the audit viewer is not the system administrator's
  await page.goto(server.url + '/admin/audit');
  await page.getByText('无权访问').first().waitFor();
  await shot(page, 'admin-audit-forbidden-sysadmin-1440');
  // a 403 on the audit API would be a problem; the page never asked
  assert.deepEqual(problems, []);
  await close();
});

test('the security administrator: a token shown once then only its prefix; roles, policy, 三员 refused', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAs(page, accounts.secadmin, '/admin/tokens');
  await page.waitForURL('**/admin/tokens');
  await page.getByRole('button', { name: '创建令牌' }).click();
  const dialog = page.getByRole('dialog', { name: '创建接口令牌' });
  await dialog.getByPlaceholder('例如 排课系统').fill('排课系统');
  await pickRootOrg(page, dialog);
  await dialog.getByText('查看机构', { exact: true }).click();
  await dialog.getByRole('button', { name: '创建' }).click();
  const secret = page.locator('[data-test=one-time-secret]');
  await secret.waitFor();
  const token = (await secret.innerText()).trim();
  assert.match(token, /^sht_[A-Za-z0-9_-]{43}$/);
  await page.getByRole('button', { name: '复制', exact: true }).click();
  await shot(page, 'admin-token-once-1440');
  await page.getByRole('button', { name: '我已复制' }).click();
  await secret.waitFor({ state: 'detached' });
  const prefix = page.locator('[data-test=token-prefix]').first();
  await prefix.waitFor();
  assert.equal((await prefix.innerText()).trim(), `${token.slice(0, 12)}…`);
  assert.ok(!(await page.locator('body').innerText()).includes(token), 'the token is not shown again');
  await shot(page, 'admin-tokens-1440');
  // the token works for what it was given
  const orgs = await call(`${server.url}/api/v1/orgs?limit=1`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(orgs.status, 200, orgs.text);

  await page.locator('.sh-aside').getByText('角色与权限').click();
  await page.locator('[data-test=roles-table]').getByText('审计管理员').waitFor();
  assert.match(await page.locator('[data-test=roles-table]').innerText(), /查看审计日志/);
  await shot(page, 'admin-roles-1440');

  await page.locator('.sh-aside').getByText('安全策略').click();
  await page.locator('[data-test=policy-idle_minutes] input').waitFor();
  assert.equal(await page.locator('[data-test=policy-idle_minutes] input').inputValue(), '15');
  await shot(page, 'admin-policy-1440');

  // 三员 are held alone: the server's reason appears in the dialog
  await page.locator('.sh-aside').getByText('角色分配').click();
  await page.waitForURL('**/admin/role-assignments');
  await page.getByRole('button', { name: '分配角色' }).click();
  const assign = page.getByRole('dialog', { name: '分配角色' });
  await assign.getByPlaceholder('要授予角色的账号的登录名').fill('teacher');
  await assign.locator('.el-select').click();
  await page.getByRole('option', { name: '审计管理员' }).click();
  await pickRootOrg(page, assign);
  await assign.getByRole('button', { name: '分配' }).click();
  const err = page.locator('[data-test=assign-error]');
  await err.waitFor();
  assert.match(await err.innerText(), /[\u4e00-\u9fff]/);
  await shot(page, 'admin-role-assign-refused-1440');
  await assign.getByRole('button', { name: '取消' }).click();
  await shot(page, 'admin-role-assignments-1440');
  // the refusal is the server's 409, which the page expects; nothing else went wrong
  assert.deepEqual(problems.filter((p) => !/HTTP 409: .*\/api\/v1\/role-assignments$/.test(p)), []);
  await close();
});

test('the audit administrator has the audit viewer in the menu and filters by result', async () => {
  // a failed sign-in to find
  await call(`${server.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: 'researcher', password: 'Wrong#Pass1x' }),
  });
  const { page, problems, close } = await openPage(browser);
  await signInAs(page, accounts.auditadmin);
  await page.locator('[data-test=audit-chart] canvas').waitFor();
  await shot(page, 'home-auditadmin-1440');
  const menu = await menuText(page);
  assert.match(menu, /审计日志/);
  assert.doesNotMatch(menu, /账号管理/);
  await page.locator('.sh-aside').getByText('审计日志').click();
  await page.waitForURL('**/admin/audit');
  const table = page.locator('[data-test=audit-table]');
  await table.getByText('登录失败').first().waitFor();
  await page.getByPlaceholder('操作人（登录名）').fill('researcher');
  await page.locator('.sh-filters .el-select').nth(1).click();
  await page.getByRole('option', { name: '失败' }).click();
  const filtered = page.waitForResponse((r) => r.url().includes('/api/v1/audit?') && r.url().includes('result=failure'));
  await page.getByRole('button', { name: '查询' }).click();
  await filtered;
  const rows = table.locator('tbody tr');
  await rows.first().waitFor();
  const texts = await rows.allInnerTexts();
  assert.ok(texts.length >= 1);
  assert.ok(texts.every((t) => /researcher/.test(t) && /失败/.test(t)), texts.join('\n'));
  await shot(page, 'admin-audit-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('administration pages at 375 px: no sideways scrolling', async () => {
  const { page, problems, close } = await openPage(browser, { width: 375, height: 812 });
  await signInAs(page, accounts.city_admin);
  await page.locator('[data-test=grade-chart] canvas').waitFor();
  assert.ok((await width(page)) <= 376, `home is ${await width(page)}px wide`);
  await shot(page, 'home-city-admin-375');
  for (const [path, name] of [['/admin/accounts', 'accounts'], ['/admin/role-assignments', 'role-assignments'], ['/admin/tokens', 'tokens'], ['/admin/roles', 'roles']]) {
    await page.goto(server.url + path);
    await page.locator('.el-table').first().waitFor();
    await page.waitForLoadState('networkidle');
    const w = await width(page);
    assert.ok(w <= 376, `${path} is ${w}px wide`);
    await shot(page, `admin-${name}-375`);
  }
  await page.getByRole('button', { name: '打开导航菜单' }).click();
  await page.locator('.sh-drawer').getByText('账号管理').waitFor();
  await shot(page, 'admin-menu-375');
  assert.deepEqual(problems, []);
  await close();
  // the security policy and the audit page at phone width
  const sec = await openPage(browser, { width: 375, height: 812 });
  await signInAs(sec.page, accounts.secadmin, '/admin/security-policy');
  await sec.page.locator('[data-test=policy-idle_minutes] input').waitFor();
  assert.ok((await width(sec.page)) <= 376);
  await shot(sec.page, 'admin-policy-375');
  await sec.close();
  const aud = await openPage(browser, { width: 375, height: 812 });
  await signInAs(aud.page, accounts.auditadmin, '/admin/audit');
  await aud.page.locator('[data-test=audit-table]').waitFor();
  assert.ok((await width(aud.page)) <= 376);
  await shot(aud.page, 'admin-audit-375');
  assert.deepEqual(aud.problems, []);
  await aud.close();
});

test('a school administrator sees figures of their school only', async () => {
  const c = await signIn(server.url, accounts.school_admin);
  const { page, problems, close } = await openPage(browser);
  await signInAs(page, accounts.school_admin);
  const students = page.locator('[data-test="stat-在册学生"]');
  await students.getByText(/\d/).waitFor();
  const total = await call(`${server.url}/ims/oneroster/rostering/v1p2/users?limit=1&filter=${encodeURIComponent("role='student'")}`, { headers: { cookie: c.cookie } });
  assert.match(await students.innerText(), new RegExp(Number(total.headers.get('x-total-count')).toLocaleString('zh-CN')));
  assert.match(await page.locator('[data-test="stat-学校"]').innerText(), /\b1\b/);
  await page.locator('[data-test=grade-chart] canvas').waitFor();
  await shot(page, 'home-school-admin-1440');
  assert.deepEqual(problems, []);
  await close();
});
