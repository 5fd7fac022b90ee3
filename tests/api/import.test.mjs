// import.test.mjs — bulk imports of students through the API and the command
// line: the XLSX template, a dry run that writes nothing, a commit that writes
// everything, re-import changing nothing, GBK files, and hostile files answered
// with exact row and column errors and no partial import; the errors report;
// nothing sensitive stored in clear.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, call, assertError, demoAccounts, signIn, sql, idNumber, cli, newDatabase, dump, usePostgres, httpFetch } from './harness.mjs';

let srv;
let admin; // school administrator
let city;
let head;
const ctx = {};

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  admin = await signIn(srv.url, accounts.school_admin);
  city = await signIn(srv.url, accounts.city_admin);
  head = await signIn(srv.url, accounts.head_teacher);
  const school = admin.me.roles.find((r) => r.role === 'school_admin').org.id;
  ctx.school = (await city.get(`/api/v1/orgs/${school}`)).body;
  const grade = (await city.get(`/api/v1/orgs?parent=${school}&kind=grade`)).body.items[0];
  ctx.grade = grade.name;
  ctx.classes = (await city.get(`/api/v1/orgs?parent=${grade.id}`)).body.items;
  const schools = (await city.get('/api/v1/orgs?kind=school&limit=100')).body.items;
  ctx.otherSchool = schools.find((s) => s.id !== school);
});
after(async () => { await srv.stop(); });

const HEADER = '★学校标识码,★姓名,性别,出生日期,身份证号,全国学籍号,民族,年级,班级,联系电话,入学年月';
const count = (table) => Number(sql(srv.db, `SELECT count(*) FROM ${table}`));

function students(n, from = 1) {
  const rows = [];
  for (let i = from; i < from + n; i++) {
    const id = idNumber('370702', '2013-05-1' + (i % 10), 100 + i * 2); // even sequence: female
    rows.push([ctx.school.school_code, `测试学生${'甲乙丙丁戊己庚辛壬癸'[i % 10]}`, '女', '', id, `G${id}`, '汉族', ctx.grade, ctx.classes[0].name, '13953600000'.slice(0, 9) + String(10 + i).slice(-2), '2020-09'].join(','));
  }
  return rows;
}

const upload = (client, body, query = '') => client.send('POST', `/api/v1/imports/students${query}`, body, { 'content-type': 'text/csv' });

test('the template is an XLSX file with the kind\'s Chinese headers', async () => {
  const r = await httpFetch(`${srv.url}/api/v1/import-templates/students`, { headers: { cookie: admin.cookie } });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /spreadsheetml/);
  assert.match(r.headers.get('content-disposition'), /template-students\.xlsx/);
  const bytes = Buffer.from(await r.arrayBuffer());
  assert.equal(bytes.subarray(0, 2).toString(), 'PK');
  assertError(await admin.get('/api/v1/import-templates/colours'), 404, 'not_found');
});

test('a dry run writes nothing; the commit writes every row; the same file again changes nothing', async () => {
  const file = [HEADER, ...students(3)].join('\r\n') + '\r\n';
  const before = count('student');
  const changes = count('change_log');
  const dry = await upload(admin, file, '?dry_run=true');
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.dry_run, true);
  assert.equal(dry.body.committed, false);
  assert.deepEqual([dry.body.rows, dry.body.created, dry.body.error_count], [3, 3, 0]);
  assert.equal(dry.body.encoding, 'UTF-8');
  assert.equal(count('student'), before);
  assert.equal(count('change_log'), changes);

  const done = await upload(admin, file);
  assert.equal(done.status, 201, done.text);
  assert.equal(done.body.committed, true);
  assert.deepEqual([done.body.created, done.body.updated, done.body.unchanged], [3, 0, 0]);
  assert.equal(count('student'), before + 3);
  // enrolled in the class named, shown masked, gender and birth date from the ID number
  const roster = await admin.get(`/api/v1/class-rosters/${ctx.classes[0].id}`);
  const mine = roster.body.items.filter((s) => s.name.startsWith('测'));
  assert.equal(mine.length, 3, roster.text);
  assert.ok(mine.every((s) => s.name === '测****' && s.gender === '2' && s.status === '01'), roster.text);
  // history says it came from an import, by whom
  const h = await admin.get(`/api/v1/students/${mine[0].id}/history`);
  assert.equal(h.body.items[0].source, 'import');

  const changesAfter = count('change_log');
  const again = await upload(admin, file);
  assert.equal(again.status, 201, again.text);
  assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged], [0, 0, 3]);
  assert.equal(count('change_log'), changesAfter, 're-importing the same file writes no change');
});

