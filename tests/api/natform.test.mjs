// natform.test.mjs — the national student-registry form (全国学籍系统《学生基本信息表》)
// through the import engine: the template detected from the headers (or named),
// every field of the form stored with the form's codes mapped to the stored
// tables, the two family blocks as guardian persons (deduplicated), re-import
// changing nothing, GBK files with words instead of codes, 身份证件有效期 as the
// document's period (长期 without an end; lenient separators, strict values), the
// demo's forms, and every kind of error answered with row, column, value and a
// Chinese message, nothing written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, assertError, demoAccounts, signIn, sql, idNumber, call, usePostgres, cli, httpFetch, formCareCounts } from './harness.mjs';

let srv;
let admin; // school administrator (holds roster.unmask)
let city;
const ctx = {};

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  admin = await signIn(srv.url, accounts.school_admin);
  city = await signIn(srv.url, accounts.city_admin);
  const school = admin.me.roles.find((r) => r.role === 'school_admin').org.id;
  ctx.school = (await city.get(`/api/v1/orgs/${school}`)).body;
  const grade = (await city.get(`/api/v1/orgs?parent=${school}&kind=grade`)).body.items[0];
  ctx.grade = grade.name;
  ctx.class = (await city.get(`/api/v1/orgs?parent=${grade.id}`)).body.items[0];
});
after(async () => { await srv.stop(); });

const M = (n, what) => `家庭成员或监护人${n}${what}`;
const HEADERS = ['★学校标识码', '学校名称', '★姓名', '★性别', '★出生日期', '★出生地', '★籍贯', '★民族', '★国籍/地区',
  '★身份证件类型', '身份证件号', '★港澳台侨外', '政治面貌', '★健康状况', '姓名拼音', '曾用名', '身份证件有效期', '★户口所在地', '★户口性质',
  '特长', '学籍辅号', '班内学号', '★年级', '★班级', '★入学年月', '★入学方式', '★就读方式', '学生来源', '★现住址',
  '★通信地址', '★家庭地址', '★联系电话', '★邮政编码', '电子信箱', '主页地址', '★是否独生子女', '★是否受过学前教育',
  '★是否留守儿童', '★是否进城务工人员随迁子女', '★是否孤儿', '★是否烈士或优抚子女', '随班就读', '残疾类型',
  '是否由政府购买学位', '是否需要申请资助', '是否享受一补', '上下学距离', '上下学方式', '是否需要乘坐校车',
  ...['一', '二'].flatMap((n) => ['姓名', '关系', '关系说明', '现住址', '户口所在地', '联系电话', '是否监护人', '身份证件类型',
    '身份证件号', '民族', '工作单位', '职务'].map((w) => M(n, w)))];
const col = (h) => HEADERS.findIndex((x) => x.replace('★', '') === h) + 1; // 1-based file column

