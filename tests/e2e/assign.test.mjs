// assign.test.mjs — 作业 in a real browser on the demo city: the demo teacher builds a 课前问学 for
// the class of the demo student from the bank (items of one knowledge point, maths rendered) and
// publishes it; the student answers it on a 375 px phone (single choice, true/false, a subjective
// answer), submits with a confirmation and sees the result with explanations; the teacher scores
// the subjective answer against its rubric and the submission becomes scored. Screenshots of every
// page at 1440 px and 375 px.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, signIn } from '../api/harness.mjs';
import { launch, openPage, shot, signInAt } from './browser.mjs';

let server;
let browser;
let accounts;
let cls;
const phone = { width: 375, height: 812 };
const width = (page) => page.evaluate(() => document.scrollingElement.scrollWidth);
const ctx = {};

before(async () => {
  server = await startServer();
  accounts = demoAccounts(server.db);
  browser = await launch();
  const head = await signIn(server.url, accounts.head_teacher); // the demo student's class
  cls = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the teacher builds a 课前问学 from the bank and publishes it', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, accounts.teacher, `/assign?class=${cls}`);
  await page.locator('.sh-aside').getByText('作业').waitFor();
  await page.locator('[data-test=new-task]').click();
  const dialog = page.locator('[data-test=task-dialog]');
  await dialog.locator('[data-test=task-title]').fill('有理数的加减法 课前问学');
  await dialog.locator('[data-test=kp-picker]').click();
  await page.keyboard.type('加减法');
  await page.locator('.el-select-dropdown__item:visible', { hasText: 'RJM-1.3' }).first().click();
  const bank = dialog.locator('[data-test=bank] .bank-item');
  await bank.first().waitFor();
  assert.ok(await dialog.locator('[data-test=bank] .katex').count() > 0, 'maths rendered by KaTeX');
  const n = await bank.count();
  assert.ok(n >= 3, `${n} items of RJM-1.3`);
  for (let i = 0; i < n; i++) await bank.nth(i).click();
  await shot(page, 'assign-create-1440');
  await dialog.locator('[data-test=task-save]').click();
  await page.waitForURL('**/assign/*');
  await page.locator('[data-test=task-item]').first().waitFor();
  assert.equal(await page.locator('[data-test=task-item]').count(), n);
  await page.locator('[data-test=publish]').click();
  await page.getByRole('button', { name: '确定' }).click();
  await page.locator('[data-test=task-status]', { hasText: '已发布' }).waitFor();
  ctx.task = page.url();
  await shot(page, 'assign-task-published-1440');
  await page.goto(`${server.url}/assign?class=${cls}`);
  await page.locator('[data-test=task-table]').getByText('有理数的加减法 课前问学').waitFor();
  await shot(page, 'assign-list-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('the student answers it on a phone, submits and sees the result', async () => {
  const { page, problems, close } = await openPage(browser, phone);
  await page.goto(`${server.url}/login`);
  await page.getByPlaceholder('登录名').fill(accounts.student.login);
  await page.getByPlaceholder('密码').fill(accounts.student.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${server.url}/m`);
  await page.locator('[data-test=portal-tasks-link]').click();
  const card = page.locator('[data-test=my-task]', { hasText: '有理数的加减法 课前问学' });
  await card.waitFor();
  assert.match(await card.innerText(), /未开始/);
  await shot(page, 'portal-my-tasks-375');
  await card.click();
  const q = page.locator('[data-test=question]');
  await q.waitFor();
  for (let n = 1; ; n++) {
    const input = q.locator('[data-test=answer-input]');
    if (await input.locator('[data-test=opt-A]').count()) await input.locator('[data-test=opt-A]').click();
    else if (await input.locator('[data-test=tf-true]').count()) await input.locator('[data-test=tf-true]').click();
    else if (await input.locator('[data-test=numeric]').count()) await input.locator('[data-test=numeric]').fill('1');
    else {
      await input.locator('[data-test=subjective]').fill('先把减法化成加法，再按同号、异号的法则计算。');
      await shot(page, 'portal-answer-subjective-375');
    }
    assert.ok((await width(page)) <= 376, `portal is ${await width(page)}px wide`);
    if (!(await page.locator('[data-test=next]').count())) break;
    await page.locator('[data-test=next]').click();
    // the next item is on screen once its number is the current one (the save comes first)
    await page.locator('.num.cur', { hasText: new RegExp(`^${n + 1}$`) }).waitFor();
  }
  await shot(page, 'portal-answer-375');
  await page.locator('[data-test=submit]').click();
  await page.locator('.el-message-box').getByRole('button', { name: '提交' }).click(); // the dialog's, once it is open
  const result = page.locator('[data-test=result]');
  await result.waitFor();
  assert.match(await result.innerText(), /主观题等待老师评分/);
  const items = page.locator('[data-test=result-item]');
  assert.ok((await items.count()) >= 3);
  assert.match(await items.first().innerText(), /解析：/);
  assert.ok((await width(page)) <= 376);
  await shot(page, 'portal-result-375');
  // the portal on a desktop screen too
  await page.setViewportSize({ width: 1440, height: 900 });
  await shot(page, 'portal-result-1440');
  await page.goto(`${server.url}/m/tasks`);
  await page.locator('[data-test=my-task]').first().waitFor();
  await shot(page, 'portal-my-tasks-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('the teacher scores the subjective answer against the rubric; the submission is scored', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, accounts.teacher, new URL(ctx.task).pathname);
  await page.getByRole('tab', { name: /学生提交/ }).click();
  const row = page.locator('[data-test=submissions] .el-table__row', { hasText: '已提交' });
  await row.first().waitFor();
  await row.first().click();
  const scoring = page.locator('[data-test=scoring]');
  await scoring.waitFor();
  assert.match(await scoring.innerText(), /分/);
  await scoring.locator('[data-test=score-input] input').fill('2');
  await scoring.locator('[data-test=score-save]').click();
  await page.locator('.el-drawer__header', { hasText: '已评分' }).waitFor();
  await shot(page, 'assign-scoring-1440');
  await page.keyboard.press('Escape');
  await page.getByRole('tab', { name: /题目与正确率/ }).click();
  const rates = await page.locator('[data-test=right-rate]').allInnerTexts();
  assert.ok(rates.every((r) => /正确率 (\d+%|—)/.test(r)), rates.join());
  await shot(page, 'assign-task-rates-1440');
  // the same pages on a phone-sized screen
  await page.setViewportSize(phone);
  await shot(page, 'assign-task-375');
  await page.goto(`${server.url}/assign?class=${cls}`);
  await page.locator('[data-test=task-table]').waitFor();
  await shot(page, 'assign-list-375');
  assert.deepEqual(problems, []);
  await close();
});