test('hostile rows: every error with its row and column, and nothing imported', async () => {
  const good = students(2, 20);
  const bad = (cells) => cells.join(',');
  const base = good[0].split(',');
  const wrongCheck = base.slice(); wrongCheck[4] = base[4].slice(0, 17) + (base[4][17] === '1' ? '2' : '1'); wrongCheck[5] = '';
  const badDate = base.slice(); badDate[4] = ''; badDate[5] = ''; badDate[3] = '2013-02-30'; badDate[1] = '日期错';
  const badCode = base.slice(); badCode[4] = idNumber('370702', '2012-01-01', 302); badCode[5] = ''; badCode[6] = '火星族';
  const unknownSchool = base.slice(); unknownSchool[0] = '3437999999'; unknownSchool[4] = idNumber('370702', '2012-01-02', 304); unknownSchool[5] = '';
  const noClass = base.slice(); noClass[4] = idNumber('370702', '2012-01-03', 306); noClass[5] = ''; noClass[8] = '不存在的班';
  const file = [HEADER, good[0], good[1], bad(wrongCheck), bad(badDate), bad(badCode), good[0], bad(unknownSchool), bad(noClass), `${ctx.school.school_code},${'长'.repeat(60)}`].join('\n');
  const before = count('student');
  const r = await upload(admin, file);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  const got = r.body.errors.map((e) => [e.row, e.column, e.code]);
  assert.deepEqual(got, [
    [4, 5, 'invalid_id_check_digit'],
    [5, 4, 'invalid_date'],
    [6, 7, 'invalid_code'],
    [7, 5, 'duplicate_in_file'],
    [8, 1, 'unknown_school'],
    [9, 9, 'unknown_class'],
    [10, 2, 'too_long'],
  ]);
  assert.ok(r.body.errors.every((e) => /[\u4e00-\u9fff]/.test(e.message)));
  // the ID number in an error is masked, as everywhere
  const idErr = r.body.errors[0];
  assert.equal(idErr.value, `${wrongCheck[4].slice(0, 6)}********${wrongCheck[4].slice(-4)}`);
  assert.equal(count('student'), before, 'nothing of the good rows was written either');

  // the whole report as CSV
  const rep = await httpFetch(`${srv.url}/api/v1/imports/${r.body.id}/errors.csv`, { headers: { cookie: admin.cookie } });
  assert.equal(rep.status, 200);
  const bytes = Buffer.from(await rep.arrayBuffer());
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'a BOM, so Excel reads it as UTF-8');
  const text = bytes.subarray(3).toString('utf8');
  assert.ok(text.startsWith('行,列,字段,值,错误代码,说明'), text.slice(0, 80));
  assert.equal(text.trim().split('\r\n').length, 8);
  // the job and its report are the importer's own
  assertError(await city.get(`/api/v1/imports/${r.body.id}`), 404, 'not_found');
  assert.equal((await admin.get(`/api/v1/imports/${r.body.id}`)).body.error_count, 7);
});

test('malformed files: empty, header only with a missing column, broken encoding', async () => {
  assertError(await upload(admin, ''), 400, 'empty_file');
  const missing = await upload(admin, '姓名,性别\n张三,男\n');
  assert.equal(missing.status, 200, missing.text);
  assert.deepEqual(missing.body.errors.map((e) => [e.row, e.code, e.field]), [[1, 'missing_column', 'school_code']]);
  const broken = Buffer.concat([Buffer.from(`${HEADER}\n`), Buffer.from([0xff, 0xfe, 0xfd, 0x2c, 0x41, 0x0a])]);
  const r = await call(`${srv.url}/api/v1/imports/students`, {
    method: 'POST', body: broken, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  assert.match(r.body.errors[0].code, /_encoding$/, r.text);
  assert.equal(r.body.errors[0].row, 2, r.text);
  assertError(await upload(admin, 'x', '?dry_run=maybe'), 400, 'invalid_dry_run', 'dry_run');
  assertError(await upload(head, `${HEADER}\n`), 403, 'forbidden');
});

test('a GBK file from Excel is read as GB18030', async () => {
  const iconv = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: [HEADER, ...students(1, 40)].join('\r\n') });
  assert.equal(iconv.status, 0);
  const r = await call(`${srv.url}/api/v1/imports/students?dry_run=true`, {
    method: 'POST', body: iconv.stdout, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' },
  });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.encoding, 'GB18030');
  assert.deepEqual([r.body.created, r.body.error_count], [1, 0]);
});

