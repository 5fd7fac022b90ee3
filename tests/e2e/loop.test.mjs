// loop.test.mjs — the whole teaching loop (问学 → 研学 → 评学) in a real browser on the demo city's
// 初中 class: the maths teacher (math.teacher, 七年级（1）班) builds a 课前问学 over three knowledge
// points by automatic selection and publishes it; four students of the class answer it on a 375 px
// phone with different right/wrong patterns; the teacher opens the 学情报告 and finds the class means
// and weak points the answers imply (BKT from the defaults, computed here by hand); she turns the
// tier suggestion into a tiered homework (a tier changed, an item swapped, a common item added),
// publishes it; a student answers their own tier's items and the report moves by the same formula.
// Screenshots of each step: build/test-output/screenshots/loop-*.png.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startServer, demoLogins, classmateAccounts, signIn, sql } from '../api/harness.mjs';
import { launch, openPage, shot, shotsDir, signInAt } from './browser.mjs';

let server;
let browser;
let teacher; // the teacher's API session: the answers the students are to give, read as she can
let students; // junior.student and three classmates, each with their right/wrong pattern
let cls;
const phone = { width: 375, height: 812 };
const POINTS = ['RJM-2.1', 'RJM-2.2', 'RJM-3.1'];
const PATTERNS = ['111111', '110100', '010010', '000000']; // per diagnostic item: 1 right, 0 wrong
const ctx = {};

