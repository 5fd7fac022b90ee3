// roster.test.mjs — the roster pages in a real browser against a real demo server: a head
// teacher's class list with masked numbers and no unmask action, a school administrator who
// unmasks with a reason, opens a student's history and meets every field error of the edit
// form, exports the list, runs the import wizard with a bad file and then a good one, asks
// for a class change that the district administrator approves, merges a duplicate person;
// the pages at 375 px. No console errors or failed requests; screenshots of each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, demoAccounts, signIn, idNumber } from '../api/harness.mjs';
import { launch, openPage, shot } from './browser.mjs';

let server;
let browser;
let accounts;
const api = {}; // signed-in API clients by role; the browser pages share their sessions
const ctx = {};

before(async () => {
  server = await startServer();
  accounts = demoAccounts(server.db);
  browser = await launch();
  for (const role of ['head_teacher', 'school_admin', 'district_admin']) api[role] = await signIn(server.url, accounts[role]);
  const head = api.head_teacher.me.roles.find((r) => r.role === 'head_teacher').org;
  ctx.classIn = head;
  const orgPath = (await api.school_admin.get(`/api/v1/orgs/${head.id}/path`)).body.items;
  ctx.school = orgPath.find((o) => o.kind === 'school');
  ctx.grade = orgPath.find((o) => o.kind === 'grade');
  ctx.schoolCode = (await api.school_admin.get(`/api/v1/orgs/${ctx.school.id}`)).body.school_code;
  ctx.classes = (await api.school_admin.get(`/api/v1/orgs?parent=${ctx.grade.id}`)).body.items;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// A browser page signed in as a demo role (the session of the API client above).
async function openAs(role, size) {
  const p = await openPage(browser, size);
  const [name, value] = api[role].cookie.split('=');
  await p.page.context().addCookies([{ name, value, url: server.url }]);
  return p;
}

async function noSidewaysScroll(page, what) {
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 376, `${what} is ${width}px wide`);
}

const cellTexts = (page, col) =>
  page.locator(`[data-test=roster-table] .el-table__body tr td:nth-child(${col})`).allInnerTexts();

// The column number (1-based) of a header in the roster table.
async function columnOf(page, label) {
  const heads = await page.locator('[data-test=roster-table] .el-table__header th').allInnerTexts();
  const i = heads.findIndex((h) => h.trim() === label);
  assert.ok(i >= 0, `no column ${label} in ${heads.join('|')}`);
  return i + 1;
}

test('a head teacher sees their class with masked numbers and cannot unmask', async () => {
  const { page, problems, close } = await openAs('head_teacher');
  await page.goto(`${server.url}/roster/students`);
  await page.locator('[data-test=roster-table] .el-table__body tr').first().waitFor();
  assert.match(await page.locator('[data-test=org-crumbs]').innerText(), new RegExp(ctx.classIn.name.replace(/[()（）]/g, '.')));
  const numbers = await cellTexts(page, await columnOf(page, '全国学籍号'));
  assert.ok(numbers.length > 10, `${numbers.length} students`);
  for (const n of numbers) assert.match(n, /^[GJL]\d{5}\*+\d{3}[\dX]$/, n);
  const names = await cellTexts(page, await columnOf(page, '姓名'));
  assert.ok(names.every((n) => /^\p{Script=Han}\*+$/u.test(n)), names.join());
  assert.match(await page.locator('body').innerText(), /本班在班学生 \d+ 人/);
  assert.equal(await page.locator('[data-test=unmask]').count(), 0, 'no 查看明文 without the permission');
  // codes by name, no raw ids
  const text = await page.locator('[data-test=roster-table]').innerText();
  assert.match(text, /在读/);
  assert.doesNotMatch(text, /[0-9a-z]{26}/);
  await shot(page, 'roster-students-head-1440');
  // the detail page: masked ID number, no unmask either
  await page.locator('[data-test=roster-table] .el-table__body tr').first().getByRole('button', { name: '详情' }).click();
  await page.locator('[data-test=id-number]').waitFor();
  assert.match(await page.locator('[data-test=id-number]').innerText(), /^\d{6}\*+\d{3}[\dX]$/);
  assert.equal(await page.locator('[data-test=unmask]').count(), 0);
  assert.equal(await page.locator('[data-test=edit]').count(), 0, 'no 编辑 without roster.write');
  await page.locator('[data-test=history] .el-timeline-item').first().waitFor();
  await shot(page, 'roster-student-detail-head-1440');
  assert.deepEqual(problems, []);
  await close();
});

test('a school administrator unmasks the list with a reason and exports it', async () => {
  const { page, problems, close } = await openAs('school_admin');
  await page.goto(`${server.url}/roster/students`);
  await page.locator('[data-test=roster-table] .el-table__body tr').first().waitFor();
  assert.match(await page.locator('body').innerText(), /第 1 页/);
  await shot(page, 'roster-students-school-1440');
  await page.locator('[data-test=unmask]').click();
  await page.locator('textarea[data-test=unmask-reason]').fill('核对学籍信息');
  await shot(page, 'roster-unmask-dialog-1440');
  await page.locator('[data-test=unmask-confirm]').click();
  await page.locator('[data-test=unmasked-tag]').waitFor();
  const col = await columnOf(page, '全国学籍号');
  await page.waitForFunction((c) => {
    const cell = document.querySelector(`[data-test=roster-table] .el-table__body tr td:nth-child(${c})`);
    return /^[GJL]\d{17}[\dX]$/.test(cell ? cell.innerText.trim() : '');
  }, col);
  await shot(page, 'roster-students-unmasked-1440');
  await page.getByRole('button', { name: '恢复脱敏' }).click();
  await page.locator('[data-test=unmasked-tag]').waitFor({ state: 'detached' });
  // the next page by the cursor, then the export of the whole list as a file
  await page.locator('[data-test=next-page]').click();
  await page.getByText('第 2 页').waitFor();
  await page.locator('[data-test=export]').click();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=export-xlsx]').click()]);
  assert.match(download.suggestedFilename(), /\.xlsx$/);
  const file = await download.path();
  assert.equal(fs.readFileSync(file).subarray(0, 2).toString(), 'PK');
  assert.deepEqual(problems, []);
  await close();
});