test('a school outside the importer\'s reach is an unknown school', async () => {
  const row = students(1, 50)[0].split(',');
  row[0] = ctx.otherSchool.school_code;
  const r = await upload(admin, `${HEADER}\n${row.join(',')}\n`);
  assert.deepEqual(r.body.errors.map((e) => [e.row, e.column, e.code]), [[2, 1, 'unknown_school']]);
});

test('the command line imports the same way, and the database holds no plaintext', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shushu-import-'));
  const good = path.join(dir, 'good.csv');
  const bad = path.join(dir, 'bad.csv');
  const rows = students(2, 60);
  fs.writeFileSync(good, [HEADER, ...rows].join('\n'));
  fs.writeFileSync(bad, [HEADER, rows[0], rows[0]].join('\n'));
  const run = (...args) => cli(['import', 'students', ...args, '--db', srv.db]);
  const dry = run(bad, '--dry-run', '--report', path.join(dir, 'report.csv'));
  assert.equal(dry.status, 1, dry.stdout + dry.stderr);
  assert.match(dry.stderr, /第 3 行第 5 列：“身份证件号”与本文件前面的一行重复/);
  assert.ok(fs.readFileSync(path.join(dir, 'report.csv'), 'utf8').includes('duplicate_in_file'));
  const ok = run(good);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /导入完成：新建 2 条/);
  const usage = cli(['import', 'colours', good, '--db', srv.db]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /不认识的数据类别/);
  // nothing imported (nor any error report) stores an ID number or phone in clear
  const stored = usePostgres ? [['pg_dump', Buffer.from(dump(srv.db))]]
    : [srv.db, `${srv.db}-wal`].filter((x) => fs.existsSync(x)).map((f) => [f, fs.readFileSync(f)]);
  for (const [f, bytes] of stored) {
    for (const secret of rows.map((r) => r.split(',')[4]).concat(students(1, 20)[0].split(',')[4])) {
      assert.equal(bytes.indexOf(Buffer.from(secret)), -1, `${secret} in ${f}`);
    }
  }
  fs.rmSync(dir, { recursive: true });
});

test('our own XLSX template is read back: its headers map to every column', async () => {
  for (const kind of ['staff', 'students', 'guardians']) {
    const t = await httpFetch(`${srv.url}/api/v1/import-templates/${kind}`, { headers: { cookie: admin.cookie } });
    const xlsx = Buffer.from(await t.arrayBuffer());
    const r = await call(`${srv.url}/api/v1/imports/${kind}?dry_run=true`, {
      method: 'POST', body: xlsx, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'application/octet-stream' },
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.encoding, 'XLSX');
    assert.deepEqual([r.body.rows, r.body.error_count, r.body.ignored_columns ?? null], [0, 0, null], `${kind}: ${r.text}`);
  }
});

