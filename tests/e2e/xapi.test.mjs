// xapi.test.mjs — the learning-record pages in a real browser: the city administrator
// registers an LRS client (key and secret shown once), a system writes a statement about a
// student with those credentials, and the administrator finds it in 学习记录语句 by the
// student's opaque uid and opens its JSON; the platform's own sign-in statement is there
// too. Screenshots of both pages, and of the statements page on a phone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, call, sql } from '../api/harness.mjs';
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

test('an administrator registers an LRS client and browses the statement it writes', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAs(page, accounts.city_admin);
  const menu = await page.locator('.sh-aside .sh-menu').innerText();
  assert.match(menu, /学习记录/);
  await page.locator('.sh-aside').getByText('LRS 客户端').click();
  await page.waitForURL('**/xapi/clients');
  await page.locator('[data-test=xapi-clients-table]').waitFor();

  await page.locator('[data-test=xapi-client-new]').click();
  const dialog = page.getByRole('dialog', { name: '登记 LRS 客户端' });
  await dialog.getByPlaceholder('例如 区智慧作业系统').fill('区智慧作业系统');
  await pickRootOrg(page, dialog);
  await shot(page, 'xapi-client-create-1440');
  await dialog.locator('[data-test=xapi-client-submit]').click();
  const secretEl = page.locator('[data-test=one-time-secret]');
  await secretEl.waitFor();
  const secret = (await secretEl.innerText()).trim();
  const key = (await page.locator('[data-test=xapi-client-key]').innerText()).trim();
  assert.match(key, /^xk_/);
  assert.ok(secret.length >= 20, secret);
  await shot(page, 'xapi-client-secret-once-1440');
  await page.locator('[data-test=xapi-client-done]').click();
  await secretEl.waitFor({ state: 'detached' });
  await page.locator('[data-test=xapi-clients-table] tr', { hasText: '区智慧作业系统' }).waitFor();
  assert.equal(await page.getByText(secret).count(), 0, 'the secret is not shown again');
  await shot(page, 'xapi-clients-1440');

  // a system writes a statement about a student with the new credentials
  const student = sql(server.db, 'SELECT p.uid FROM person p JOIN student s ON s.person_id = p.id ORDER BY p.id LIMIT 1');
  const statement = {
    actor: { objectType: 'Agent', account: { homePage: server.url, name: student } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'zh-CN': '完成', 'en-US': 'completed' } },
    object: { objectType: 'Activity', id: 'https://homework.example.cn/assignments/42', definition: { name: { 'zh-CN': '分数的加减法练习' } } },
    result: { score: { scaled: 0.9 }, success: true },
  };
  const r = await call(`${server.url}/xapi/statements`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${key}:${secret}`).toString('base64')}`, 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' },
    body: JSON.stringify(statement),
  });
  assert.equal(r.status, 200, r.text);
  const [id] = r.body;

  await page.locator('.sh-aside').getByText('学习记录语句').click();
  await page.waitForURL('**/xapi/statements');
  const table = page.locator('[data-test=xapi-statements-table]');
  await table.getByText('分数的加减法练习').waitFor();
  await table.getByText('登录').first().waitFor(); // the administrator's own sign-in, recorded by the platform
  await shot(page, 'xapi-statements-1440');

  await page.getByPlaceholder('人员编号').fill(student);
  await page.locator('[data-test=xapi-search]').click();
  await table.locator('tbody tr').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('[data-test=xapi-statements-table] tbody tr').length === 1);
  const row = table.locator('tbody tr').first();
  assert.match(await row.innerText(), /完成[\s\S]*分数的加减法练习[\s\S]*得分率 90%，通过[\s\S]*区智慧作业系统/);
  await row.locator('[data-test=xapi-show-json]').click();
  const json = page.locator('[data-test=xapi-json]');
  await json.waitFor();
  const shown = JSON.parse(await json.innerText());
  assert.equal(shown.id, id);
  assert.deepEqual(shown.actor, statement.actor);
  assert.equal(shown.authority.account.name, key);
  await shot(page, 'xapi-statement-json-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('the statements page fits a phone', async () => {
  const { page, problems, close } = await openPage(browser, { width: 375, height: 800 });
  await signInAs(page, accounts.city_admin, '/xapi/statements');
  await page.locator('[data-test=xapi-statements-table]').waitFor();
  await shot(page, 'xapi-statements-375');
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 375, `page width ${width}`);
  assert.deepEqual(problems, []);
  await close();
});