test('a student record: history of changes, and the edit form shows every field error', async () => {
  const { page, problems, close } = await openAs('school_admin');
  await page.goto(`${server.url}/roster/students?org=${ctx.classIn.id}`);
  await page.locator('[data-test=roster-table] .el-table__body tr').first().getByRole('button', { name: '详情' }).click();
  await page.locator('[data-test=detail-fields]').waitFor();
  const fields = await page.locator('[data-test=detail-fields]').innerText();
  assert.match(fields, /学生当前状态\s+在读/);
  assert.match(fields, new RegExp(ctx.school.name));
  await page.locator('[data-test=edit]').click();
  await page.locator('[data-test=field-entry_month] input').fill('2020-13');
  await page.locator('[data-test=field-name] input').fill('王小明3');
  await page.locator('[data-test=save]').click();
  await page.locator('[data-test=field-entry_month] .el-form-item__error').waitFor();
  assert.match(await page.locator('[data-test=field-entry_month] .el-form-item__error').innerText(), /入学年月/);
  assert.ok(await page.locator('[data-test=field-name] .el-form-item__error').isVisible(), 'the name error is shown too');
  await shot(page, 'roster-edit-errors-1440');
  // a good change lands in the history, by this account, through the console
  await page.locator('[data-test=field-name] input').fill('');
  await page.locator('[data-test=field-entry_month] input').fill('2026-08');
  await page.locator('[data-test=save]').click();
  await page.getByText('已保存').waitFor();
  const first = page.locator('[data-test=history] .el-timeline-item').first();
  await page.waitForFunction(() => /入学年月/.test(document.querySelector('[data-test=history] .el-timeline-item')?.innerText || ''));
  const entry = await first.innerText();
  assert.match(entry, /修改/);
  assert.match(entry, new RegExp(accounts.school_admin.login.replace('.', '\\.')));
  assert.match(entry, /经由控制台/);
  assert.match(entry, /2026-09\s*→\s*2026-08/);
  await shot(page, 'roster-student-detail-1440');
  // the refused save is the one error reply expected here
  assert.deepEqual(problems.filter((p) => !/^HTTP 400: .*\/api\/v1\/students\/\w+$/.test(p)), []);
  assert.equal(problems.length, 1);
  await close();
});