test('staff, then their students\' family members: people found once, a guardian must be an adult', async () => {
  const code = ctx.school.school_code;
  const teacherId = idNumber('370703', '1985-06-01', 511);
  const staff = `学校标识码,姓名,工号,身份证号,学历,任教学科\n${code},李老师,T900,${teacherId},大学本科毕业,14\n${code},赵老师,T901,,21,13 14\n`;
  const sr = await admin.send('POST', '/api/v1/imports/staff', staff, { 'content-type': 'text/csv' });
  assert.equal(sr.status, 201, sr.text);
  assert.deepEqual([sr.body.created, sr.body.error_count], [2, 0]);
  const again = await admin.send('POST', '/api/v1/imports/staff', staff, { 'content-type': 'text/csv' });
  assert.deepEqual([again.body.created, again.body.unchanged], [0, 2], again.text);
  // the same 工号 with another person's ID number is refused
  const taken = await admin.send('POST', '/api/v1/imports/staff', `学校标识码,姓名,工号,身份证号\n${code},钱老师,T900,${idNumber('370703', '1986-06-01', 513)}\n`, { 'content-type': 'text/csv' });
  assert.deepEqual(taken.body.errors.map((e) => [e.row, e.column, e.code]), [[2, 3, 'number_taken']]);

  // a student, then the parents: the father is the teacher above (one person, two roles)
  const child = idNumber('370702', '2014-09-09', 613);
  const st = await upload(admin, `${HEADER}\n${code},孙小明,男,,${child},,,,,,\n`);
  assert.equal(st.status, 201, st.text);
  const minor = idNumber('370702', '2012-01-01', 615);
  const family = `学校标识码,学生身份证号,成员姓名,关系,是否监护人,成员身份证件号,联系电话
${code},${child},李老师,父亲,是,${teacherId},13853611111
${code},${child},王女士,52,是,,13853622222
${code},${child},孙小红,姐姐,否,${minor},
${code},${child},孙小华,兄,否,${minor.slice(0, 17)}${minor[17]},
${code},${idNumber('370702', '2014-09-09', 617)},无名,51,是,,
`;
  const persons = count('person');
  const bad = await admin.send('POST', '/api/v1/imports/guardians', family, { 'content-type': 'text/csv' });
  assert.deepEqual(bad.body.errors.map((e) => [e.row, e.column, e.code]), [
    [5, 6, 'duplicate_in_file'], // 孙小华 repeats 孙小红's ID number
    [6, 2, 'unknown_student'],
  ], bad.text);
  assert.equal(count('person'), persons, 'nothing written');
  const minorGuardian = await admin.send('POST', '/api/v1/imports/guardians', `学校标识码,学生身份证号,成员姓名,关系,是否监护人,成员身份证件号\n${code},${child},孙小红,姐姐,是,${minor}\n`, { 'content-type': 'text/csv' });
  assert.deepEqual(minorGuardian.body.errors.map((e) => [e.row, e.column, e.code]), [[2, 6, 'guardian_not_adult']]);
  const good = family.split('\n').slice(0, 4).join('\n') + '\n';
  const ok = await admin.send('POST', '/api/v1/imports/guardians', good, { 'content-type': 'text/csv' });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.created, 3);
  assert.equal(count('person'), persons + 2, 'the father was already a person (the teacher): only two new people');
  const father = sql(srv.db, "SELECT count(*) FROM guardian_link g JOIN staff s ON s.person_id = g.person_id WHERE s.staff_number = 'T900'");
  assert.equal(father, '1');
});