// One form row as an object keyed by header (without ★); `over` replaces cells.
function pupil(i, over = {}) {
  const birth = `2012-04-${String(10 + (i % 18)).padStart(2, '0')}`;
  const id = idNumber('370702', birth, 300 + i * 2 + 1); // odd: male
  const dad = idNumber('370702', '1982-06-01', 400 + i * 2 + 1);
  const row = {
    学校标识码: ctx.school.school_code, 学校名称: ctx.school.name, 姓名: `王${'甲乙丙丁戊己庚辛壬癸'[i % 10]}明`, 性别: '1',
    出生日期: birth.replaceAll('-', ''), 出生地: '370702000000', 籍贯: '370702', 民族: '01', '国籍/地区': 'CHN',
    身份证件类型: '1', 身份证件号: id, 港澳台侨外: '00', 政治面貌: '13', 健康状况: '10', 姓名拼音: 'WANG MING', 曾用名: '', 身份证件有效期: '',
    户口所在地: '370702', 户口性质: '1', 特长: '书法', 学籍辅号: `37070200${i}`, 班内学号: String(i), 年级: ctx.grade,
    班级: ctx.class.name, 入学年月: '202409', 入学方式: '11', 就读方式: '1', 学生来源: '1',
    现住址: `山东省潍坊市潍城区胜利街${i}号`, 通信地址: `山东省潍坊市潍城区胜利街${i}号`, 家庭地址: `山东省潍坊市潍城区胜利街${i}号`,
    联系电话: `1395366${String(1000 + i)}`, 邮政编码: '261000', 电子信箱: '', 主页地址: '', 是否独生子女: '0',
    是否受过学前教育: '1', 是否留守儿童: String(i % 3), 是否进城务工人员随迁子女: i % 2 ? '1' : '0', 是否孤儿: '0',
    是否烈士或优抚子女: '0', 随班就读: '0', 残疾类型: '', 是否由政府购买学位: '0', 是否需要申请资助: i % 2 ? '1' : '0',
    是否享受一补: '0', 上下学距离: '3.5', 上下学方式: '步行', 是否需要乘坐校车: '1',
    [M('一', '姓名')]: `王${'甲乙丙丁戊己庚辛壬癸'[i % 10]}强`, [M('一', '关系')]: '51', [M('一', '关系说明')]: '',
    [M('一', '现住址')]: `山东省潍坊市潍城区胜利街${i}号`, [M('一', '户口所在地')]: '370702', [M('一', '联系电话')]: `1385366${String(1000 + i)}`,
    [M('一', '是否监护人')]: '1', [M('一', '身份证件类型')]: '1', [M('一', '身份证件号')]: dad, [M('一', '民族')]: '01',
    [M('一', '工作单位')]: '潍坊机械厂', [M('一', '职务')]: '技术员',
    [M('二', '姓名')]: `李${'甲乙丙丁戊己庚辛壬癸'[i % 10]}芳`, [M('二', '关系')]: '52', [M('二', '是否监护人')]: '1',
    ...over,
  };
  return row;
}
// `rename` gives some columns the header variant a file uses ({身份证件有效期: '★证件有效期'})
const csv = (rows, rename = {}) => [HEADERS.map((h) => rename[h.replace('★', '')] ?? h).join(','),
  ...rows.map((r) => HEADERS.map((h) => r[h.replace('★', '')] ?? '').join(','))].join('\r\n') + '\r\n';
const upload = (body, query = '') => admin.send('POST', `/api/v1/imports/students${query}`, body, { 'content-type': 'text/csv' });
const count = (table) => Number(sql(srv.db, `SELECT count(*) FROM ${table}`));

test('a national-form file is recognised by its headers; the dry run names the template, rows and counts', async () => {
  const r = await upload(csv([pupil(1), pupil(2)]), '?dry_run=true');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.template, 'national');
  assert.equal(r.body.template_label, '全国学籍系统《学生基本信息表》');
  assert.deepEqual([r.body.rows, r.body.created, r.body.error_count], [2, 2, 0]);
  assert.equal(r.body.ignored_columns, '学校名称');
  // the project's own template is still what its own files are read with
  const own = await upload('★学校标识码,★姓名,性别\r\n', '?dry_run=true');
  assert.equal(own.body.template, 'shushu', own.text);
  // a named template wins over detection; an unknown one is refused
  const named = await upload(csv([pupil(1)]), '?dry_run=true&template=shushu');
  assert.equal(named.body.template, 'shushu');
  assert.match(named.body.ignored_columns, /出生地/);
  assertError(await upload(csv([pupil(1)]), '?template=oneroster2'), 400, 'unknown_template', 'template');
});

// Two siblings sharing a father (one person with two links); the first with a
// child's five-year card, the second with one of no end written with dashes.
function siblings() {
  const a = pupil(3, { 身份证件有效期: '2024.05.01-2029.05.01' });
  const b = pupil(4, { ...Object.fromEntries(Object.entries(a).filter(([k]) => k.startsWith(M('一', '')))),
    身份证件有效期: '2023-03-15—长期' });
  return [a, b];
}
// The stored period of validity of a pupil's document: "valid_from|valid_to".
const periodOf = (local) => sql(srv.db, `SELECT d.valid_from, d.valid_to FROM person_document d
  JOIN student s ON s.person_id = d.person_id WHERE s.local_number = '${local}'`);