const HEADER = '★学校标识码,★姓名,性别,出生日期,身份证号,全国学籍号,民族,年级,班级,联系电话,入学年月';
function studentRows(n, seq0) {
  const rows = [];
  for (let i = 0; i < n; i++) {
    const id = idNumber('370702', `2010-06-1${i}`, seq0 + i * 2);
    rows.push([ctx.schoolCode, `导入学生${'甲乙丙丁'[i]}`, '女', '', id, `G${id}`, '汉族', ctx.grade.name, ctx.classes[0].name, '', '2026-09'].join(','));
  }
  return rows;
}

test('the import wizard: a bad file shows its errors by row and column, a good one is imported', async () => {
  const dir = fs.mkdtempSync(path.join(server.dir, 'import-'));
  const good = studentRows(2, 500);
  const wrong = good[0].split(',');
  wrong[4] = wrong[4].slice(0, 17) + (wrong[4][17] === '1' ? '2' : '1');
  wrong[5] = '';
  const badDate = good[1].split(',');
  badDate[4] = '';
  badDate[5] = '';
  badDate[3] = '2010-02-30';
  const badFile = path.join(dir, '学生-有错.csv');
  fs.writeFileSync(badFile, [HEADER, wrong.join(','), badDate.join(',')].join('\r\n') + '\r\n');
  const goodFile = path.join(dir, '学生.csv');
  fs.writeFileSync(goodFile, [HEADER, ...good].join('\r\n') + '\r\n');

  const { page, problems, close } = await openAs('school_admin');
  await page.goto(`${server.url}/roster/import`);
  await page.locator('[data-test=kind-students]').click();
  assert.equal(await page.locator('[data-test=template]').getAttribute('href'), '/api/v1/import-templates/students');
  await shot(page, 'roster-import-kind-1440');
  await page.locator('[data-test=next]').click();
  await page.locator('[data-test=upload] input[type=file]').setInputFiles(badFile);
  await page.locator('[data-test=check]').click();
  await page.locator('[data-test=check-failed]').waitFor();
  const errors = await page.locator('[data-test=import-errors] .el-table__body tr').allInnerTexts();
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.match(errors[0], /^2\s+E 列（第 5 列）\s+身份证件号/);
  assert.match(errors[1], /^3\s+D 列（第 4 列）\s+出生日期/);
  // sortable: by row, descending
  await page.locator('[data-test=import-errors] th').filter({ hasText: '行' }).locator('.caret-wrapper .descending').click();
  assert.match(await page.locator('[data-test=import-errors] .el-table__body tr').first().innerText(), /^3\s/);
  assert.match(await page.locator('[data-test=errors-csv]').getAttribute('href'), /^\/api\/v1\/imports\/\w+\/errors\.csv$/);
  await shot(page, 'roster-import-errors-1440');
  const [report] = await Promise.all([page.waitForEvent('download'), page.locator('[data-test=errors-csv]').click()]);
  assert.match(fs.readFileSync(await report.path(), 'utf8'), /行,列,字段,值,错误代码,说明/);

  await page.locator('[data-test=reupload]').click();
  await page.locator('[data-test=upload] input[type=file]').setInputFiles(goodFile);
  await page.locator('[data-test=check]').click();
  await page.locator('[data-test=check-passed]').waitFor();
  assert.match(await page.locator('body').innerText(), /将新建\s+2/);
  await shot(page, 'roster-import-checked-1440');
  await page.locator('[data-test=commit]').click();
  await page.locator('[data-test=import-result]').waitFor();
  const result = await page.locator('[data-test=import-result]').innerText();
  assert.match(result, /导入完成/);
  assert.match(result, /新建\s+2/);
  assert.match(result, /更新\s+0/);
  await shot(page, 'roster-import-done-1440');
  const roster = (await api.school_admin.get(`/api/v1/class-rosters/${ctx.classes[0].id}`)).body.items;
  assert.equal(roster.filter((s) => s.name.startsWith('导')).length, 2);
  assert.deepEqual(problems, []);
  await close();
});

