// portal.test.mjs — the phone portal (/m) for students and parents at 375 px: a parent
// signs in, lands on the portal (not the console) and sees their child with class and
// head teacher; a student sees their class and their record with the 学籍号 masked; a
// parent asking for the console home is sent to the portal; a teacher opening the portal
// gets 无权访问. No sideways scrolling, no console errors; screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, signIn } from '../api/harness.mjs';
import { launch, openPage, shot } from './browser.mjs';

let server;
let browser;
let accounts;
const phone = { width: 375, height: 812 };
before(async () => {
  server = await startServer();
  accounts = demoAccounts(server.db);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function signInAs(page, acct) {
  await page.goto(server.url + '/login');
  await page.getByPlaceholder('登录名').fill(acct.login);
  await page.getByPlaceholder('密码').fill(acct.password);
  await page.getByRole('button', { name: '登录' }).click();
}
const width = (page) => page.evaluate(() => document.scrollingElement.scrollWidth);

test('a parent at 375 px lands on the portal and sees their child, class and head teacher', async () => {
  const api = await signIn(server.url, accounts.guardian);
  const kids = (await api.get('/api/v1/my/students')).body.items;
  assert.ok(kids.length >= 1);
  const { page, problems, close } = await openPage(browser, phone);
  await signInAs(page, accounts.guardian);
  await page.waitForURL(server.url + '/m');
  await page.getByText('我的孩子').waitFor();
  const cards = page.locator('[data-test=portal-student]');
  await cards.first().waitFor();
  assert.equal(await cards.count(), kids.length);
  const text = await cards.first().innerText();
  assert.match(text, new RegExp(kids[0].name));
  assert.match(text, new RegExp(kids[0].class.name.replace(/[()（）]/g, '.')));
  assert.match(text, new RegExp(kids[0].head_teacher.name));
  assert.match(text, new RegExp(`您是${kids[0].relation_name}`));
  assert.doesNotMatch(await page.locator('body').innerText(), /系统管理|API 文档/, 'no console menu in the portal');
  assert.ok((await width(page)) <= 376, `portal is ${await width(page)}px wide`);
  await page.waitForLoadState('networkidle');
  await shot(page, 'portal-parent-375');
  // the console home sends a parent back to the portal
  await page.goto(server.url + '/');
  await page.waitForURL(server.url + '/m');
  await page.locator('[data-test=portal-student]').first().waitFor();
  // the portal's password page fits too
  await page.getByText('修改密码').click();
  await page.waitForURL('**/m/password');
  await page.getByRole('button', { name: '修改密码' }).waitFor();
  assert.ok((await width(page)) <= 376);
  await shot(page, 'portal-password-375');
  assert.deepEqual(problems, []);
  await close();
});

test('a student at 375 px sees their class and their record, the 学籍号 masked', async () => {
  const { page, problems, close } = await openPage(browser, phone);
  await signInAs(page, accounts.student);
  await page.waitForURL(server.url + '/m');
  await page.getByText('我的班级').waitFor();
  const card = page.locator('[data-test=portal-student]').first();
  await card.waitFor();
  const text = await card.innerText();
  assert.match(text, new RegExp(accounts.student.scope.replace(/[()（）]/g, '.')));
  assert.match(text, /学籍号\s*G?\d*\*{4,}\d+/);
  assert.match(text, /在读/);
  assert.doesNotMatch(await page.locator('body').innerText(), /我的孩子/);
  assert.match(await page.locator('[data-test=portal-user]').innerText(), /学生/);
  assert.ok((await width(page)) <= 376);
  await page.waitForLoadState('networkidle');
  await shot(page, 'portal-student-375');
  // signing out from the portal
  await page.getByRole('button', { name: '退出登录' }).click();
  await page.waitForURL('**/login');
  assert.deepEqual(problems, []);
  await close();
});

test('the portal is not for staff: a teacher opening /m sees 无权访问', async () => {
  const { page, close } = await openPage(browser);
  await signInAs(page, accounts.teacher);
  await page.waitForURL(server.url + '/');
  await page.goto(server.url + '/m');
  await page.getByText('无权访问').first().waitFor();
  await shot(page, 'portal-forbidden-teacher-1440');
  await close();
});