test('the whole form is stored: codes mapped per template, flags graded and encrypted, family blocks as guardians', async () => {
  const students = count('student');
  const persons = count('person');
  const [a, b] = siblings();
  const r = await upload(csv([a, b]));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.template, r.body.created, r.body.error_count], ['national', 2, 0]);
  assert.equal(count('student'), students + 2);
  assert.equal(count('person'), persons + 2 + 1 + 2); // two pupils, one father, two mothers

  const row = sql(srv.db, `SELECT s.uid, s.admission_mode, s.student_source, s.class_number, s.distance, s.school_bus,
    s.preschool, s.only_child, s.entry_month, p.birth_place, p.native_place, p.hukou_place, p.political_status,
    p.hmt_overseas, p.nationality, p.name_pinyin FROM student s JOIN person_profile p ON p.person_id = s.person_id
    WHERE s.local_number = '370702003'`).split('|');
  assert.deepEqual(row.slice(1), ['11', '1', '3', '3.5', '1', '1', '0', '2024-09', '370702', '370702', '370702', '13', '00', '156', 'WANG MING']);
  // 身份证件有效期: a period, and one of no end (长期) without an end date
  assert.equal(periodOf('370702003'), '2024-05-01|2029-05-01');
  assert.equal(periodOf('370702004'), '2023-03-15|');
  assert.equal(sql(srv.db, `SELECT count(*) FROM person_document d JOIN student s ON s.person_id = d.person_id
    WHERE s.local_number = '370702004' AND d.valid_to IS NULL`), '1');
  // sensitive flags are ciphertext at rest; in clear only with the permission and a reason (audited)
  if (!usePostgres) {
    assert.equal(sql(srv.db, `SELECT typeof(left_behind) || typeof(needs_aid) || typeof(hukou_type) FROM student WHERE uid = '${row[0]}'`),
      'blobblobblob');
  }
  const masked = (await admin.get(`/api/v1/students/${row[0]}`)).body;
  assert.equal(masked.left_behind, undefined);
  assert.equal(masked.hukou_type, undefined);
  const clear = (await admin.get(`/api/v1/students/${row[0]}?unmask_reason=${encodeURIComponent('核对学籍信息')}`)).body;
  // form 户口性质 1 农业户口 is GA 324.1 code 2 农业家庭户口
  assert.deepEqual([clear.hukou_type, clear.left_behind, clear.migrant_child, clear.needs_aid, clear.orphan],
    ['2', '0', '1', '1', '0']);
  assert.equal(clear.home_address, '山东省潍坊市潍城区胜利街3号');

  const links = sql(srv.db, `SELECT g.name, g.relation, g.is_guardian FROM guardian_link g JOIN student s ON s.id = g.student_id
    WHERE s.local_number IN ('370702003', '370702004') ORDER BY g.relation, s.local_number`).split('\n');
  assert.deepEqual(links, ['王丁强|51|1', '王丁强|51|1', '李丁芳|52|1', '李戊芳|52|1']);
  const fathers = sql(srv.db, `SELECT count(DISTINCT g.person_id) FROM guardian_link g JOIN student s ON s.id = g.student_id
    WHERE s.local_number IN ('370702003', '370702004') AND g.relation = '51'`);
  assert.equal(fathers, '1');
  const dad = sql(srv.db, `SELECT p.work_unit, p.work_position, p.hukou_place, p.ethnicity IS NOT NULL FROM person_profile p
    JOIN guardian_link g ON g.person_id = p.person_id JOIN student s ON s.id = g.student_id
    WHERE s.local_number = '370702003' AND g.relation = '51'`);
  assert.equal(dad, '潍坊机械厂|技术员|370702|1');
});

test('importing the same form again changes nothing', async () => {
  const [a, b] = siblings();
  const changes = count('change_log');
  const persons = count('person');
  const links = count('guardian_link');
  const r = await upload(csv([a, b]));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.created, r.body.updated, r.body.unchanged], [0, 0, 2]);
  assert.deepEqual([count('change_log'), count('person'), count('guardian_link')], [changes, persons, links]);
});