before(async () => {
  server = await startServer();
  const acc = demoLogins(server.db);
  browser = await launch();
  teacher = await signIn(server.url, acc['math.teacher']);
  cls = teacher.me.roles.find((r) => r.role === 'teacher').org;
  assert.equal(cls.name, '七年级（1）班');
  const me = { ...acc['junior.student'], name: '李浩然' };
  students = [me, ...classmateAccounts(server.db, 'junior.student', 3)].map((s, i) => ({ ...s, pattern: PATTERNS[i] }));
  assert.equal(students.length, 4);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// BKT by hand with the defaults (prior 0.3, learn 0.15, forget 0, guess 0.2, slip 0.1): each
// counted answer moves P(known) of every point of its item, in the order answered.
const known = new Map(); // student login → point code → P(known)
function step(p, right) {
  const post = right ? (p * 0.9) / (p * 0.9 + (1 - p) * 0.2) : (p * 0.1) / (p * 0.1 + (1 - p) * 0.8);
  return post + (1 - post) * 0.15;
}
function answered(login, item, right) {
  const mine = known.get(login) ?? new Map();
  for (const kp of item.knowledge_points) mine.set(kp.code, step(mine.get(kp.code) ?? 0.3, right));
  known.set(login, mine);
}
// The class mean of a point over the students who met it, as the page shows it (a whole percent).
function meanPct(code) {
  const ps = [...known.values()].map((m) => m.get(code)).filter((p) => p !== undefined);
  return `${Math.round((100 * ps.reduce((a, b) => a + b, 0)) / ps.length)}%`;
}

// Answer the open question right or wrong as the item (the teacher's view, with its answer) says.
async function answer(q, item, right) {
  const input = q.locator('[data-test=answer-input]');
  const keys = (item.options || []).map((o) => o.key);
  if (item.type === 'single') await input.locator(`[data-test=opt-${right ? item.answer : keys.find((k) => k !== item.answer)}]`).click();
  else if (item.type === 'multiple') {
    for (const k of right ? item.answer : [keys.find((x) => !item.answer.includes(x))]) await input.locator(`[data-test=opt-${k}]`).click();
  } else if (item.type === 'truefalse') await input.locator(`[data-test=tf-${item.answer === right}]`).click();
  else if (item.type === 'numeric') await input.locator('[data-test=numeric]').fill(String(right ? item.answer.value : item.answer.value + 7));
  else throw new Error(`no objective answer for a ${item.type} item`);
}

// A student signs in on a phone, opens the task by title and answers the items in order.
async function answerTask(s, title, items, rights, name) {
  const { page, problems, close } = await openPage(browser, phone);
  await page.goto(`${server.url}/login`);
  await page.getByPlaceholder('登录名').fill(s.login);
  await page.getByPlaceholder('密码').fill(s.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(`${server.url}/m`);
  await page.locator('[data-test=portal-tasks-link]').click();
  await page.locator('[data-test=my-task]', { hasText: title }).click();
  const q = page.locator('[data-test=question]');
  await q.waitFor();
  assert.match(await page.locator('[data-test=my-task-page] [data-test=task-meta]').innerText(), new RegExp(`共 ${items.length} 题`));
  for (let i = 0; i < items.length; i++) {
    await answer(q, items[i], rights[i]);
    if (i < items.length - 1) {
      await page.locator('[data-test=next]').click();
      await q.locator('[data-test=qhead]', { hasText: `第 ${i + 2} 题` }).waitFor(); // the next item is on screen
    }
  }
  assert.equal(await page.locator('[data-test=next]').count(), 0, `${s.login} has ${items.length} items`);
  if (name) await shot(page, name);
  await page.locator('[data-test=submit]').click();
  await page.locator('.el-message-box').getByRole('button', { name: '提交' }).click();
  const result = page.locator('[data-test=result]');
  await result.waitFor();
  const score = items.reduce((a, x, i) => a + (rights[i] ? x.score : 0), 0);
  const max = items.reduce((a, x) => a + x.score, 0);
  assert.match(await result.innerText(), new RegExp(`得分\\s*${score}\\s*/\\s*${max}`), `${s.login}: ${score} of ${max}`);
  if (name) await shot(page, `${name}-result`);
  items.forEach((it, i) => answered(s.login, it, rights[i]));
  assert.deepEqual(problems, []);
  await close();
}

test('问学: the 初中 teacher builds a 课前问学 over three points and publishes it', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, demoLogins(server.db)['math.teacher'], '/assign');
  await page.locator('[data-test=task-table]').waitFor();
  await page.locator('[data-test=new-task]').click();
  const dialog = page.locator('[data-test=task-dialog]');
  await dialog.locator('[data-test=task-title]').fill('整式与方程 课前问学');
  await dialog.locator('[data-test=mode-auto]').click();
  for (const code of POINTS) {
    await dialog.locator('[data-test=kp-picker] input').fill(code);
    await page.locator('.el-select-dropdown__item:visible', { hasText: `${code} ` }).first().click();
  }
  await dialog.locator('.el-input-number input').fill('6');
  await shot(page, 'loop-1-diagnostic-build');
  await dialog.locator('[data-test=task-save]').click();
  await page.waitForURL('**/assign/*');
  await page.locator('[data-test=task-item]').first().waitFor();
  assert.equal(await page.locator('[data-test=task-item]').count(), 6);
  await page.locator('[data-test=publish]').click();
  await page.getByRole('button', { name: '确定' }).click();
  await page.locator('[data-test=task-status]', { hasText: '已发布' }).waitFor();
  await shot(page, 'loop-1-diagnostic-published');
  ctx.diagnostic = (await teacher.get(`/api/v1/assign/tasks/${page.url().split('/').pop()}`)).body;
  for (const code of POINTS) assert.ok(ctx.diagnostic.items.some((it) => it.knowledge_points.some((k) => k.code === code)), code);
  assert.ok(ctx.diagnostic.items.every((it) => it.type !== 'subjective'), 'objective items only: graded at once');
  assert.deepEqual(problems, []);
  await close();
});

test('问学: four students answer it on a phone, each with their own right/wrong pattern', async () => {
  for (const [i, s] of students.entries()) {
    await answerTask(s, '整式与方程 课前问学', ctx.diagnostic.items, [...s.pattern].map((c) => c === '1'),
      i === 1 ? 'loop-2-student-diagnostic-375' : '');
  }
});

test('研学: the report shows the class means the answers imply, the weak points and the students at risk', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, demoLogins(server.db)['math.teacher'], '/');
  await page.locator('.sh-aside').getByText('学情报告').click();
  await page.waitForURL((u) => u.pathname === '/mastery' && u.searchParams.get('class') === cls.id && u.searchParams.get('subject') === '14');
  await page.locator('canvas').first().waitFor();
  // the subject is chosen by name, 数学 among the class's own subjects
  assert.match(await page.locator('[data-test=mastery-subject]').innerText(), /数学/);
  const rows = page.locator('.points .el-table__row');
  await rows.first().waitFor();
  const table = Object.fromEntries((await rows.allInnerTexts()).map((t) => t.split('\t').map((x) => x.trim())).map((c) => [c[0], c]));
  const codes = Object.keys(table).sort();
  assert.deepEqual(codes, [...new Set(ctx.diagnostic.items.flatMap((it) => it.knowledge_points.map((k) => k.code)))].sort());
  for (const code of codes) assert.equal(table[code][2], meanPct(code), `class mean of ${code}`);
  ctx.before = table;
  // weak: a class mean below 50 %, shown red
  const weak = codes.filter((c) => parseInt(meanPct(c), 10) < 50);
  assert.ok(weak.length >= 1);
  ctx.weak = weak;
  for (const code of codes) {
    const tag = page.locator('.points .el-table__row', { hasText: code }).locator('.el-tag');
    assert.equal(await tag.evaluate((e) => e.classList.contains('el-tag--danger')), weak.includes(code), code);
  }
  // the student who got everything wrong is at risk
  assert.match(await page.locator('[data-test=at-risk]').innerText(), new RegExp(students[3].name));
  // the task picker narrows the report to the diagnostic; the link keeps it
  await page.locator('[data-test=mastery-task]').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: '整式与方程 课前问学' }).click();
  await page.waitForURL((u) => u.searchParams.get('task') === ctx.diagnostic.id);
  await page.locator('canvas').first().waitFor();
  await shot(page, 'loop-3-report');
  ctx.reportUrl = page.url();
  assert.deepEqual(problems, []);
  await close();
});