test('a class change goes to approval and the district administrator approves it', async () => {
  const student = (await api.school_admin.get(`/api/v1/class-rosters/${ctx.classIn.id}`)).body.items.find((s) => s.status === '01');
  const target = ctx.classes.find((c) => c.id !== ctx.classIn.id);
  const admin = await openAs('school_admin');
  await admin.page.goto(`${server.url}/roster/students/${student.id}`);
  await admin.page.locator('[data-test=student-change]').click();
  await admin.page.locator('[data-test=to-class] .el-cascader').click();
  await admin.page.locator('.el-cascader-node').filter({ hasText: ctx.grade.name }).first().click();
  await admin.page.locator('.el-cascader-node').filter({ hasText: target.name }).click();
  await shot(admin.page, 'roster-change-dialog-1440');
  await admin.page.locator('[data-test=submit-change]').click();
  await admin.page.getByText('已提交审批').waitFor();
  await admin.page.getByRole('tab', { name: '学籍异动' }).click();
  await admin.page.getByText('待审批').first().waitFor();
  // the submitter sees it among their own requests and may not decide it
  await admin.page.goto(`${server.url}/approvals`);
  await admin.page.getByRole('tab', { name: '我提交的' }).click();
  await admin.page.locator('[data-test=approvals-table] .el-table__body tr').filter({ hasText: '转班级' }).first().waitFor();
  assert.match(await admin.page.locator('[data-test=approvals-table]').innerText(), /转班级/);
  await admin.page.locator('[data-test=approvals-table] .el-table__body tr').first().click();
  await admin.page.locator('[data-test=approval-detail]').waitFor();
  assert.equal(await admin.page.locator('[data-test=approve]').count(), 0, 'no deciding one\'s own request');
  assert.equal(await admin.page.locator('[data-test=cancel-request]').count(), 1);
  await shot(admin.page, 'approvals-mine-1440');
  assert.deepEqual(admin.problems, []);
  await admin.close();

  const district = await openAs('district_admin');
  await district.page.goto(`${server.url}/approvals`);
  // the school's name arrives after the row (names are looked up for the page): wait for it
  await district.page.locator('[data-test=approvals-table] .el-table__body tr').filter({ hasText: '转班级' }).filter({ hasText: ctx.school.name }).first().waitFor();
  assert.match(await district.page.locator('[data-test=approvals-table]').innerText(), new RegExp(`转班级[\\s\\S]*${ctx.school.name}`));
  await shot(district.page, 'approvals-todo-1440');
  await district.page.locator('[data-test=approvals-table] .el-table__body tr').first().click();
  await district.page.locator('[data-test=approve]').waitFor();
  const detail = await district.page.locator('[data-test=approval-detail]').innerText();
  assert.match(detail, new RegExp(target.name.replace(/[()（）]/g, '.')));
  assert.match(detail, /学校审核/);
  await district.page.locator('textarea[data-test=approval-comment]').fill('同意调班');
  await district.page.locator('[data-test=approve]').click();
  await district.page.getByText('已同意').first().waitFor();
  await district.page.waitForFunction(() => /已通过/.test(document.querySelector('[data-test=approval-state]')?.innerText || ''));
  assert.match(await district.page.locator('[data-test=approval-detail]').innerText(), /同意调班/);
  await shot(district.page, 'approvals-approved-1440');
  assert.deepEqual(district.problems, []);
  await district.close();
  const open = (await api.school_admin.get(`/api/v1/enrollments?student=${student.id}`)).body.items.filter((e) => !e.exit_date);
  assert.deepEqual(open.map((e) => e.class), [target.id]);
});

