// natform_export.test.mjs — any scoped list of students as the national
// registry form (XLSX, or CSV): masked for the reader unless unmasked with the
// permission and a reason (audited); the file imported into another database
// with the same organisation tree (and no people) gives identical records —
// every student field (flags and 学生类别 too), the class entry date, every
// family member, the documents' periods of validity (身份证件有效期, 长期 too),
// and the same form exported again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, demoAccounts, signIn, sql, cli, newDatabase, tmpdir, httpFetch, assertError, call } from './harness.mjs';

let src;
let dst;
const as = {};

before(async () => {
  src = await startServer();
  const dir = tmpdir();
  const made = cli(['demo', '--db', await newDatabase(dir), '--people', 'none']);
  assert.equal(made.status, 0, made.stderr);
  dst = await startServer({ dir });
  as.admin = await signIn(src.url, demoAccounts(src.db).school_admin);
  as.head = await signIn(src.url, demoAccounts(src.db).head_teacher);
  as.dstAdmin = await signIn(dst.url, demoAccounts(dst.db).school_admin);
  as.school = as.admin.me.roles.find((r) => r.role === 'school_admin').org.id;
});
after(async () => { await src.stop(); await dst.stop(); });

const REASON = encodeURIComponent('向全国学籍系统报送');
async function download(client, base, query) {
  const r = await httpFetch(`${base}/api/v1/students?${query}`, { headers: { cookie: client.cookie } });
  return { status: r.status, type: r.headers.get('content-type'), bytes: Buffer.from(await r.arrayBuffer()) };
}
const rowsOf = (bytes) => bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));

test('the form export is masked by default; clear only with the permission and a reason, audited', async () => {
  const masked = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national`);
  assert.equal(masked.status, 200);
  const [head, first] = rowsOf(masked.bytes);
  assert.equal(head[0], '学校标识码');
  assert.ok(head.includes('家庭成员或监护人一身份证件号'));
  const id = first[head.indexOf('身份证件号')];
  assert.match(id, /^\d{6}\*{8}\d{3}[\dX]$/);
  assert.equal(first[head.indexOf('户口性质')], ''); // hidden without unmasking
  assert.match(first[head.indexOf('姓名')], /^.\*+$/);
  const denied = await download(as.head, src.url, `format=csv&template=national&unmask_reason=${REASON}`);
  assert.equal(denied.status, 403);
  const before = Number(sql(src.db, "SELECT count(*) FROM audit_log WHERE event = 'export'"));
  const clear = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national&unmask_reason=${REASON}`);
  assert.equal(clear.status, 200);
  const [, row] = rowsOf(clear.bytes);
  assert.match(row[head.indexOf('身份证件号')], /^\d{17}[\dX]$/);
  assert.match(row[head.indexOf('户口性质')], /^[12]$/);
  assert.equal(Number(sql(src.db, "SELECT count(*) FROM audit_log WHERE event = 'export'")), before + 1);
  assert.match(sql(src.db, "SELECT detail FROM audit_log WHERE event = 'export' ORDER BY id DESC LIMIT 1"), /csv national exported: \d+ rows, unmasked/);
  const bad = await httpFetch(`${src.url}/api/v1/students?format=csv&template=oneroster2`, { headers: { cookie: as.admin.cookie } });
  assertError({ status: bad.status, body: await bad.json() }, 400, 'unknown_template', 'template');
});

// The demo leaves some of the form's columns empty: fill each of them for some
// students (through the form itself) so the round trip below carries every column.
const FILLED = {
  出生地: '370702000000', 籍贯: '370702', 港澳台侨外: '00', 政治面貌: '13', 健康状况: '10', 姓名拼音: 'XIAO MING',
  曾用名: '小明', 户口所在地: '370702', 特长: '书法', 班内学号: '7', 入学方式: '11', 学生来源: '1',
  通信地址: '山东省潍坊市潍城区胜利街1号', 家庭地址: '山东省潍坊市潍城区胜利街1号', 联系电话: '13953661234', 邮政编码: '261000',
  电子信箱: 'xm@example.cn', 主页地址: 'https://xm.example.cn', 是否独生子女: '1', 是否受过学前教育: '1', 残疾类型: '1',
  随班就读: '1', 是否由政府购买学位: '0', 是否享受一补: '1', 上下学距离: '3.5', 上下学方式: '步行',
  家庭成员或监护人一关系说明: '父亲', 家庭成员或监护人一户口所在地: '370702', 家庭成员或监护人一职务: '技术员',
  家庭成员或监护人二关系说明: '母亲', 家庭成员或监护人二户口所在地: '370702', 家庭成员或监护人二职务: '会计',
};

