// care_flags.test.mjs — the 关爱与资助 card of one school and of one district in the org
// browser (the students' and the schools' lists with that org selected) and on a school's
// record: each number shown equals a raw count — SQL for the plain columns (students in
// school, 校车), and the registry form exported in clear for the encrypted flags. No console
// errors or failed requests; screenshots of each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, signIn, sql, httpFetch, formCareCounts } from '../api/harness.mjs';
import { launch, openPage, shot } from './browser.mjs';

let server;
let browser;
let district; // the district administrator's API client; the browser shares its session
const ctx = {};

before(async () => {
  server = await startServer();
  browser = await launch();
  district = await signIn(server.url, demoAccounts(server.db).district_admin);
  ctx.district = district.me.roles.find((r) => r.org && r.org.kind === 'district').org;
  const school = (await signIn(server.url, demoAccounts(server.db).school_admin)).me.roles.find((r) => r.role === 'school_admin').org;
  ctx.school = school;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const TILES = {
  left_behind_single: '单亲留守儿童', left_behind_both: '双亲留守儿童', migrant_child: '进城务工人员随迁子女', orphan: '孤儿',
  disabled: '残疾学生', inclusive: '随班就读', needs_aid: '需要申请资助', school_bus: '需要乘坐校车',
};

// The raw counts of the students studying under an org: SQL where the column is plain,
// the national form exported in clear (the district administrator unmasks) where encrypted;
// without a school filter the export is the district administrator's whole reach.
async function rawCounts(org) {
  const key = sql(server.db, `SELECT id FROM org_unit WHERE uid = '${org}'`);
  const where = `status = '01' AND school_id IN (SELECT descendant_id FROM org_closure WHERE ancestor_id = ${key})`;
  const students = Number(sql(server.db, `SELECT count(*) FROM student WHERE ${where}`));
  const bus = Number(sql(server.db, `SELECT count(*) FROM student WHERE ${where} AND school_bus = '1'`));
  const r = await httpFetch(`${server.url}/api/v1/students?${org === ctx.school.id ? `school=${org}&` : ''}status=01&format=csv&template=national&unmask_reason=${encodeURIComponent('核对关爱与资助人数')}`,
    { headers: { cookie: district.cookie } });
  assert.equal(r.status, 200, await r.clone().text());
  const form = formCareCounts(await r.text());
  assert.equal(form.rows, students);
  assert.equal(form.counts.school_bus, bus); // the plain column: SQL and the file agree
  return { students, counts: form.counts };
}

// The figures the card shows on the page: 在读 N 人 and each tile's number.
async function shown(page) {
  const card = page.locator('[data-test=student-flags]');
  await card.locator('.org-name').waitFor();
  const head = await card.locator('.org-name').innerText();
  const counts = {};
  for (const [key, label] of Object.entries(TILES)) {
    const text = await card.locator(`[data-test="stat-${label}"] .value`).innerText();
    counts[key] = Number(text.replaceAll(',', ''));
  }
  return { head, students: Number(head.match(/在读 ([\d,]+) 人/)[1].replaceAll(',', '')), counts };
}

async function openAsDistrict() {
  const p = await openPage(browser);
  const [name, value] = district.cookie.split('=');
  await p.page.context().addCookies([{ name, value, url: server.url }]);
  return p;
}

test('a school selected in the students list shows its care figures, equal to the raw counts', async () => {
  const { page, problems, close } = await openAsDistrict();
  await page.goto(`${server.url}/roster/students?org=${ctx.school.id}`);
  const got = await shown(page);
  const raw = await rawCounts(ctx.school.id);
  assert.match(got.head, new RegExp(ctx.school.name.replace(/[()（）]/g, '.')));
  assert.deepEqual({ students: got.students, counts: got.counts }, raw);
  assert.ok(raw.students > 100 && raw.counts.migrant_child + raw.counts.left_behind_single + raw.counts.needs_aid > 0, JSON.stringify(raw));
  await shot(page, 'care-flags-school-1440');
  // a grade is not a school or district: no card
  const grade = (await district.get(`/api/v1/orgs?parent=${ctx.school.id}&kind=grade`)).body.items[0];
  await page.goto(`${server.url}/roster/students?org=${grade.id}`);
  await page.locator('[data-test=roster-table]').waitFor();
  await page.waitForLoadState('networkidle');
  assert.equal(await page.locator('[data-test=student-flags]').count(), 0);
  assert.deepEqual(problems, []);
  await close();
});

test('a district selected in the schools list, and a school record, show the same figures as the raw counts', async () => {
  const { page, problems, close } = await openAsDistrict();
  await page.goto(`${server.url}/roster/schools?org=${ctx.district.id}`);
  const got = await shown(page);
  const raw = await rawCounts(ctx.district.id);
  assert.match(got.head, new RegExp(ctx.district.name));
  assert.deepEqual({ students: got.students, counts: got.counts }, raw);
  await shot(page, 'care-flags-district-1440');
  // the record of the school: the card of that school
  const record = (await district.get(`/api/v1/schools?school=${ctx.school.id}`)).body.items[0];
  await page.goto(`${server.url}/roster/schools/${record.id}`);
  const one = await shown(page);
  assert.deepEqual({ students: one.students, counts: one.counts }, await rawCounts(ctx.school.id));
  await shot(page, 'care-flags-school-record-1440');
  assert.deepEqual(problems, []);
  await close();
});
