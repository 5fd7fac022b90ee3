// roster.test.mjs — the education base data over the API on a demo database:
// persons deduplicated on the ID number, students and enrolments with national
// identifiers checked at the edge, sensitive fields encrypted at rest and masked
// by default, unmasking with a reason (audited), scope by school and by class,
// history and the change feed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startServer, call, assertError, demoAccounts, signIn, sql, idNumber } from './harness.mjs';

let srv;
let admin; // school administrator of the head teacher's school
let head; // head teacher of one class
let teacher; // a teacher of another class of the same school
let cityAdmin;
const ctx = {};

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  admin = await signIn(srv.url, accounts.school_admin);
  head = await signIn(srv.url, accounts.head_teacher);
  teacher = await signIn(srv.url, accounts.teacher);
  cityAdmin = await signIn(srv.url, accounts.city_admin);
  ctx.classIn = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
  const path = (await cityAdmin.get(`/api/v1/orgs/${ctx.classIn}/path`)).body.items;
  ctx.school = path.find((o) => o.kind === 'school').id;
  ctx.grade = path.find((o) => o.kind === 'grade').id;
  const classes = (await cityAdmin.get(`/api/v1/orgs?parent=${ctx.grade}`)).body.items;
  ctx.classOther = classes.find((c) => c.id !== ctx.classIn).id;
  const schools = (await cityAdmin.get('/api/v1/orgs?kind=school&limit=100')).body.items;
  ctx.schoolOther = schools.find((s) => s.id !== ctx.school).id;
  const gradeOther = (await cityAdmin.get(`/api/v1/orgs?parent=${ctx.schoolOther}&kind=grade`)).body.items[0].id;
  ctx.classOtherSchool = (await cityAdmin.get(`/api/v1/orgs?parent=${gradeOther}`)).body.items[0].id;
});
after(async () => { await srv.stop(); });

const ID = idNumber('370702', '2014-03-15', 123);
const PHONE = '13953612345';
const ADDRESS = '山东省潍坊市潍城区和平路 88 号 3 号楼 2 单元 501 室';

test('a person is registered once: the same ID number finds the same person', async () => {
  const body = { name: '王小明', gender: '1', id_number: ID, phone: PHONE, address: ADDRESS, ethnicity: '01' };
  const r = await admin.post('/api/v1/persons', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.existing, false);
  ctx.person = r.body.person;
  // lower-case x and full-width digits are normalised; the same person comes back
  const again = await admin.post('/api/v1/persons', { name: '王小明', id_number: ID.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))) });
  assert.equal(again.status, 200, again.text);
  assert.equal(again.body.existing, true);
  assert.equal(again.body.person, ctx.person);
});

test('ID numbers are checked at the edge, each error naming the field in Chinese', async () => {
  const bad = ID.slice(0, 17) + (ID[17] === '0' ? '1' : '0');
  assertError(await admin.post('/api/v1/persons', { name: '李四', id_number: bad }), 400, 'invalid_id_check_digit', 'id_number');
  assertError(await admin.post('/api/v1/persons', { name: '李四', id_number: '37070220140230123X' }), 400, 'invalid_id_birth_date', 'id_number');
  assertError(await admin.post('/api/v1/persons', { name: '李四', id_number: '12345' }), 400, 'invalid_id_number', 'id_number');
  assertError(await admin.post('/api/v1/persons', { name: '李四', id_number: ID, birth_date: '2014-03-16' }), 400, 'birth_date_mismatch', 'birth_date');
  assertError(await admin.post('/api/v1/persons', { name: '李四', phone: '12345678901' }), 400, 'invalid_phone', 'phone');
  assertError(await admin.post('/api/v1/persons', { name: '李四', ethnicity: '99' }), 400, 'invalid_code', 'ethnicity');
  assertError(await admin.post('/api/v1/persons', { id_number: ID }), 400, 'required', 'name');
  assertError(await head.post('/api/v1/persons', { name: '李四' }), 403, 'forbidden');
});