test('身份证件有效期 is read under its header variants and separators; a changed period replaces the stored one', async () => {
  const rows = [
    pupil(40, { 身份证件有效期: '2022/3/5 至 2027/3/5' }),
    pupil(41, { 身份证件有效期: '20230315-长期有效' }),
    pupil(42), // no period: none stored
  ];
  const r = await upload(csv(rows, { 身份证件有效期: '★证件有效期' }));
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.created, r.body.error_count, r.body.ignored_columns], [3, 0, '学校名称']);
  assert.deepEqual(['3707020040', '3707020041', '3707020042'].map(periodOf), ['2022-03-05|2027-03-05', '2023-03-15|', '|']);

  // the card renewed as one of no end, the other given an end; an empty cell keeps what is stored
  const changes = (op) => Number(sql(srv.db, `SELECT count(*) FROM change_log WHERE entity = 'person_document' AND op = '${op}'`));
  const updates = changes('update');
  const again = await upload(csv([
    pupil(40, { 身份证件有效期: '2022.03.05-长期' }), pupil(41, { 身份证件有效期: '2023.03.15-2028.03.15' }), pupil(42),
  ]));
  assert.equal(again.status, 201, again.text);
  assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged, again.body.error_count], [0, 0, 3, 0]);
  assert.deepEqual(['3707020040', '3707020041', '3707020042'].map(periodOf), ['2022-03-05|', '2023-03-15|2028-03-15', '|']);
  assert.equal(changes('update'), updates + 2); // each change is in the change feed
  const kept = await upload(csv([pupil(40), pupil(41)]));
  assert.equal(kept.status, 201, kept.text);
  assert.deepEqual(['3707020040', '3707020041'].map(periodOf), ['2022-03-05|', '2023-03-15|2028-03-15']);
  assert.equal(changes('update'), updates + 2);

  // the start is declared beside the end: the data dictionary and the API document show both, graded alike
  const dict = await call(`${srv.url}/api/v1/dictionary/person_document`);
  assert.equal(dict.status, 200, dict.text);
  const field = (name) => dict.body.fields.find((f) => f.name === name);
  assert.deepEqual([field('valid_from')?.label, field('valid_from')?.grade, field('valid_to')?.grade], ['证件有效期起', 'L3', 'L3']);
  const api = await call(`${srv.url}/api/openapi.json`);
  const { valid_from: from, valid_to: to } = api.body.components.schemas.person_document.properties;
  assert.deepEqual([from.type, from.format, from.title, from['x-grade']], ['string', 'date', '证件有效期起', 'L3']);
  assert.deepEqual([to.format, to.title, to['x-grade']], ['date', '证件有效期至', 'L3']);
});

test('a wrong 身份证件有效期 names row, column, value and the expected form; nothing is written', async () => {
  const before = ['student', 'person', 'person_document', 'change_log'].map(count);
  const r = await upload(csv([
    pupil(50, { 身份证件有效期: '2024.05.01-2029.05.01' }), // a good row, not written either
    pupil(51, { 身份证件有效期: '2010.06.01' }), // no end
    pupil(52, { 身份证件有效期: '2020.02.30-2025.02.28' }), // no such day
    pupil(53, { 身份证件有效期: '2025.06.01-2020.06.01' }), // the end before the start
    pupil(54, { 身份证件有效期: '2008.01.01-2013.01.01' }), // before the pupil was born (2012)
    pupil(55, { 身份证件类型: 'Z', 身份证件号: '', 身份证件有效期: '2024.05.01-2029.05.01' }), // no document
    pupil(56, { 身份证件有效期: '2024.05.01—2029.05.01—2034.05.01' }),
  ]));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  const c = col('身份证件有效期');
  assert.deepEqual(r.body.errors.map((e) => [e.row, e.column, e.code, e.value]), [
    [3, c, 'invalid_period', '2010.06.01'],
    [4, c, 'invalid_date', '2020.02.30-2025.02.28'],
    [5, c, 'period_order', '2025.06.01-2020.06.01'],
    [6, c, 'period_before_birth', '2008.01.01-2013.01.01'],
    [7, c, 'period_without_document', '2024.05.01-2029.05.01'],
    [8, c, 'invalid_period', '2024.05.01—2029.05.01—2034.05.01'],
  ]);
  const msg = Object.fromEntries(r.body.errors.map((e) => [e.row, e.message]));
  assert.equal(msg[3], '“身份证件有效期”应写作“2010.06.01-2020.06.01”或“2010.06.01-长期”');
  assert.equal(msg[4], '“身份证件有效期”中的日期“2020.02.30”不存在，应写作“2010.06.01-2020.06.01”或“2010.06.01-长期”');
  assert.equal(msg[5], '“身份证件有效期”的截止日期应晚于起始日期，应写作“2010.06.01-2020.06.01”或“2010.06.01-长期”');
  assert.equal(msg[6], '“身份证件有效期”的起始日期早于出生日期');
  assert.equal(msg[7], '填写了“身份证件有效期”，但没有“身份证件号”');
  assert.deepEqual(['student', 'person', 'person_document', 'change_log'].map(count), before);
  assert.equal(periodOf('3707020050'), '');
});