test('an upload imported in the background: 202 at once, progress while it runs, the outcome in its record; a stop interrupts it and writes nothing', async () => {
  // a server of its own: a demo city whose people were written as import files instead
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shushu-files-'));
  const made = cli(['demo', '--db', await newDatabase(dir), '--people', 'none', '--files', dir]);
  assert.equal(made.status, 0, made.stderr);
  const lines = fs.readFileSync(path.join(dir, 'students.csv'), 'utf8').split('\r\n').filter(Boolean);
  assert.ok(lines.length > 20000, `${lines.length} lines`);
  let own = await startServer({ dir });
  let city = await signIn(own.url, demoAccounts(own.db).city_admin);
  const count = (table) => Number(sql(own.db, `SELECT count(*) FROM ${table}`));
  const code = lines[1].split(',')[0];
  const inSchool = () => Number(sql(own.db, `SELECT count(*) FROM student s JOIN org_unit o ON o.id = s.school_id WHERE o.school_code = '${code}'`));
  const async = (body) => city.send('POST', '/api/v1/imports/students?async=true', body, { 'content-type': 'text/csv' });
  const until = async (id, done) => {
    for (let i = 0; i < 1200; i++) {
      const r = await city.get(`/api/v1/imports/${id}`);
      assert.equal(r.status, 200, r.text);
      if (done(r.body)) return r.body;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`import ${id} never got there`);
  };

  const before = inSchool();
  const small = await async(lines.slice(0, 301).join('\r\n'));
  assert.equal(small.status, 202, small.text);
  assert.equal(small.headers.get('location'), `/api/v1/imports/${small.body.id}`);
  assert.equal(small.body.state, 'queued');
  const result = await until(small.body.id, (j) => j.state === 'done');
  assert.deepEqual([result.committed, result.rows, result.created, result.error_count], [true, 300, 300, 0], JSON.stringify(result));
  assert.ok(result.finished_at >= result.created_at);
  assert.equal(inSchool(), before + 300);
  // only its owner sees it
  assertError(await admin.get(`/api/v1/imports/${small.body.id}`), 404, 'not_found');
  assertError(await city.send('POST', '/api/v1/imports/students?async=maybe', 'x', { 'content-type': 'text/csv' }), 400, 'invalid_async', 'async');

  // the rest of the city, stopped half-way
  const students = count('student');
  const big = await async([lines[0], ...lines.slice(301)].join('\r\n'));
  assert.equal(big.status, 202, big.text);
  const running = await until(big.body.id, (j) => j.state === 'running' && j.rows > 0);
  assert.ok(running.progress > 0 && running.progress < 100, JSON.stringify(running));
  await own.stop();
  own = await startServer({ dir });
  city = await signIn(own.url, demoAccounts(own.db).city_admin);
  const after = await city.get(`/api/v1/imports/${big.body.id}`);
  assert.equal(after.body.state, 'interrupted', after.text);
  assert.equal(after.body.committed, false);
  assert.equal(count('student'), students, 'nothing of the interrupted import was written');
  await own.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('classes first: new grades and classes join the school\'s tree with their profiles; students then fill them', async () => {
  const code = ctx.school.school_code;
  const staffNo = sql(srv.db, `SELECT s.staff_number FROM staff s JOIN org_unit o ON o.id = s.school_id WHERE o.school_code = '${code}' ORDER BY s.id LIMIT 1`);
  const send = (body, query = '') => admin.send('POST', `/api/v1/imports/classes${query}`, body, { 'content-type': 'text/csv' });
  const head = '★学校标识码,★年级,★班级,班号,班级类型,入学年份,班主任工号';
  const bad = await send([head,
    `${code},${ctx.grade},导入新班,09,普通高中班,2026,${staffNo}`,
    `${code},${ctx.grade},导入新班,09,40,2026,`,
    `${code},${ctx.grade},导入二班,10,99,2026,`,
    `${code},${ctx.grade},导入三班,11,40,2026,T-NOBODY`,
    `${ctx.otherSchool.school_code},高一,某班,,,,`,
    `${code},,无年级班,,,,`].join('\n'));
  assert.equal(bad.status, 200, bad.text);
  assert.deepEqual(bad.body.errors.map((e) => [e.row, e.column, e.code]), [
    [3, 3, 'duplicate_in_file'],
    [4, 5, 'invalid_code'],
    [5, 7, 'unknown_staff'],
    [6, 1, 'unknown_school'],
    [7, 2, 'required'],
  ], bad.text);
  const classes = () => Number(sql(srv.db, "SELECT count(*) FROM org_unit WHERE kind = 'class'"));
  const before = classes();
  const profiles = count('class_profile');
  assert.equal(classes(), before, 'nothing of a refused file joins the tree');

  const good = [head, `${code},${ctx.grade},导入新班,09,普通高中班,2026,${staffNo}`, `${code},高四,高四（1）班,01,40,2023,`].join('\n');
  const done = await send(good);
  assert.equal(done.status, 201, done.text);
  assert.deepEqual([done.body.created, done.body.updated, done.body.unchanged], [2, 0, 0]);
  assert.equal(classes(), before + 2);
  assert.equal(count('class_profile'), profiles + 2);
  const again = await send(good);
  assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged], [0, 0, 2]);
  assert.equal(classes(), before + 2, 'the same file again adds nothing');
  // the class is in the tree under its grade, with its head teacher; students can be imported into it
  const grade = (await admin.get(`/api/v1/orgs?parent=${ctx.school.id}&kind=grade`)).body.items.find((g) => g.name === ctx.grade);
  const cls = (await admin.get(`/api/v1/orgs?parent=${grade.id}`)).body.items.find((c) => c.name === '导入新班');
  const profile = (await admin.get(`/api/v1/classes?class=${cls.id}`)).body.items[0];
  assert.deepEqual([profile.class_number, profile.class_type, profile.entry_year], ['09', '40', 2026]);
  assert.ok(profile.head_teacher, 'the head teacher found by 工号');
  const id = idNumber('370702', '2011-04-04', 882);
  const st = await upload(admin, `${HEADER}\n${code},导入学生,女,,${id},G${id},汉族,${ctx.grade},导入新班,,2026-09\n`);
  assert.equal(st.status, 201, st.text);
  assert.equal((await admin.get(`/api/v1/class-rosters/${cls.id}`)).body.items.length, 1);
});