test('duplicate persons are listed masked and merged with a reason', async () => {
  const a = api.school_admin;
  const kids = (await a.get(`/api/v1/class-rosters/${ctx.classes[1].id}`)).body.items;
  const mk = async (body) => (await a.post('/api/v1/persons', body)).body.person;
  const kept = await mk({ name: '孙丽华', gender: '2', id_number: idNumber('370702', '1985-02-03', 88) });
  const copy = await mk({ name: '孙丽华', gender: '2', birth_date: '1985-02-03' });
  for (const [i, person] of [kept, copy].entries()) {
    const r = await a.post('/api/v1/guardians', { school: ctx.school.id, student: kids[i].id, person, name: '孙丽华', relation: '52', is_guardian: true });
    assert.equal(r.status, 201, r.text);
  }
  const { page, problems, close } = await openAs('school_admin');
  await page.goto(`${server.url}/roster/duplicates`);
  const group = page.locator('.dp-group').filter({ hasText: '未登记' }).first();
  await group.waitFor();
  const text = await group.innerText();
  assert.match(text, /孙\*\*/);
  assert.match(text, /1985-\*\*-\*\*/);
  assert.doesNotMatch(text, /孙丽华/);
  await shot(page, 'roster-duplicates-1440');
  await group.locator('[data-test=merge]').click();
  await page.locator('textarea[data-test=merge-reason]').fill('同一家长重复登记，经核对户口簿合并');
  await page.locator('[data-test=merge-confirm]').click();
  await page.getByText('已合并 1 条重复登记').waitFor();
  assert.equal((await a.get(`/api/v1/persons/${copy}`)).body.merged_into, kept);
  assert.deepEqual(problems, []);
  await close();
});

test('the roster pages fit a 375 px phone', async () => {
  const { page, problems, close } = await openAs('school_admin', { width: 375, height: 812 });
  await page.goto(`${server.url}/roster/students`);
  await page.locator('[data-test=roster-table] .el-table__body tr').first().waitFor();
  await noSidewaysScroll(page, 'the student list');
  await shot(page, 'roster-students-375');
  await page.getByRole('button', { name: '选择机构' }).click();
  await page.locator('.el-drawer [data-test=org-tree]').getByText(ctx.grade.name).first().waitFor();
  await shot(page, 'roster-tree-drawer-375');
  await page.keyboard.press('Escape');
  await page.locator('[data-test=roster-table] .el-table__body tr').first().getByRole('button', { name: '详情' }).click();
  await page.locator('[data-test=detail-fields]').waitFor();
  await noSidewaysScroll(page, 'the student page');
  await shot(page, 'roster-student-detail-375');
  for (const [url, name, ready] of [
    ['/roster/import', 'roster-import-375', '[data-test=kind-students]'],
    ['/approvals', 'approvals-375', '[data-test=approvals-table]'],
    ['/roster/changes', 'roster-changes-375', '[data-test=changes-table]'],
    ['/roster/classes', 'roster-classes-375', '[data-test=roster-table] .el-table__body tr'],
  ]) {
    await page.goto(server.url + url);
    await page.locator(ready).first().waitFor();
    await noSidewaysScroll(page, url);
    await shot(page, name);
  }
  assert.deepEqual(problems, []);
  await close();
});

test('every roster list at 1440: staff, family members, classes, schools, changes', async () => {
  const { page, problems, close } = await openAs('school_admin');
  for (const [url, name, expect] of [
    ['/roster/staff', 'roster-staff-1440', /教职工类别/],
    ['/roster/guardians', 'roster-guardians-1440', /父亲|母亲/],
    ['/roster/classes', 'roster-classes-1440', /普通高中班/],
    ['/roster/schools', 'roster-schools-1440', /城乡类型/],
    ['/roster/changes', 'roster-changes-1440', /转班级/],
  ]) {
    await page.goto(server.url + url);
    await page.locator('.el-table__body tr').first().waitFor();
    await page.waitForFunction(() => !document.body.innerText.includes('…'));
    const text = await page.locator('.el-table').first().innerText();
    assert.match(text, expect, `${url}: ${text.slice(0, 300)}`);
    assert.doesNotMatch(text, /[0-9a-z]{26}/, `${url} shows no internal ids`);
    await shot(page, name);
  }
  assert.deepEqual(problems, []);
  await close();
});