test('a GBK file with words instead of codes imports the same', async () => {
  const words = pupil(7, {
    性别: '男', 民族: '汉族', 户口性质: '非农业户口', 健康状况: '健康或良好', 入学方式: '就近入学', 就读方式: '走读',
    是否留守儿童: '双亲留守儿童', 是否孤儿: '否', 是否需要乘坐校车: '是', [M('一', '关系')]: '父亲', [M('一', '是否监护人')]: '是',
  });
  const gbk = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: csv([words]) });
  assert.equal(gbk.status, 0);
  const r = await call(`${srv.url}/api/v1/imports/students`, {
    method: 'POST', body: gbk.stdout, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' },
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.encoding, r.body.template, r.body.created], ['GB18030', 'national', 1]);
  const uid = sql(srv.db, "SELECT uid FROM student WHERE local_number = '370702007'");
  const clear = (await admin.get(`/api/v1/students/${uid}?unmask_reason=${encodeURIComponent('核对学籍信息')}`)).body;
  assert.deepEqual([clear.gender, clear.hukou_type, clear.left_behind, clear.admission_mode, clear.school_bus], ['1', '1', '2', '11', '1']);
});

test('every kind of error names row, column, value and the expected codes; nothing is written', async () => {
  const under18 = idNumber('370702', '2010-01-01', 511);
  const bad = [
    pupil(20, { 户口性质: '3' }), // valid in GA 324.1, not in the form's table
    pupil(21, { 身份证件类型: '2' }), // 军官证: JY/T has it, the form does not
    pupil(22, { 入学方式: '01' }), // JY/T's code, not the form's
    pupil(23, { 健康状况: '60' }),
    pupil(24, { 民族: '火星族' }),
    pupil(25, { 性别: '3' }),
    pupil(26, { 是否留守儿童: '3' }),
    pupil(27, { [M('二', '姓名')]: '' }), // a member with a relation but no name
    pupil(28, { [M('一', '身份证件号')]: under18 }), // a guardian aged 16
    pupil(29, { 身份证件号: '' }), // type 1 without a number
    pupil(30, { 身份证件号: '370702201204100001' }), // fails GB 11643
    pupil(31, { 出生日期: '20120101' }), // disagrees with the ID number
    pupil(32, { 出生地: '999999' }),
  ];
  const students = count('student');
  const changes = count('change_log');
  const r = await upload(csv(bad));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  const got = r.body.errors.map((e) => [e.row, e.column, e.code, e.value ?? null]);
  assert.deepEqual(got, [
    [2, col('户口性质'), 'invalid_code', null], // hidden fields stay hidden in reports
    [3, col('身份证件类型'), 'invalid_code', '2'],
    [4, col('入学方式'), 'invalid_code', '01'],
    [5, col('健康状况'), 'invalid_code', null],
    [6, col('民族'), 'invalid_code', null], // 民族 is hidden even in reports
    [7, col('性别'), 'invalid_code', '3'],
    [8, col('是否留守儿童'), 'invalid_code', null],
    [9, col(M('二', '姓名')), 'required', null],
    [10, col(M('一', '是否监护人')), 'guardian_not_adult', null],
    [11, col('身份证件号'), 'required', null],
    [12, col('身份证件号'), 'invalid_id_check_digit', '370702********0001'],
    [13, col('出生日期'), 'birth_date_mismatch', '2012-**-**'],
    [14, col('出生地'), 'invalid_code', '999999'],
  ].map(([row, column, code, value]) => [row, column, code, value]));
  const msg = Object.fromEntries(r.body.errors.map((e) => [e.row, e.message]));
  assert.equal(msg[2], '“户口性质”不能填“3”，应为：1 农业户口，2 非农业户口');
  assert.match(msg[3], /^“身份证件类型”不能填“2”，应为：1 居民身份证，6 香港特区护照/);
  assert.match(msg[4], /应为：11 就近入学，12 其他，21 统一招生考试/);
  assert.match(msg[9], /填写了家庭成员信息，但缺少“家庭成员或监护人二姓名”/);
  assert.match(msg[10], /监护人应已成年/);
  assert.match(msg[11], /身份证件类型为“1”时应填写“身份证件号”/);
  assert.match(msg[13], /出生日期与身份证件号中的出生日期（2012-04-/);
  assert.equal(count('student'), students);
  assert.equal(count('change_log'), changes);
});

