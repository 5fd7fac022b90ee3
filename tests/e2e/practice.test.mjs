// practice.test.mjs — 自主练习 on a phone (375 px): the demo student opens practice from the
// 学习情况 card, answers three items one at a time (the verdict with the right answer and
// the explanation, the mastery of the item's point before → after as a bar, then 下一题);
// what the page shows agrees with the API (the count of answers, the point's P(known) in
// the student's report). No sideways scrolling, no console errors; screenshots of each step
// in build/test-output/screenshots/practice-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts } from '../api/harness.mjs';
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

const width = (page) => page.evaluate(() => document.scrollingElement.scrollWidth);

// Give some answer of the right form for the item on screen.
async function answer(page) {
  const q = page.locator('[data-test=practice-question]');
  if (await q.locator('[data-test=opt-A]').count()) await q.locator('[data-test=opt-A]').click();
  else if (await q.locator('[data-test=tf-true]').count()) await q.locator('[data-test=tf-true]').click();
  else await q.locator('[data-test=numeric] input').fill('1');
}

test('a student practises three items at 375 px and sees each verdict and the mastery change', async () => {
  const { page, problems, close } = await openPage(browser, phone);
  await page.goto(server.url + '/login');
  await page.getByPlaceholder('登录名').fill(accounts.student.login);
  await page.getByPlaceholder('密码').fill(accounts.student.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(server.url + '/m');
  await page.locator('[data-test=portal-practice-link]').click();
  await page.waitForURL('**/m/practice');
  // the API as the signed-in page sees it (its session cookie)
  const api = { get: async (path) => ({ body: await (await page.request.get(server.url + path)).json() }) };
  for (let n = 1; n <= 3; n++) {
    const question = page.locator('[data-test=practice-question]');
    await question.waitFor();
    await page.locator('.katex').first().waitFor({ state: 'attached' }).catch(() => {}); // not every stem has maths
    assert.match(await page.locator('[data-test=practice-count]').innerText(), new RegExp(`已练 ${n - 1} 题`));
    const point = (await question.locator('.el-tag').innerText()).trim();
    assert.ok(point.length > 0, 'the item names its knowledge point');
    await page.waitForLoadState('networkidle');
    if (n === 1) await shot(page, 'practice-question-375');
    assert.ok((await width(page)) <= 376, `practice is ${await width(page)}px wide`);
    const offered = (await api.get('/api/v1/my/practice/next?subject=14')).body; // the same offer, asked again
    assert.equal(offered.point.name, point);
    await answer(page);
    await page.locator('[data-test=practice-submit]').click();
    const result = page.locator('[data-test=practice-result]');
    await result.waitFor();
    const verdict = await result.locator('.verdict').innerText();
    assert.match(verdict, /答对了|答错了/);
    assert.match(await result.innerText(), /答案：/);
    const mastery = page.locator('[data-test=practice-mastery]');
    const text = await mastery.innerText();
    assert.ok(text.includes(point), `the bar is about ${point}: ${text}`);
    const [, beforePct, afterPct] = text.match(/(\d+)% → (\d+)%/);
    assert.equal(Number(beforePct), Math.round(offered.p_known * 100));
    if (/答对了/.test(verdict)) assert.ok(Number(afterPct) > Number(beforePct));
    // the student's report holds the value the bar shows
    const report = await api.get('/api/v1/my/mastery?subject=14');
    const state = report.body.points.find((p) => p.name === point);
    assert.equal(Math.round(state.p_known * 100), Number(afterPct));
    assert.match(await page.locator('[data-test=practice-count]').innerText(), new RegExp(`已练 ${n} 题`));
    await page.waitForLoadState('networkidle');
    await shot(page, `practice-result-${n}-375`);
    assert.ok((await width(page)) <= 376);
    await page.locator('[data-test=practice-next]').click();
  }
  await page.locator('[data-test=practice-question]').waitFor();
  const next = await api.get('/api/v1/my/practice/next?subject=14');
  assert.equal(next.body.practised, 3);
  // back on the home page the 学习情况 card shows the points practised
  await page.locator('.sh-portal-back').click();
  await page.locator('[data-test=portal-mastery] .point').first().waitFor();
  await page.waitForLoadState('networkidle');
  await shot(page, 'practice-home-375');
  assert.deepEqual(problems, []);
  await close();
});