// 身份证件有效期 of those students: two periods, one of no end (长期), two none.
const PERIODS = ['2021.10.08-2026.10.08', '2024.05.01-2029.05.01', '2025.03.15-长期', '', ''];
const periods = (db) => sql(db, 'SELECT valid_from, valid_to FROM person_document WHERE valid_from IS NOT NULL ORDER BY valid_from').split('\n');

test('export → import into an empty database → identical records, and the same form again', async () => {
  const filled = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national&unmask_reason=${REASON}`);
  const [h, ...body] = rowsOf(filled.bytes);
  const some = body.slice(0, 5).map((r, i) => r.map((v, j) => (h[j] === '身份证件有效期' ? PERIODS[i] : FILLED[h[j]] ?? v)));
  const refill = await call(`${src.url}/api/v1/imports/students`, {
    method: 'POST', body: [h, ...some].map((r) => r.join(',')).join('\r\n') + '\r\n',
    headers: { cookie: as.admin.cookie, 'x-csrf-token': as.admin.csrf, 'content-type': 'text/csv' },
  });
  assert.equal(refill.status, 201, refill.text);
  assert.equal(refill.body.error_count, 0, refill.text);
  assert.equal(refill.body.updated, 5, JSON.stringify({ ...refill.body, errors: undefined }));

  const query = `school=${as.school}&format=xlsx&template=national&unmask_reason=${REASON}`;
  const xlsx = await download(as.admin, src.url, query);
  assert.equal(xlsx.status, 200);
  assert.match(xlsx.type, /spreadsheetml/);
  const file = path.join(dst.dir, 'form.xlsx');
  fs.writeFileSync(file, xlsx.bytes);
  const up = await call(`${dst.url}/api/v1/imports/students`, {
    method: 'POST', body: xlsx.bytes, headers: { cookie: as.dstAdmin.cookie, 'x-csrf-token': as.dstAdmin.csrf, 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.body.template, 'national');
  assert.equal(up.body.error_count, 0);
  const n = Number(sql(src.db, `SELECT count(*) FROM student s JOIN org_unit o ON o.id = s.school_id WHERE o.uid = '${as.school}'`));
  assert.equal(up.body.created, n, JSON.stringify({ ...up.body, errors: undefined }));

  // every field of every student, read in clear on both sides (学生类别 too, in its column after the form's)
  const dstSchool = as.dstAdmin.me.roles.find((r) => r.role === 'school_admin').org.id;
  const all = async (client, what, school) => {
    const items = [];
    let cursor = '';
    for (;;) {
      const r = await client.get(`/api/v1/${what}?school=${school}&limit=500${cursor}`);
      assert.equal(r.status, 200, r.text);
      items.push(...r.body.items);
      if (!r.body.next_cursor) break;
      cursor = `&cursor=${r.body.next_cursor}`;
    }
    return items;
  };
  const records = async (client, school) => {
    const out = [];
    const number = new Map(); // student id → 学籍号, the key shared by both databases
    for (const { id } of await all(client, 'students', school)) {
      const r = await client.get(`/api/v1/students/${id}?unmask_reason=${REASON}`);
      assert.equal(r.status, 200, r.text);
      const { id: _i, person, school: _s, version, created_at, updated_at, ...rest } = r.body;
      number.set(id, rest.student_number);
      out.push(rest);
    }
    out.sort((a, b) => a.student_number.localeCompare(b.student_number));
    // the class each student is in and since when (入班日期)
    const enrolments = (await all(client, 'enrollments', school))
      .filter((e) => !e.exit_date)
      .map((e) => ({ student: number.get(e.student), entry_date: e.entry_date }))
      .sort((a, b) => a.student.localeCompare(b.student));
    // the family members of the form's two blocks: name, relation, 是否监护人, …
    const members = [];
    for (const { id } of await all(client, 'guardians', school)) {
      const r = await client.get(`/api/v1/guardians/${id}?unmask_reason=${REASON}`);
      assert.equal(r.status, 200, r.text);
      const { id: _i, person, school: _s, student, version, created_at, updated_at, ...rest } = r.body;
      members.push({ student: number.get(student), ...rest });
    }
    members.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    return { students: out, enrolments, members };
  };
  const mine = await records(as.admin, as.school);
  const students = mine.students;
  assert.ok(students.every((r) => !String(r.student_number).includes('*')) && students.some((r) => r.hukou_type));
  assert.ok(students.every((r) => r.category), 'every demo student has a 学生类别');
  assert.equal(mine.enrolments.length, n);
  assert.ok(mine.members.length >= n, 'the demo gives every student a family');
  assert.ok(mine.members.every((m) => !m.name.includes('*')));
  // the flags the care figures count are set for some students, so comparing them means something
  for (const flag of ['left_behind', 'migrant_child', 'needs_aid', 'disability_type'])
    assert.ok(students.some((r) => r[flag] && r[flag] !== '0'), `some demo students have ${flag}`);
  const theirs = await records(as.dstAdmin, dstSchool);
  assert.deepEqual(theirs.students, students);
  assert.deepEqual(theirs.enrolments, mine.enrolments);
  assert.deepEqual(theirs.members, mine.members);
  // the periods of validity of the students' documents, 长期 without an end
  assert.deepEqual(periods(src.db), ['2021-10-08|2026-10-08', '2024-05-01|2029-05-01', '2025-03-15|']);
  assert.deepEqual(periods(dst.db), periods(src.db));

  // profiles, documents and family members: the form exported again is the same, cell for cell
  const again = await download(as.dstAdmin, dst.url, `school=${dstSchool}&format=csv&template=national&unmask_reason=${REASON}`);
  const first = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national&unmask_reason=${REASON}`);
  const sortRows = (rows) => [rows[0], ...rows.slice(1).sort((a, b) => a.join().localeCompare(b.join()))];
  assert.deepEqual(sortRows(rowsOf(again.bytes)), sortRows(rowsOf(first.bytes)));
  // every column of the form (学生类别 and 入班日期 after it) carries a value for some student
  const [head, ...rows] = rowsOf(first.bytes);
  assert.deepEqual(head.filter((_, j) => !rows.some((r) => r[j] !== '')), []);
  assert.deepEqual(head.slice(-2), ['学生类别', '入班日期']);
  assert.deepEqual(rows.map((r) => r[head.indexOf('身份证件有效期')]).filter(Boolean).sort(), PERIODS.filter(Boolean));
  assert.equal(rowsOf(again.bytes).length, n + 1);
});