test('the demo writes each school as a national form (UTF-8, GB18030, XLSX; codes or words); each imports in one step, again without change', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shushu-national-'));
  const db = path.join(dir, 'city.db');
  const made = cli(['demo', '--db', db, '--people', 'none', '--files', dir]);
  assert.equal(made.status, 0, made.stderr);
  const files = fs.readdirSync(path.join(dir, 'national')).sort();
  assert.ok(files.length >= 10, files.join());
  const raw = files.map((f) => fs.readFileSync(path.join(dir, 'national', f)));
  const gbk = files.filter((f, i) => f.endsWith('.csv') && raw[i].subarray(0, 3).toString('hex') !== 'efbbbf');
  const xlsx = files.filter((f) => f.endsWith('.xlsx'));
  const words = files.filter((f, i) => raw[i].includes(Buffer.from(',男,')) || raw[i].includes(Buffer.from([0x2c, 0xc4, 0xd0, 0x2c])));
  const gbkWords = gbk.filter((f) => words.includes(f));
  assert.ok(gbkWords.length && xlsx.length && words.length > gbkWords.length, JSON.stringify({ gbk, xlsx, words }));
  for (const f of [gbkWords[0], xlsx[0]]) {
    const file = path.join(dir, 'national', f);
    const dry = cli(['import', 'students', file, '--db', db, '--dry-run']);
    assert.equal(dry.status, 0, dry.stdout + dry.stderr);
    assert.match(dry.stdout, /学生：(\d+) 行（模板 全国学籍系统《学生基本信息表》，文件编码 (GB18030|UTF-8|XLSX)）/);
    const rows = Number(dry.stdout.match(/学生：(\d+) 行/)[1]);
    assert.match(dry.stdout, new RegExp(`校验通过：将新建 ${rows} 条`));
    const done = cli(['import', 'students', file, '--db', db]);
    assert.equal(done.status, 0, done.stdout + done.stderr);
    const again = cli(['import', 'students', file, '--db', db]);
    assert.match(again.stdout, new RegExp(`导入完成：新建 0 条、更新 0 条、${rows} 条无变化`));
  }
  // two family blocks per pupil became two guardians each
  assert.equal(sql(db, 'SELECT count(*) FROM guardian_link'), String(2 * Number(sql(db, 'SELECT count(*) FROM student'))));
  // the imported 身份证件有效期: five- or ten-year periods, ending on the day they started
  const stored = sql(db, 'SELECT valid_from, valid_to FROM person_document WHERE valid_from IS NOT NULL').split('\n');
  assert.ok(stored.length > 10, stored.join());
  for (const p of stored) {
    const [from, to] = p.split('|');
    const sameDay = to.slice(4) === from.slice(4) || (from.slice(4) === '-02-29' && to.slice(4) === '-02-28');
    assert.ok([5, 10].includes(Number(to.slice(0, 4)) - Number(from.slice(0, 4))) && sameDay, p);
  }
  // in the files: everyone from 16 (on the school year's first day) has a ten-year card issued
  // within three months of the 16th birthday; about a quarter of the younger ones a five-year card
  const utf8 = files.filter((f, i) => f.endsWith('.csv') && !gbk.includes(f)).map((f) => raw[files.indexOf(f)].toString('utf8').replace(/^\uFEFF/, ''));
  let older = 0;
  let younger = 0;
  let carded = 0;
  for (const text of utf8) {
    const [head, ...rows] = text.trim().split(/\r?\n/).map((l) => l.split(','));
    const [b, v] = [head.indexOf('出生日期'), head.indexOf('身份证件有效期')];
    for (const r of rows) {
      const birth = r[b].replace(/(\d{4})(\d\d)(\d\d)/, '$1-$2-$3');
      const sixteen = `${Number(birth.slice(0, 4)) + 16}${birth.slice(4).replace('-02-29', '-02-28')}`;
      const period = r[v].match(/^(\d{4})\.(\d\d)\.(\d\d)-(\d{4})\.(\d\d)\.(\d\d)$/);
      assert.ok(r[v] === '' || period, r[v]);
      const start = period && `${period[1]}-${period[2]}-${period[3]}`;
      const years = period && Number(period[4]) - Number(period[1]);
      if (sixteen <= '2026-09-01') {
        older++;
        assert.equal(years, 10, `${birth} ${r[v]}`);
        const days = (Date.parse(start) - Date.parse(sixteen)) / 86400000;
        assert.ok(days >= 0 && days <= 90 && start <= '2026-09-01', `${birth} ${r[v]}`);
      } else {
        younger++;
        if (period) {
          carded++;
          assert.equal(years, 5, `${birth} ${r[v]}`);
          assert.ok(start > birth && start <= '2026-09-01' && `${period[4]}-${period[5]}-${period[6]}` > '2026-09-01', `${birth} ${r[v]}`);
        }
      }
    }
  }
  assert.ok(older > 100 && younger > 1000, JSON.stringify({ older, younger }));
  assert.ok(carded / younger > 0.18 && carded / younger < 0.32, JSON.stringify({ carded, younger }));
  fs.rmSync(dir, { recursive: true });
});