test('a student is created in the school, enrolled in a class, and shown masked', async () => {
  const r = await admin.post('/api/v1/students', {
    school: ctx.school, person: ctx.person, name: '王小明', gender: '1', student_number: `G${ID}`,
    status: '01', entry_month: '2020-09', hukou_type: '2', inclusive: '0', attendance_mode: '1',
  });
  assert.equal(r.status, 201, r.text);
  ctx.student = r.body.id;
  assert.equal(r.body.name, '王**');
  assert.equal(r.body.student_number, `G37070*********${ID.slice(-4)}`);
  assert.equal(r.body.hukou_type, undefined, 'hidden fields are left out');
  assert.equal(r.body.inclusive, undefined);
  assert.equal(r.body.status, '01');
  const e = await admin.post('/api/v1/enrollments', { school: ctx.school, student: ctx.student, class: ctx.classIn, entry_date: '2020-09-01' });
  assert.equal(e.status, 201, e.text);
  ctx.enrollment = e.body.id;
  // the class roster as its head teacher sees it: masked
  const roster = await head.get(`/api/v1/class-rosters/${ctx.classIn}`);
  assert.equal(roster.status, 200, roster.text);
  const me = roster.body.items.find((s) => s.id === ctx.student);
  assert.ok(me, roster.text);
  assert.equal(me.name, '王**');
  assert.doesNotMatch(roster.text, new RegExp(ID));
});

test('bad student input changes nothing and names every field', async () => {
  const before = sql(srv.db, 'SELECT count(*) FROM student');
  const r = await admin.post('/api/v1/students', {
    school: ctx.school, person: ctx.person, name: '王小明', student_number: 'G123', status: '42', entry_month: '2020-13', colour: 'red',
  });
  assert.equal(r.status, 400, r.text);
  const fields = r.body.error.details.map((d) => d.field).sort();
  assert.deepEqual(fields, ['colour', 'entry_month', 'status', 'student_number']);
  assertError(await admin.post('/api/v1/students', { school: ctx.classIn, person: ctx.person, name: '王小明', status: '01' }), 400, 'not_a_school', 'school');
  assertError(await admin.post('/api/v1/students', { school: ctx.school, person: 'nosuchperson', name: '王小明', status: '01' }), 400, 'unknown_reference', 'person');
  // a class of another school, and exit before entry
  assertError(await admin.post('/api/v1/enrollments', { school: ctx.school, student: ctx.student, class: ctx.classOtherSchool, entry_date: '2020-09-01' }), 400, 'wrong_school', 'class');
  assertError(await admin.post('/api/v1/enrollments', { school: ctx.school, student: ctx.student, class: ctx.classOther, entry_date: '2020-09-01', exit_date: '2020-08-01' }), 400, 'invalid_date_order', 'exit_date');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM student'), before);
});