test('shushu export students writes the same form from the command line, audited; it re-imports without change', () => {
  const code = sql(src.db, `SELECT school_code FROM org_unit WHERE uid = '${as.school}'`);
  const n = Number(sql(src.db, `SELECT count(*) FROM student s JOIN org_unit o ON o.id = s.school_id WHERE o.uid = '${as.school}'`));
  const audits = () => Number(sql(src.db, "SELECT count(*) FROM audit_log WHERE event IN ('export', 'unmask') AND actor = 'cli'"));
  const before = audits();
  const file = path.join(dst.dir, 'cli-form.xlsx');
  const out = cli(['export', 'students', '--template', 'national', '--org', code, '--out', file, '--db', src.db, '--unmask-reason', '向全国学籍系统报送']);
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, new RegExp(`全国学籍系统《学生基本信息表》 → .*cli-form\\.xlsx：${n} 名学生（明文）`));
  assert.equal(audits(), before + 2); // the unmasking and the export
  assert.match(sql(src.db, "SELECT detail FROM audit_log WHERE event = 'export' AND actor = 'cli' ORDER BY id DESC LIMIT 1"),
    new RegExp(`xlsx national exported to .*cli-form\\.xlsx of ${code}: ${n} rows, unmasked: 向全国学籍系统报送`));
  // the destination already holds these students from the API's file: the command line's is the same
  const dry = cli(['import', 'students', file, '--db', dst.db]);
  assert.equal(dry.status, 0, dry.stdout + dry.stderr);
  assert.match(dry.stdout, new RegExp(`导入完成：新建 0 条、更新 0 条、${n} 条无变化`));

  // masked without a reason; by the school's public id too, as CSV
  const masked = path.join(dst.dir, 'cli-masked.csv');
  const m = cli(['export', 'students', '--template', 'national', '--org', as.school, '--out', masked, '--db', src.db]);
  assert.equal(m.status, 0, m.stderr);
  const [head, first] = rowsOf(fs.readFileSync(masked));
  assert.match(first[head.indexOf('身份证件号')], /^\d{6}\*{8}\d{3}[\dX]$/);
  assert.equal(first[head.indexOf('是否留守儿童')], '');

  // wrong usage: a clear message, exit 2, no file; an unknown school: exit 1
  const bad = (args, status, message) => {
    const r = cli(['export', 'students', '--db', src.db, ...args]);
    assert.equal(r.status, status, r.stdout + r.stderr);
    assert.match(r.stderr, message);
  };
  const nofile = path.join(dst.dir, 'none.xlsx');
  bad(['--template', 'national', '--org', code, '--out', path.join(dst.dir, 'x.pdf')], 2, /应为 \.xlsx 或 \.csv/);
  bad(['--template', 'oneroster', '--org', code, '--out', nofile], 2, /不认识的导出模板“oneroster”/);
  bad(['--template', 'national', '--out', nofile], 2, /需要 --template、--org、--out 和 --db/);
  bad(['--template', 'national', '--org', code, '--out', nofile, '--unmask-reason', 'x'], 2, /事由应为 2–200 个字符/);
  bad(['--template', 'national', '--org', '9999999999', '--out', nofile], 1, /机构“9999999999”不存在/);
  assert.ok(!fs.existsSync(nofile));
});