test('the care and support counts of a school match its records; a district is the sum of its schools', async () => {
  const r = await admin.get(`/api/v1/student-flags?org=${ctx.school.id}`);
  assert.equal(r.status, 200, r.text);
  // raw counts: plain columns by SQL; the encrypted flags read in clear from the form export of the same students
  const key = sql(srv.db, `SELECT id FROM org_unit WHERE uid = '${ctx.school.id}'`);
  const raw = (where) => Number(sql(srv.db, `SELECT count(*) FROM student WHERE school_id = ${key} AND status = '01'${where}`));
  assert.equal(r.body.students, raw(''));
  assert.equal(r.body.counts.school_bus, raw(" AND school_bus = '1'"));
  const file = await httpFetch(`${srv.url}/api/v1/students?school=${ctx.school.id}&status=01&format=csv&template=national&unmask_reason=${encodeURIComponent('核对关爱与资助人数')}`,
    { headers: { cookie: admin.cookie } });
  assert.equal(file.status, 200);
  const form = formCareCounts(await file.text());
  assert.equal(form.rows, r.body.students);
  assert.deepEqual(r.body.counts, form.counts);
  assert.ok(r.body.counts.left_behind_single >= 1 && r.body.counts.left_behind_both >= 1 && r.body.counts.needs_aid >= 1);

  // the district: the sum of its schools; out of a school administrator's reach
  const district = ctx.school.parent;
  assertError(await admin.get(`/api/v1/student-flags?org=${district}`), 404, 'not_found');
  assertError(await admin.get('/api/v1/student-flags'), 400, 'invalid_org');
  const whole = await city.get(`/api/v1/student-flags?org=${district}`);
  assert.equal(whole.status, 200, whole.text);
  const schools = (await city.get(`/api/v1/orgs?parent=${district}&kind=school&limit=100`)).body.items;
  const sum = { students: 0 };
  for (const s of schools) {
    const one = (await city.get(`/api/v1/student-flags?org=${s.id}`)).body;
    sum.students += one.students;
    for (const [k, v] of Object.entries(one.counts)) sum[k] = (sum[k] ?? 0) + v;
  }
  assert.deepEqual({ students: whole.body.students, ...whole.body.counts }, sum);
});