test('the database file holds no plaintext ID number, phone or address', () => {
  const files = [srv.db, `${srv.db}-wal`].filter((f) => fs.existsSync(f));
  for (const f of files) {
    const bytes = fs.readFileSync(f);
    for (const secret of [ID, PHONE, ADDRESS.slice(0, 12)]) {
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${secret} found in ${f}`);
    }
  }
  // found through the keyed hash all the same
  assert.equal(sql(srv.db, `SELECT count(*) FROM person_document d JOIN person p ON p.id = d.person_id WHERE p.uid = '${ctx.person}' AND d.number_hash IS NOT NULL`), '1');
});

test('unmasking needs the permission and a reason, and is audited', async () => {
  const reason = encodeURIComponent('核对学籍信息');
  const clear = await admin.get(`/api/v1/students/${ctx.student}?unmask_reason=${reason}`);
  assert.equal(clear.status, 200, clear.text);
  assert.equal(clear.body.name, '王小明');
  assert.equal(clear.body.student_number, `G${ID}`);
  assert.equal(clear.body.hukou_type, '2');
  assert.equal(clear.body.inclusive, '0');
  const audited = sql(srv.db, "SELECT detail FROM audit_log WHERE event = 'unmask' ORDER BY id DESC LIMIT 1");
  assert.match(audited, /核对学籍信息/);
  assertError(await admin.get(`/api/v1/students/${ctx.student}?unmask_reason=x`), 400, 'invalid_unmask_reason', 'unmask_reason');
  assertError(await head.get(`/api/v1/students/${ctx.student}?unmask_reason=${reason}`), 403, 'forbidden');
  // without a reason: masked even for the administrator
  assert.equal((await admin.get(`/api/v1/students/${ctx.student}`)).body.name, '王**');
});

test('scope: the head teacher reaches their class, another class teacher and another school do not', async () => {
  assert.equal((await head.get(`/api/v1/students/${ctx.student}`)).status, 200);
  const teacherClass = teacher.me.roles.find((r) => r.role === 'teacher').org.id;
  if (teacherClass !== ctx.classIn) assertError(await teacher.get(`/api/v1/students/${ctx.student}`), 404, 'not_found');
  assertError(await head.get(`/api/v1/class-rosters/${ctx.classOther}`), 404, 'not_found');
  assertError(await head.post('/api/v1/students', { school: ctx.school, person: ctx.person, name: '王小明', status: '01' }), 403, 'forbidden');
  // the school administrator cannot write into another school: it looks missing
  assertError(await admin.post('/api/v1/students', { school: ctx.schoolOther, person: ctx.person, name: '王小明', status: '01' }), 404, 'not_found', 'school');
  const list = await admin.get(`/api/v1/students?school=${ctx.schoolOther}`);
  assert.equal(list.status, 200);
  assert.deepEqual(list.body.items, []);
});

test('every change keeps its history and reaches the change feed in order', async () => {
  // the end of the feed as it stands (a populated demo has many pages)
  let since = 0;
  for (let page; !page || page.has_more; since = page.next_since) {
    page = (await admin.get(`/api/v1/changes?since=${since}&limit=1000`)).body;
  }
  const p = await admin.patch(`/api/v1/students/${ctx.student}`, { status: '02' });
  assert.equal(p.status, 200, p.text);
  assert.equal(p.body.status, '02');
  // the same value again changes nothing: no new version
  const same = await admin.patch(`/api/v1/students/${ctx.student}`, { status: '02' });
  assert.equal(same.status, 200);
  assert.equal(same.body.version, p.body.version);
  const h = await admin.get(`/api/v1/students/${ctx.student}/history`);
  assert.equal(h.status, 200, h.text);
  assert.deepEqual(h.body.items.map((i) => i.op), ['create', 'update']);
  const upd = h.body.items[1];
  assert.deepEqual(upd.fields, [{ field: 'status', from: '01', to: '02' }]);
  assert.equal(upd.actor, demoAccounts(srv.db).school_admin.login);
  assert.equal(upd.source, 'console');
  // an L4 field's change is logged by name only
  const created = h.body.items[0].fields.find((f) => f.field === 'student_number');
  assert.deepEqual(created, { field: 'student_number' });
  const feed = await admin.get(`/api/v1/changes?since=${since}`);
  assert.equal(feed.status, 200, feed.text);
  assert.deepEqual(feed.body.items.map((i) => [i.entity, i.op, i.id]), [['student', 'update', ctx.student]]);
  assert.equal(feed.body.next_since, upd.version);
  assert.deepEqual((await admin.get(`/api/v1/changes?since=${feed.body.next_since}`)).body.items, []);
  assertError(await admin.get('/api/v1/changes?since=-1'), 400, 'invalid_since', 'since');
  assertError(await admin.get('/api/v1/changes?since=0&colour=1'), 400, 'unknown_parameter');
  assertError(await head.get('/api/v1/changes?since=0'), 403, 'forbidden');
});

test('terms are city-wide: the city writes them, schools read them', async () => {
  const r = await cityAdmin.post('/api/v1/terms', { school_year: '2028-2029', semester: '1', name: '2028—2029 学年第一学期', start_date: '2028-09-01', end_date: '2029-01-20' });
  assert.equal(r.status, 201, r.text);
  assertError(await cityAdmin.post('/api/v1/terms', { school_year: '2026-2028', semester: '1', name: 'x', start_date: '2026-09-01', end_date: '2027-01-20' }), 400, 'invalid_school_year', 'school_year');
  assertError(await cityAdmin.post('/api/v1/terms', { school_year: '2027-2028', semester: '2', name: 'x', start_date: '2028-07-01', end_date: '2028-02-01' }), 400, 'invalid_date_order', 'end_date');
  assertError(await admin.post('/api/v1/terms', { school_year: '2027-2028', semester: '1', name: 'x', start_date: '2027-09-01', end_date: '2028-01-20' }), 403, 'forbidden');
  const list = await head.get('/api/v1/terms');
  assert.equal(list.status, 200);
  assert.ok(list.body.items.some((t) => t.name === '2028—2029 学年第一学期'), list.text);
});

test('any list exports as CSV or XLSX: the same scope and filters, Chinese headers, masked, formulas neutralised, audited', async () => {
  const get = (client, path) => fetch(`${srv.url}${path}`, { headers: { cookie: client.cookie } });
  // a name a spreadsheet would run as a formula is refused at the edge; one already stored
  // (data from before the check, written here behind the API's back) is neutralised on export
  const person = (await admin.post('/api/v1/persons', { name: '郑公式' })).body.person;
  assertError(await admin.post('/api/v1/staff', { school: ctx.school, person, name: '=HYPERLINK("x")', staff_number: 'F001' }), 400, 'invalid_name', 'name');
  const made = await admin.post('/api/v1/staff', { school: ctx.school, person, name: '郑公式', staff_number: 'F001' });
  assert.equal(made.status, 201, made.text);
  sql(srv.db, `UPDATE staff SET name = '=HYPERLINK("x")' WHERE uid = '${made.body.id}'`);

  const r = await get(admin, '/api/v1/students?format=csv');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/csv/);
  assert.match(r.headers.get('content-disposition'), /filename\*=UTF-8''%E5%AD%A6%E7%94%9F\.csv/); // 学生.csv
  const lines = (await r.text()).replace(/^\uFEFF/, '').trim().split('\r\n');
  const cols = lines[0].split(',');
  assert.deepEqual(cols.slice(0, 6), ['学生标识', '学校', '人员', '姓名', '性别', '全国学籍号']);
  assert.ok(!cols.includes('户口性质'), 'a hidden field is left out of a masked export');
  // every student of the school, none of another
  let listed = 0;
  for (let cursor = ''; ;) {
    const page = (await admin.get(`/api/v1/students?limit=500${cursor}`)).body;
    listed += page.items.length;
    if (!page.next_cursor) break;
    cursor = `&cursor=${page.next_cursor}`;
  }
  assert.equal(lines.length - 1, listed);
  assert.ok(listed > 1, 'the populated demo school has students');
  const row = Object.fromEntries(lines[1].split(',').map((v, i) => [cols[i], v]));
  assert.match(row['姓名'], /^\p{Script=Han}\*+$/u, lines[1]);
  assert.match(row['全国学籍号'], /^[GJL]\d{5}\*+\d{4}$/, lines[1]);
  assert.ok(['男', '女'].includes(row['性别']), 'codes are written by their names');
  assert.match(row['创建时间'], /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.ok(['是', '否'].includes(row[cols.at(-1)]), `the computed under-14 flag comes last: ${cols.at(-1)}`);
  // filters apply as in the list; a head teacher exports their own class only
  const one = (await (await get(admin, `/api/v1/students?format=csv&status=99`)).text()).trim().split('\r\n');
  assert.equal(one.length, 1, 'no student has status 99: the header alone');
  const mine = (await head.get(`/api/v1/class-rosters/${ctx.classIn}?limit=500`)).body.items.length;
  const theirs = (await (await get(head, '/api/v1/students?format=csv')).text()).trim().split('\r\n');
  assert.equal(theirs.length - 1, mine);

  const staff = await (await get(admin, '/api/v1/staff?format=csv&staff_number=F001')).text();
  assert.match(staff, /,'=\*+,/, 'the masked name of the formula still starts with = and is neutralised');
  const xlsx = await get(admin, '/api/v1/staff?format=xlsx');
  assert.equal(xlsx.status, 200);
  assert.equal(Buffer.from(await xlsx.arrayBuffer()).subarray(0, 2).toString(), 'PK');

  assertError(await admin.get('/api/v1/students?format=pdf'), 400, 'invalid_format', 'format');
  assertError(await admin.get('/api/v1/students?format=csv&colour=red'), 400, 'unknown_parameter');
  assert.match(sql(srv.db, "SELECT group_concat(detail, '|') FROM audit_log WHERE event = 'export' AND object = 'student'"), /csv exported: \d+ rows, masked\|.*csv refused: 0 rows/);
  // unmasked with a reason: names in clear, audited as such
  const clear = await (await get(admin, `/api/v1/students?format=csv&unmask_reason=${encodeURIComponent('学籍核对')}`)).text();
  assert.ok(clear.includes('户口性质'));
  assert.match(sql(srv.db, "SELECT detail FROM audit_log WHERE event = 'export' ORDER BY id DESC LIMIT 1"), /unmasked/);
  assertError(await head.get(`/api/v1/students?format=csv&unmask_reason=${encodeURIComponent('学籍核对')}`), 403, 'forbidden');
});

test('a class roster shows every change at once, however often it is read', async () => {
  const path = `/api/v1/class-rosters/${ctx.classIn}`;
  const first = await head.get(path);
  assert.equal(first.status, 200, first.text);
  const again = await head.get(path);
  assert.deepEqual(again.body, first.body, 'read again: the same roster');
  // the kept reply carries the ETag of its bytes: a browser holding it gets 304
  const etag = first.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  assert.equal(again.headers.get('etag'), etag);
  assert.equal((await head.get(path, { 'if-none-match': etag })).status, 304);
  const mine = first.body.items.find((s) => s.id === ctx.student);
  assert.ok(mine, 'the test student sits in the head teacher\'s class');
  const status = mine.status === '01' ? '02' : '01';
  assert.equal((await admin.patch(`/api/v1/students/${ctx.student}`, { status })).status, 200);
  const changed = await head.get(path, { 'if-none-match': etag });
  assert.equal(changed.status, 200, 'changed since: the whole roster again');
  assert.notEqual(changed.headers.get('etag'), etag);
  assert.equal(changed.body.items.find((s) => s.id === ctx.student).status, status);
  // the enrolment ends: the student leaves the roster the next time it is read
  const left = await admin.patch(`/api/v1/enrollments/${ctx.enrollment}`, { exit_date: '2026-11-20', exit_type: '29' });
  assert.equal(left.status, 200, left.text);
  const after = (await head.get(path)).body.items;
  assert.equal(after.length, first.body.items.length - 1);
  assert.ok(!after.some((s) => s.id === ctx.student));
  // unmasked (with the permission and a reason) is built fresh, never kept for others
  const clear = await admin.get(`${path}?unmask_reason=${encodeURIComponent('核对花名册')}`);
  assert.equal(clear.status, 200, clear.text);
  assert.notDeepEqual(clear.body.items.map((s) => s.name), after.map((s) => s.name));
  assert.deepEqual((await head.get(path)).body.items.map((s) => s.name), after.map((s) => s.name));
  // written by another process (a command-line import, the sqlite3 shell): seen within 100 ms
  const other = after[0];
  sql(srv.db, `UPDATE student SET local_number = 'X-${Date.now()}' WHERE uid = '${other.id}'`);
  const written = sql(srv.db, `SELECT local_number FROM student WHERE uid = '${other.id}'`);
  await new Promise((r) => setTimeout(r, 250));
  const seen = (await head.get(path)).body.items.find((s) => s.id === other.id);
  assert.ok(seen.local_number && seen.local_number !== other.local_number, JSON.stringify(seen));
  assert.ok(written.startsWith('X-'));
});