test('评学: the teacher turns the tier suggestion into a tiered homework and publishes it', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, demoLogins(server.db)['math.teacher'], new URL(ctx.reportUrl).pathname + new URL(ctx.reportUrl).search);
  await page.locator('canvas').first().waitFor();
  await page.locator('[data-test=tier-open]').click();
  const dialog = page.locator('[data-test=tier-dialog]');
  // the weak points are chosen by default
  const chosen = await dialog.locator('[data-test=tier-points] .el-select__tags-text').allInnerTexts();
  assert.equal(chosen.filter((t) => t.trim()).length, ctx.weak.length, chosen.join());
  await dialog.locator('[data-test=tier-suggest]').click();
  const row = (name) => dialog.locator('[data-test=tier-table] .el-table__body .el-table__row', { hasText: name });
  await row(students[0].name).first().waitFor();
  const tiers = (await teacher.get(`/api/v1/classes/${cls.id}/tiers?subject=14&points=${ctx.weak.join(',')}`)).body.students;
  const mine = tiers.find((s) => s.name === students[0].name);
  assert.equal(mine.tier, 'A', 'all right: tier A');
  assert.ok(mine.items.length >= 1, 'items suggested for the strong student');
  const first = row(students[0].name).first();
  assert.match(await first.innerText(), new RegExp(`预计 ${Math.round(mine.items[0].predicted * 100)}%`));
  // swap the strong student's first item for another of the same point
  const before = await first.locator('[data-test=tier-item]').first().innerText();
  await first.locator('[data-test=tier-swap]').first().click();
  assert.notEqual(await first.locator('[data-test=tier-item]').first().innerText(), before);
  // the student with everything wrong (tier C) gets items too, easier than the strong student's
  // (a lower mean bank difficulty), each marked when its chance lies outside the band
  const weakest = row(students[3].name).first();
  const theirs = tiers.find((s) => s.name === students[3].name);
  assert.equal(theirs.tier, 'C');
  assert.ok(theirs.items.length >= 1, 'items suggested for the C student');
  const bank = (items) => items.reduce((sum, it) => sum + Number(sql(server.db, `SELECT iv.difficulty FROM item i
    JOIN item_version iv ON iv.item_id = i.id AND iv.no = i.published WHERE i.code = '${it.item}'`)), 0) / items.length;
  assert.ok(bank(theirs.items) < bank(mine.items), `C ${bank(theirs.items)} < A ${bank(mine.items)}`);
  const preds = await weakest.locator('[data-test=tier-pred]').allInnerTexts();
  assert.deepEqual(preds, theirs.items.map((it) => `预计 ${Math.round(it.predicted * 100)}%${it.in_band ? '' : '（超出本层目标区间）'}`));
  // every student has a suggestion: no warning, nothing blocks the draft
  assert.equal(await dialog.locator('[data-test=tier-empty]').count(), 0);
  // the teacher moves them up from C to B
  await weakest.locator('[data-test=tier-select]').getByText('B', { exact: true }).click();
  assert.match(await weakest.innerText(), /建议 C 层/);
  // a common item every student gets
  await dialog.locator('[data-test=tier-common]').click();
  await page.locator('.el-select-dropdown__item:visible').first().click();
  await page.keyboard.press('Escape');
  assert.match(await dialog.locator('[data-test=tier-table] .el-table__body').innerText(), /无作答/, 'students without answers are marked');
  await shot(page, 'loop-4-tiers-page');
  await dialog.screenshot({ path: path.join(shotsDir, 'loop-4-tiers.png') });
  await dialog.locator('[data-test=tier-save]').click();
  await page.waitForURL('**/assign/*');
  await page.getByRole('tab', { name: /学生分层/ }).click();
  const tierRow = (name) => page.locator('[data-test=task-tiers] .el-table__row', { hasText: name }).locator('[data-test=task-tier]');
  assert.equal(await tierRow(students[0].name).innerText(), 'A');
  assert.equal(await tierRow(students[3].name).innerText(), 'B');
  await shot(page, 'loop-5-draft');
  await page.locator('[data-test=publish]').click();
  await page.getByRole('button', { name: '确定' }).click();
  await page.locator('[data-test=task-status]', { hasText: '已发布' }).waitFor();
  ctx.homework = (await teacher.get(`/api/v1/assign/tasks/${page.url().split('/').pop()}`)).body;
  assert.equal(ctx.homework.tiered, true);
  assert.equal(ctx.homework.assigned, tiers.length, 'every student of the class');
  assert.deepEqual(problems, []);
  await close();
});

