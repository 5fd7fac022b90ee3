// persons.test.mjs — one person, one record: the duplicate-candidates report
// (same name, gender and birth date, different or missing ID numbers, in the
// caller's reach, masked), the merge of a duplicate into the person kept (role
// rows, documents and profile fields moved through the write path, the old
// person marked merged, audited with the reason, clear refusals), a person's
// summary and the under-14 flag computed on read (DR-03).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, demoAccounts, signIn, sql, idNumber, cli, dbFile, dump, usePostgres } from './harness.mjs';

let srv;
let admin; // school administrator of the demo school
let head; // head teacher of one class of that school
let cityAdmin;
const ctx = {};

// Today in China, and a date shifted by whole years and days from it.
function chinaToday() {
  return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10);
}
function shifted(years, days = 0) {
  const [y, m, d] = chinaToday().split('-').map(Number);
  const t = new Date(Date.UTC(y + years, m - 1, d + days));
  return t.toISOString().slice(0, 10);
}

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  admin = await signIn(srv.url, accounts.school_admin);
  head = await signIn(srv.url, accounts.head_teacher);
  cityAdmin = await signIn(srv.url, accounts.city_admin);
  ctx.classIn = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
  const path = (await cityAdmin.get(`/api/v1/orgs/${ctx.classIn}/path`)).body.items;
  ctx.school = path.find((o) => o.kind === 'school').id;
  const district = path.find((o) => o.kind === 'district').id;
  const districts = (await cityAdmin.get('/api/v1/orgs?kind=district')).body.items;
  const other = districts.find((d) => d.id !== district).id;
  ctx.schoolOther = (await cityAdmin.get(`/api/v1/orgs?parent=${other}&kind=school`)).body.items[0].id;
});
after(async () => { await srv.stop(); });

async function person(client, body) {
  const r = await client.post('/api/v1/persons', body);
  assert.equal(r.status, 201, r.text);
  return r.body.person;
}
async function student(client, school, personId, name) {
  const r = await client.post('/api/v1/students', { school, person: personId, name, status: '01' });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}
