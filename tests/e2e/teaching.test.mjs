// teaching.test.mjs — 知识图谱 and 题库 in a real browser, on the demo city with its shipped graph
// and item bank: a researcher browses the tree to 数轴, sees its prerequisites and dependants,
// is refused a prerequisite that would close a cycle (the cycle named), and opens the relation
// graph; a teacher previews an item with its maths rendered by KaTeX, writes a new item (the
// server's field errors shown on the fields), and submits it; the researcher publishes it from
// the review queue. Screenshots of each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts } from '../api/harness.mjs';
import { launch, openPage, shot, signInAt } from './browser.mjs';

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

// page errors only: refusals the test provokes (409 cycle, 400 field errors) are expected answers
const pageErrors = (problems) => problems.filter((p) => !p.startsWith('HTTP 4'));

async function pickKp(page, scope, text, code) {
  await scope.locator('[data-test=kp-picker]').click();
  await page.keyboard.type(text);
  const option = page.locator('.el-select-dropdown__item:visible', { hasText: code }).first();
  await option.waitFor();
  await option.click();
  await page.keyboard.press('Escape');
}

test('a researcher browses the knowledge graph, is refused a cycle and opens the relation graph', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, accounts.researcher);
  await page.locator('.sh-aside').getByText('知识图谱').click();
  await page.waitForURL('**/kg');
  const tree = page.locator('[data-test=kg-tree]');
  await tree.getByText('七年级上册').waitFor();
  await shot(page, 'kg-tree-1440');
  await page.locator('[data-test=kg-filter]').fill('数轴');
  // a filter shows its matches opened out, in a tree of their own (chapter 2 is gone)
  await tree.getByText('第二章 整式的加减').waitFor({ state: 'detached' });
  const leaf = tree.locator('.kg-leaf', { hasText: 'RJM-1.2.2' });
  await leaf.waitFor();
  await leaf.click();
  const detail = page.locator('[data-test=kg-detail]');
  await detail.getByText('RJM-1.2.2').waitFor();
  const pre = await detail.locator('[data-test=prerequisites]').innerText();
  assert.match(pre, /RJM-1\.2\.1/, pre);
  await shot(page, 'kg-point-detail-1440');

  // 绝对值 (RJM-1.2.4) needs 数轴: making it a prerequisite of 数轴 would close a cycle
  await pickKp(page, detail, '绝对值', 'RJM-1.2.4');
  await detail.locator('[data-test=add-prerequisite]').click();
  const err = detail.locator('[data-test=pre-error]');
  await err.waitFor();
  assert.match(await err.innerText(), /循环.*RJM-1\.2\.2.*RJM-1\.2\.4/);
  await shot(page, 'kg-cycle-refused-1440');

  await detail.getByRole('tab', { name: '关系图' }).click();
  await detail.locator('[data-test=kg-graph] canvas').waitFor();
  await page.waitForTimeout(1500); // the force layout settles
  await shot(page, 'kg-graph-1440');
  assert.deepEqual(pageErrors(problems), []);
  await close();
});

test('a teacher previews items with KaTeX, writes one (field errors on the fields) and submits it; the researcher publishes it', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, accounts.teacher);
  await page.locator('.sh-aside').getByText('题库').click();
  await page.waitForURL('**/items');
  const table = page.locator('[data-test=items-table]');
  await table.locator('.el-table__row').first().waitFor();
  assert.ok(await table.locator('.katex').count() > 0, 'stems render maths');
  await table.locator('.el-table__row').first().click();
  const preview = page.locator('[data-test=item-preview]').first();
  await preview.waitFor();
  assert.ok(await preview.locator('.katex').count() > 0);
  assert.equal(await preview.locator('.mt-bad').count(), 0, 'every formula renders');
  await shot(page, 'items-list-preview-1440');

  await page.locator('[data-test=new-item]').click();
  const editor = page.locator('[data-test=item-editor]');
  await editor.locator('[data-test=stem]').fill('若 $x^2=9$ 且 $x<0$，则 $x$ 等于（　　）');
  for (const [i, t] of ['$3$', '$-3$', '$\\pm 3$', '$9$'].entries()) await editor.locator(`[data-test=option-${i}]`).fill(t);
  await editor.getByRole('radio', { name: 'B' }).check({ force: true });
  await pickKp(page, editor, '平方根', 'RJM-6.1');
  await page.locator('[data-test=save-item]').click(); // no explanation yet: the server refuses it
  const fieldError = editor.locator('.el-form-item.is-error', { hasText: '请填写“解析”' });
  await fieldError.waitFor(); // the server's message under the field it names
  assert.match(await fieldError.innerText(), /解析/);
  await shot(page, 'item-editor-error-1440');
  await editor.locator('[data-test=explanation]').fill('$x^2=9$ 得 $x=\\pm 3$，又 $x<0$，所以 $x=-3$。');
  await page.locator('[data-test=save-item]').click();
  await editor.waitFor({ state: 'hidden' });
  const detail = page.locator('.ib-detail');
  await detail.getByText('草稿').first().waitFor();
  await detail.locator('[data-test=submit-item]').click();
  await detail.getByText('待审核').first().waitFor();
  await shot(page, 'item-submitted-1440');
  assert.deepEqual(pageErrors(problems), []);
  await close();

  const r = await openPage(browser);
  await signInAt(r.page, server.url, accounts.researcher);
  await r.page.locator('.sh-aside').getByText('题目审核').click();
  await r.page.waitForURL('**/items/review');
  await r.page.getByText('若').first().waitFor();
  assert.match(await r.page.locator('[data-test=queue-count]').innerText(), /1 道待审核/);
  await shot(r.page, 'items-review-queue-1440');
  await r.page.locator('[data-test=approve]').click();
  await r.page.getByText('没有待审核的题目').waitFor();
  assert.deepEqual(pageErrors(r.problems), []);
  await r.close();
});