test('评学: a student answers their own tier\'s items and the report moves', async () => {
  const me = students[0];
  const uid = (await (await signIn(server.url, me)).get('/api/v1/my/students')).body.items[0].id;
  const items = ctx.homework.items.filter((it) => !it.student || it.student.id === uid);
  assert.ok(items.some((it) => it.student), 'an item of the student\'s own');
  // another student gets the common items and their own
  const common = ctx.homework.items.filter((it) => !it.student).length;
  const otherUid = (await (await signIn(server.url, students[3])).get('/api/v1/my/students')).body.items[0].id;
  const own = ctx.homework.items.filter((it) => it.student && it.student.id === otherUid).length;
  assert.ok(own >= 1, 'the C student has items of their own');
  const other = (await (await signIn(server.url, students[3])).get('/api/v1/my/tasks')).body.items.find((t) => t.task === ctx.homework.id);
  assert.equal(other.item_count, common + own);
  const title = ctx.homework.title;
  await answerTask(me, title, items, items.map(() => true), 'loop-6-student-homework-375');
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, demoLogins(server.db)['math.teacher'], `/mastery?class=${cls.id}&subject=14`);
  const rows = page.locator('.points .el-table__row');
  await rows.first().waitFor();
  const table = Object.fromEntries((await rows.allInnerTexts()).map((t) => t.split('\t').map((x) => x.trim())).map((c) => [c[0], c]));
  const moved = [...new Set(items.flatMap((it) => it.knowledge_points.map((k) => k.code)))];
  for (const code of moved) assert.equal(table[code]?.[2], meanPct(code), `class mean of ${code} after the homework`);
  assert.ok(moved.some((code) => table[code][2] !== ctx.before[code]?.[2]), 'the report moved');
  await shot(page, 'loop-7-report-after');
  assert.deepEqual(problems, []);
  await close();
});