async function guardian(client, school, studentId, personId, name) {
  const r = await client.post('/api/v1/guardians', { school, student: studentId, person: personId, name, relation: '52', is_guardian: true });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// A duplicate registration as the demo city makes them: a pupil with an ID number
// in the demo school, the same pupil again without one in a school of another
// district, each with a mother registered twice the same way.
test('the duplicate-candidates report finds the same child and mother registered twice', async () => {
  const birth = '2013-05-20';
  ctx.kept = await person(admin, { name: '赵小红', gender: '2', id_number: idNumber('370702', birth, 42), phone: '13953600001' });
  ctx.copy = await person(cityAdmin, { name: '赵 小红', gender: '2', birth_date: birth, address: '山东省潍坊市临朐县城关街道 1 号' });
  ctx.mumKept = await person(admin, { name: '孙丽', gender: '2', id_number: idNumber('370702', '1985-02-03', 88) });
  ctx.mumCopy = await person(cityAdmin, { name: '孙丽', gender: '2', birth_date: '1985-02-03' });
  ctx.studentKept = await student(admin, ctx.school, ctx.kept, '赵小红');
  ctx.studentCopy = await student(cityAdmin, ctx.schoolOther, ctx.copy, '赵小红');
  ctx.linkKept = await guardian(admin, ctx.school, ctx.studentKept, ctx.mumKept, '孙丽');
  ctx.linkCopy = await guardian(cityAdmin, ctx.schoolOther, ctx.studentCopy, ctx.mumCopy, '孙丽');
  // same name, gender and birth date with two different valid ID numbers: two people
  await person(admin, { name: '钱多多', gender: '1', id_number: idNumber('370702', '2012-01-01', 11) });
  await person(admin, { name: '钱多多', gender: '1', id_number: idNumber('370703', '2012-01-01', 13) });

  const r = await cityAdmin.get('/api/v1/duplicate-candidates?limit=100');
  assert.equal(r.status, 200, r.text);
  const ids = (g) => g.persons.map((p) => p.id).sort();
  const child = r.body.items.find((g) => g.persons.some((p) => p.id === ctx.kept));
  assert.ok(child, r.text);
  assert.deepEqual(ids(child), [ctx.kept, ctx.copy].sort());
  const kept = child.persons.find((p) => p.id === ctx.kept);
  const copy = child.persons.find((p) => p.id === ctx.copy);
  // masked as everywhere: name, year of birth, ID number with region and last four
  assert.equal(kept.name, '赵**');
  assert.equal(kept.birth_date, '2013-**-**');
  assert.match(kept.id_number, /^370702\*{8}\d{3}[\dX]$/);
  assert.equal(copy.id_number, null);
  assert.equal(copy.name, '赵***'); // the copy was typed with a space: the match hash ignores it
  assert.deepEqual(kept.roles.map((x) => [x.kind, x.id, x.school]), [['student', ctx.studentKept, ctx.school]]);
  assert.deepEqual(copy.roles.map((x) => [x.kind, x.id, x.school]), [['student', ctx.studentCopy, ctx.schoolOther]]);
  const mum = r.body.items.find((g) => g.persons.some((p) => p.id === ctx.mumKept));
  assert.deepEqual(ids(mum), [ctx.mumKept, ctx.mumCopy].sort());
  assert.deepEqual(mum.persons.find((p) => p.id === ctx.mumCopy).roles.map((x) => x.kind), ['guardian']);
  assert.ok(!JSON.stringify(r.body).includes('钱'), 'two valid different ID numbers are not candidates');
  assert.ok(!r.text.includes('赵小红'), 'names are masked');

  // key-set paging: one group per page, all groups once
  const seen = [];
  let cursor = '';
  for (let i = 0; i < 20; i++) {
    const page = await cityAdmin.get(`/api/v1/duplicate-candidates?limit=1${cursor}`);
    assert.equal(page.status, 200, page.text);
    seen.push(...page.body.items.map((g) => g.persons[0].id));
    if (!page.body.next_cursor) break;
    cursor = `&cursor=${page.body.next_cursor}`;
  }
  assert.deepEqual(seen, r.body.items.map((g) => g.persons[0].id));
});

test('the report shows only persons in reach and refuses bad parameters', async () => {
  // the school administrator reaches only the kept child: no group of one
  const r = await admin.get('/api/v1/duplicate-candidates');
  assert.equal(r.status, 200, r.text);
  assert.ok(!r.body.items.some((g) => g.persons.some((p) => p.id === ctx.kept || p.id === ctx.copy)), r.text);
  assertError(await admin.get('/api/v1/duplicate-candidates?limit=0'), 400, 'invalid_limit', 'limit');
  assertError(await admin.get('/api/v1/duplicate-candidates?limit=abc'), 400, 'invalid_limit', 'limit');
  assertError(await admin.get('/api/v1/duplicate-candidates?cursor=%25%25'), 400, 'invalid_cursor');
  assertError(await admin.get('/api/v1/duplicate-candidates?name=1'), 400, 'unknown_parameter');
  assertError(await head.get('/api/v1/duplicate-candidates'), 403, 'forbidden');
});

test('shushu duplicates writes the same report as CSV', async () => {
  const out = `${srv.dir}/dups.csv`;
  const r = cli(['duplicates', '--db', srv.db, '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /疑似重复人员：\d+ 组/);
  const text = (await import('node:fs')).readFileSync(out, 'utf8');
  assert.match(text, /组号,人员标识,姓名,性别,出生日期,身份证件号,角色/);
  assert.ok(text.includes(ctx.copy) && text.includes(ctx.kept));
  assert.ok(!text.includes('赵小红'));
  assert.equal(cli(['duplicates', '--db', srv.db, '--out', `${srv.dir}/x.txt`]).status, 2);
});

test('a merge refuses bad input and persons out of reach, changing nothing', async () => {
  const before = sql(srv.db, 'SELECT max(version) FROM change_log');
  const url = `/api/v1/persons/${ctx.copy}/merge`;
  assertError(await cityAdmin.post(url, { into: ctx.kept }), 400, 'invalid_reason', 'reason');
  assertError(await cityAdmin.post(url, { into: ctx.kept, reason: '重复', colour: 1 }), 400, 'unknown_field');
  assertError(await cityAdmin.post(url, { reason: '重复登记' }), 400, 'required', 'into');
  assertError(await cityAdmin.post(url, '[1]'), 400, 'invalid_body');
  assertError(await cityAdmin.post(url, { into: ctx.copy, reason: '重复登记' }), 400, 'same_person', 'into');
  assertError(await cityAdmin.post(url, { into: 'nobody', reason: '重复登记' }), 400, 'unknown_reference', 'into');
  assertError(await cityAdmin.post('/api/v1/persons/nobody/merge', { into: ctx.kept, reason: '重复登记' }), 404, 'not_found');
  // the copy studies in another district's school: to the school administrator it does not exist
  assertError(await admin.post(url, { into: ctx.kept, reason: '重复登记' }), 404, 'not_found');
  // and the kept person is beyond its reach as a target
  assertError(await admin.post(`/api/v1/persons/${ctx.kept}/merge`, { into: ctx.copy, reason: '重复登记' }), 400, 'unknown_reference', 'into');
  assertError(await head.post(url, { into: ctx.kept, reason: '重复登记' }), 403, 'forbidden');
  // two different valid ID numbers are two people
  const a = await person(admin, { name: '周一', gender: '1', id_number: idNumber('370702', '2011-03-03', 21) });
  const b = await person(admin, { name: '周一', gender: '1', id_number: idNumber('370702', '2011-03-03', 23) });
  await student(admin, ctx.school, a, '周一');
  await student(admin, ctx.school, b, '周一');
  assertError(await admin.post(`/api/v1/persons/${a}/merge`, { into: b, reason: '重复登记' }), 409, 'id_number_conflict');
  // both students of one school: the school must end one 学籍 first
  const c = await person(admin, { name: '吴二', gender: '1', birth_date: '2011-04-04' });
  const d = await person(admin, { name: '吴二', gender: '1', birth_date: '2011-04-04' });
  await student(admin, ctx.school, c, '吴二');
  await student(admin, ctx.school, d, '吴二');
  const since = sql(srv.db, 'SELECT max(version) FROM change_log');
  assertError(await admin.post(`/api/v1/persons/${c}/merge`, { into: d, reason: '重复登记' }), 409, 'same_school_student');
  assert.equal(sql(srv.db, 'SELECT max(version) FROM change_log'), since, 'a refused merge writes nothing');
  assert.equal(sql(srv.db, `SELECT count(*) FROM person WHERE merged_into IS NOT NULL`), '0');
  assert.ok(Number(before) <= Number(since));
});

test('a merge moves roles, documents and missing profile fields to the kept person, and keeps the history', async () => {
  const since = sql(srv.db, 'SELECT max(version) FROM change_log'); // the end of the feed as it stands
  const r = await cityAdmin.post(`/api/v1/persons/${ctx.copy}/merge`, { into: ctx.kept, reason: '同一学生在两校重复登记，经核对户口簿合并' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.person, ctx.copy);
  assert.equal(r.body.merged_into, ctx.kept);
  assert.match(r.body.warnings[0], /多所学校/); // two current 学籍 now show: the schools must act
  // the copy's student row is now the kept person's, with its history
  const s = await cityAdmin.get(`/api/v1/students/${ctx.studentCopy}`);
  assert.equal(s.status, 200, s.text);
  assert.equal(s.body.person, ctx.kept);
  const h = await cityAdmin.get(`/api/v1/students/${ctx.studentCopy}/history`);
  const last = h.body.items.at(-1);
  assert.equal(last.op, 'update');
  assert.deepEqual(last.fields.map((f) => f.field), ['person']);
  assert.equal(last.actor, demoAccounts(srv.db).city_admin.login);
  const feed = await cityAdmin.get(`/api/v1/changes?since=${since}&limit=100`);
  const entities = feed.body.items.map((i) => `${i.entity}:${i.op}`);
  assert.ok(entities.includes('student:update'), entities.join());
  assert.ok(entities.includes('person_profile:update'), entities.join()); // the address the kept person lacked
  assert.ok(entities.includes('person:update'), entities.join()); // merged_into
  // the kept person got the address it lacked and kept its own phone
  const kept = sql(srv.db, `SELECT address_mask IS NOT NULL, phone_mask FROM person_profile WHERE person_id = (SELECT id FROM person WHERE uid = '${ctx.kept}')`);
  assert.equal(kept, '1|139****0001');
  // the old public id still answers, pointing at the kept person
  const old = await cityAdmin.get(`/api/v1/persons/${ctx.copy}`);
  assert.equal(old.status, 200, old.text);
  assert.equal(old.body.merged_into, ctx.kept);
  const now = await cityAdmin.get(`/api/v1/persons/${ctx.kept}`);
  assert.deepEqual(now.body.roles.map((x) => x.id).sort(), [ctx.studentKept, ctx.studentCopy].sort());
  // audited with the reason
  const audit = sql(srv.db, "SELECT object || ' ' || detail FROM audit_log WHERE event = 'person_merge' ORDER BY id DESC LIMIT 1");
  assert.match(audit, new RegExp(`person:${ctx.copy} 合并至 person:${ctx.kept}；事由：同一学生在两校重复登记`));
  // not a candidate any more, and a second merge says where it went
  const report = await cityAdmin.get('/api/v1/duplicate-candidates?limit=500');
  assert.ok(!report.body.items.some((g) => g.persons.some((p) => p.id === ctx.copy)));
  assertError(await cityAdmin.post(`/api/v1/persons/${ctx.copy}/merge`, { into: ctx.kept, reason: '重复登记' }), 409, 'already_merged');
  assertError(await cityAdmin.post(`/api/v1/persons/${ctx.mumCopy}/merge`, { into: ctx.copy, reason: '重复登记' }), 409, 'already_merged', 'into');
  // a person the caller does not reach is missing, merged or not
  assertError(await head.get(`/api/v1/persons/${ctx.copy}`), 404, 'not_found');
});

test('a school administrator merges duplicates inside the school', async () => {
  const p1 = await person(admin, { name: '李华', gender: '1', id_number: idNumber('370702', '1980-07-07', 31) });
  const p2 = await person(admin, { name: '李华', gender: '1', birth_date: '1980-07-07', work_unit: '潍坊市第一医院' });
  const staff = await admin.post('/api/v1/staff', { school: ctx.school, person: p1, name: '李华', staff_number: 'DUP-1' });
  assert.equal(staff.status, 201, staff.text);
  const link = await guardian(admin, ctx.school, ctx.studentKept, p2, '李华');
  const r = await admin.post(`/api/v1/persons/${p2}/merge`, { into: p1, reason: '教师本人即学生家长' });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body.warnings, []);
  assert.equal((await admin.get(`/api/v1/guardians/${link}`)).body.person, p1);
  const sum = await admin.get(`/api/v1/persons/${p1}`);
  assert.deepEqual(sum.body.roles.map((x) => x.kind).sort(), ['guardian', 'staff']);
  assert.equal(sum.body.under_14, false);
});

test('under_14 is computed on read from the birth date against today in China', async () => {
  const cases = [
    ['十四岁生日当天', shifted(-14), false],
    ['明天满十四岁', shifted(-14, 1), true],
    ['十四岁前一天', shifted(-14, -1), false],
    ['十三岁', shifted(-13), true],
    ['十五岁', shifted(-15), false],
  ];
  const rows = [];
  for (const [i, [name, birth, expected]] of cases.entries()) {
    const p = await person(admin, { name: `年龄${name}`, gender: '2', birth_date: birth });
    const s = await student(admin, ctx.school, p, `年龄${'甲乙丙丁戊己庚辛'[i]}`);
    const e = await admin.post('/api/v1/enrollments', { school: ctx.school, student: s, class: ctx.classIn, entry_date: '2024-09-01' });
    assert.equal(e.status, 201, e.text);
    rows.push({ p, s, expected, name });
  }
  for (const { p, s, expected, name } of rows) {
    assert.equal((await admin.get(`/api/v1/students/${s}`)).body.under_14, expected, name);
    assert.equal((await admin.get(`/api/v1/persons/${p}`)).body.under_14, expected, name);
  }
  // the class roster (a head teacher's read) carries it too, and lists do
  const roster = await head.get(`/api/v1/class-rosters/${ctx.classIn}`);
  assert.equal(roster.status, 200, roster.text);
  for (const { s, expected } of rows) assert.equal(roster.body.items.find((x) => x.id === s).under_14, expected);
  const list = await admin.get(`/api/v1/students?school=${ctx.school}&limit=500`);
  assert.equal(list.body.items.find((x) => x.id === rows[0].s).under_14, false);
  // never stored; not a filter; read-only
  assert.equal(sql(srv.db, usePostgres
    ? "SELECT count(*) FROM information_schema.columns WHERE table_name = 'student' AND column_name LIKE '%14%'"
    : "SELECT count(*) FROM pragma_table_info('student') WHERE name LIKE '%14%'"), '0');
  assertError(await admin.get(`/api/v1/students?school=${ctx.school}&under_14=true`), 400, 'unknown_parameter');
  assertError(await admin.patch(`/api/v1/students/${rows[0].s}`, { under_14: true }), 400, 'unknown_field');
  // no birth date: unknown
  const nobirth = await person(admin, { name: '无生日', gender: '1' });
  const s = await student(admin, ctx.school, nobirth, '无生日');
  assert.equal((await admin.get(`/api/v1/students/${s}`)).body.under_14, null);
  // out of reach: missing (the merged copy answers through the kept person, who is in reach)
  assertError(await admin.get(`/api/v1/persons/${ctx.mumCopy}`), 404, 'not_found');
  assert.equal((await admin.get(`/api/v1/persons/${ctx.copy}`)).body.merged_into, ctx.kept);
  assertError(await admin.get('/api/v1/persons/nobody'), 404, 'not_found');
});

test('key rotation re-encrypts everything, keeps every read and the audit chain, and settles a crash', { timeout: 180000 }, async () => {
  const fs = await import('node:fs');
  const db = srv.db;
  const keyFile = `${dbFile(db)}.key`;
  // a student with sensitive values, read masked and unmasked before
  const id = idNumber('370702', '2015-08-08', 77);
  const p = await person(admin, { name: '钥匙测试', gender: '1', id_number: id, phone: '13953600077', address: '山东省潍坊市潍城区和平路 9 号' });
  const s = await admin.post('/api/v1/students', { school: ctx.school, person: p, name: '钥匙测试', status: '01', student_number: `G${id}`, hukou_type: '2' });
  assert.equal(s.status, 201, s.text);
  const reads = async (client) => ({
    masked: (await client.get(`/api/v1/students/${s.body.id}`)).body,
    clear: (await client.get(`/api/v1/students/${s.body.id}?unmask_reason=核对学籍`)).body,
    person: (await client.get(`/api/v1/persons/${p}`)).body,
    report: (await client.get('/api/v1/duplicate-candidates?limit=500')).body,
  });
  const before = await reads(cityAdmin);
  assert.equal(before.clear.student_number, `G${id}`);
  const hex = (column) => (usePostgres ? `encode(${column}, 'hex')` : `hex(${column})`); // as the dump writes bytes
  const oldCiphertexts = sql(db, `SELECT ${hex('number')} FROM person_document UNION ALL SELECT ${hex('birth_date')} FROM person_profile
    WHERE birth_date IS NOT NULL UNION ALL SELECT ${hex('student_number')} FROM student WHERE student_number IS NOT NULL
    UNION ALL SELECT ${hex('secret')} FROM auth_factor`).split('\n');
  assert.ok(oldCiphertexts.length > 20);
  await srv.stop();

  const oldKey = `${srv.dir}/old.key`;
  fs.copyFileSync(keyFile, oldKey);
  fs.chmodSync(oldKey, 0o600);
  const r = cli(['keys', 'rotate', '--db', db]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /密钥已轮换：重新加密 \d+ 个字段值、\d+ 个动态验证码密钥，重算 \d+ 个查重摘要/);
  assert.match(fs.readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\nstable [0-9a-f]{64}\n$/);
  assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
  // a raw dump holds none of the old ciphertexts
  const stored = dump(db);
  for (const ct of oldCiphertexts) assert.ok(!stored.includes(ct), `old ciphertext still stored: ${ct.slice(0, 16)}…`);
  // the audit chain still verifies (its key was carried over), and records the rotation
  const v = cli(['verify', 'audit', '--db', db]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.match(v.stdout, /审计日志完好/);
  assert.match(sql(db, "SELECT event FROM audit_log ORDER BY id DESC LIMIT 1"), /key_rotate/);
  // the old key file opens nothing any more: the store refuses it
  const old = cli(['duplicates', '--db', db, '--keys', oldKey]);
  assert.equal(old.status, 1);
  assert.match(old.stderr, /与数据库不符/);

  srv = await startServer({ dir: srv.dir });
  const accounts = demoAccounts(db);
  cityAdmin = await signIn(srv.url, accounts.city_admin); // its TOTP secret was re-sealed
  admin = await signIn(srv.url, accounts.school_admin);
  head = await signIn(srv.url, accounts.head_teacher);
  const after = await reads(cityAdmin);
  assert.deepEqual(after, before);
  // the ID number's lookup hash still deduplicates
  const again = await admin.post('/api/v1/persons', { name: '钥匙测试', id_number: id });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.person, p);
  const byNumber = await admin.get(`/api/v1/students?school=${ctx.school}&student_number=G${id}`);
  assert.deepEqual(byNumber.body.items.map((x) => x.id), [s.body.id]);
  await srv.stop();

  // a crash before the commit leaves KEY.new with a key the database never used: removed
  fs.writeFileSync(`${keyFile}.new`, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
  srv = await startServer({ dir: srv.dir });
  assert.ok(!fs.existsSync(`${keyFile}.new`));
  await srv.stop();
  // a crash after the commit, before the rename: KEY.new is the key the database records
  fs.renameSync(keyFile, `${keyFile}.new`);
  fs.copyFileSync(oldKey, keyFile);
  srv = await startServer({ dir: srv.dir });
  assert.ok(!fs.existsSync(`${keyFile}.new`));
  assert.match(fs.readFileSync(keyFile, 'utf8'), /\nstable /);
  cityAdmin = await signIn(srv.url, accounts.city_admin);
  assert.deepEqual((await cityAdmin.get(`/api/v1/students/${s.body.id}?unmask_reason=核对学籍`)).body, before.clear);
});
