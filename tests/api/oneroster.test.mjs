// oneroster.test.mjs — OneRoster 1.2 over a demo city whose demo school has its
// people (staff, students, families): the CSV zip export as a school
// administrator (what a user would check in it), the round trip into an empty
// database with the same counts, the read-only REST API (paging, sort, filters,
// fields, the OneRoster error payload), masking and unmasking, scope, API
// tokens, and hostile zips that change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, call, cli, demoAccounts, signIn, sql, tmpdir, ADMIN_PASSWORDS, newDatabase, httpFetch } from './harness.mjs';

const BASE = '/ims/oneroster/rostering/v1p2';
let srv;
let admin; // school administrator of the demo school
let head; // head teacher 刘芳 of 高一（1）班
let city;
const ctx = {};

// ---- zip and CSV helpers -------------------------------------------------

function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  const t = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < t.length; i++) {
    const ch = t[i];
    if (quoted) {
      if (ch === '"' && t[i + 1] === '"') { cell += '"'; i++; } else if (ch === '"') quoted = false; else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') { row.push(cell); cell = ''; } else if (ch === '\r') continue;
    else if (ch === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  const [header, ...data] = rows;
  return { header, rows: data.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? '']))) };
}

function unzipped(zipPath, name) {
  const r = spawnSync('unzip', ['-p', zipPath, name], { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return parseCsv(r.stdout);
}

function saveZip(buf) {
  const file = path.join(tmpdir(), 'oneroster.zip');
  fs.writeFileSync(file, buf);
  return file;
}

async function download(client, query = '') {
  const r = await client.get(`/api/v1/exports/oneroster${query}`);
  return r;
}

async function rawGet(url, headers) {
  const res = await httpFetch(url, { headers });
  return { status: res.status, headers: res.headers, buf: Buffer.from(await res.arrayBuffer()) };
}

// A zip made of the given files (name → text), with the zip command line.
function makeZip(files, level = '-6') {
  const dir = tmpdir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text);
  const out = path.join(dir, 'made.zip');
  const r = spawnSync('zip', ['-q', '-X', level, out, ...Object.keys(files)], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return fs.readFileSync(out);
}

const MANIFEST = 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\n';

async function upload(client, body, query = '') {
  return call(`${srv.url}/api/v1/imports/oneroster${query}`, {
    method: 'POST', body,
    headers: { cookie: client.cookie, 'x-csrf-token': client.csrf, 'content-type': 'application/zip' },
  });
}

const changes = () => sql(srv.db, 'SELECT COUNT(*) FROM change_log');

// ---- setup ---------------------------------------------------------------

before(async () => {
  const dir = tmpdir();
  const made = cli(['demo', '--db', await newDatabase(dir), '--people', 'school']);
  assert.equal(made.status, 0, made.stderr);
  srv = await startServer({ dir });
  const accounts = demoAccounts(srv.db);
  admin = await signIn(srv.url, accounts.school_admin);
  head = await signIn(srv.url, accounts.head_teacher);
  city = await signIn(srv.url, accounts.city_admin);
  ctx.classIn = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
  const orgPath = (await city.get(`/api/v1/orgs/${ctx.classIn}/path`)).body.items;
  ctx.school = orgPath.find((o) => o.kind === 'school').id;
  const schools = (await city.get('/api/v1/orgs?kind=school&limit=100')).body.items;
  ctx.schoolOther = schools.find((s) => s.id !== ctx.school).id;
  const gradeOther = (await city.get(`/api/v1/orgs?parent=${ctx.schoolOther}&kind=grade`)).body.items[0].id;
  ctx.classOtherSchool = (await city.get(`/api/v1/orgs?parent=${gradeOther}`)).body.items[0].id;
});
after(async () => { await srv.stop(); });

// ---- export ----------------------------------------------------------------

test('export: a zip with the 1.2 manifest and files, the head teacher a primary teacher of her class', async () => {
  const r = await rawGet(`${srv.url}/api/v1/exports/oneroster?unmask_reason=${encodeURIComponent('向学习平台同步名单')}`,
    { cookie: admin.cookie });
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/zip');
  const zip = saveZip(r.buf);
  ctx.zip = zip;
  const manifest = Object.fromEntries(unzipped(zip, 'manifest.csv').rows.map((x) => [x.propertyName, x.value]));
  assert.equal(manifest['manifest.version'], '1.0');
  assert.equal(manifest['oneroster.version'], '1.2');
  assert.equal(manifest['source.systemName'], '数枢');
  for (const f of ['orgs', 'academicSessions', 'courses', 'classes', 'users', 'roles', 'enrollments', 'demographics']) {
    assert.equal(manifest[`file.${f}`], 'bulk', f);
  }
  assert.equal(manifest['file.results'], 'absent');
  const users = unzipped(zip, 'users.csv');
  assert.deepEqual(users.header.slice(0, 9), ['sourcedId', 'status', 'dateLastModified', 'enabledUser', 'username',
    'userIds', 'givenName', 'familyName', 'middleName']);
  const classes = unzipped(zip, 'classes.csv').rows;
  const enrollments = unzipped(zip, 'enrollments.csv').rows;
  const roles = unzipped(zip, 'roles.csv').rows;
  const liu = users.rows.find((u) => u.familyName === '刘' && u.givenName === '芳');
  assert.ok(liu, '刘芳 is a user');
  assert.equal(roles.find((x) => x.userSourcedId === liu.sourcedId).role, 'teacher');
  const homeroom = classes.find((c) => c.title === '高一（1）班' && c.classType === 'homeroom');
  assert.equal(homeroom.sourcedId, ctx.classIn);
  assert.equal(homeroom['metadata.grade'], '高一');
  assert.equal(homeroom.grades, '10');
  const hers = enrollments.filter((e) => e.classSourcedId === homeroom.sourcedId && e.userSourcedId === liu.sourcedId);
  assert.equal(hers.length, 1);
  assert.equal(hers[0].role, 'teacher');
  assert.equal(hers[0].primary, 'true');
  // 语文 in her class is a scheduled class she teaches
  const chinese = classes.find((c) => c['metadata.homeroomSourcedId'] === homeroom.sourcedId && c.subjects === '语文');
  assert.ok(chinese, 'a scheduled 语文 class of 高一（1）班');
  assert.ok(enrollments.some((e) => e.classSourcedId === chinese.sourcedId && e.userSourcedId === liu.sourcedId && e.role === 'teacher'));
  // bulk files leave status and dateLastModified blank
  assert.ok(users.rows.every((u) => u.status === '' && u.dateLastModified === ''));
  // counts match the roster API of the same school
  const students = (await admin.get(`/api/v1/students?school=${ctx.school}&limit=500`)).body.items;
  const staff = (await admin.get(`/api/v1/staff?school=${ctx.school}&limit=500`)).body.items;
  assert.equal(roles.filter((x) => x.role === 'student').length, students.length);
  assert.equal(roles.filter((x) => x.role === 'teacher').length, staff.length);
  assert.equal(enrollments.filter((e) => e.role === 'student').length, students.length);
  assert.equal(classes.filter((c) => c.classType === 'homeroom').length, Number(sql(srv.db,
    `SELECT COUNT(*) FROM org_unit c JOIN org_unit s ON s.id = c.school_id WHERE c.kind = 'class' AND s.uid = '${ctx.school}'`)));
  // only the school's own people: no student of another school
  const orgs = unzipped(zip, 'orgs.csv').rows;
  assert.deepEqual(orgs.map((o) => o.type).sort(), ['district', 'school', 'state']);
  const school = orgs.find((o) => o.type === 'school');
  assert.match(school.identifier, /^\d{10}$/);
  assert.match(school['metadata.regionCode'], /^\d{6}$/);
  // unmasked: full birth dates, never an ID number
  const demo = unzipped(zip, 'demographics.csv').rows;
  assert.ok(demo.every((d) => d.birthDate === '' || /^\d{4}-\d{2}-\d{2}$/.test(d.birthDate)));
  const text = spawnSync('unzip', ['-p', zip], { encoding: 'utf8', maxBuffer: 1 << 28 }).stdout;
  assert.doesNotMatch(text, /\b\d{17}[\dX]\b(?!\d)/, 'no 18-character ID number anywhere');
  const audit = sql(srv.db, "SELECT COUNT(*) FROM audit_log WHERE event = 'unmask' AND detail LIKE '%向学习平台同步名单%'");
  assert.equal(audit, '1');
});

test('export: masked by default (names, birth dates, 学籍号); formula cells neutralised; scope', async () => {
  const cls = sql(srv.db, `SELECT name FROM org_unit WHERE uid = '${ctx.classIn}'`);
  sql(srv.db, `UPDATE org_unit SET name = '=HYPERLINK("http://x")' WHERE uid = '${ctx.classIn}'`);
  let r;
  try {
    r = await rawGet(`${srv.url}/api/v1/exports/oneroster`, { cookie: admin.cookie });
  } finally {
    sql(srv.db, `UPDATE org_unit SET name = '${cls}' WHERE uid = '${ctx.classIn}'`);
  }
  assert.equal(r.status, 200);
  const zip = saveZip(r.buf);
  const users = unzipped(zip, 'users.csv').rows;
  assert.ok(users.length > 400);
  assert.ok(users.every((u) => u.givenName === '' || u.givenName === '*'), 'given names masked');
  assert.ok(users.every((u) => !/^[GJL]/.test(u.identifier)), 'no 学籍号 unless unmasked');
  const demo = unzipped(zip, 'demographics.csv').rows;
  assert.ok(demo.some((d) => /^\d{4}-\*\*-\*\*$/.test(d.birthDate)));
  assert.ok(demo.every((d) => d.birthDate === '' || /^\d{4}-\*\*-\*\*$/.test(d.birthDate)));
  const classes = unzipped(zip, 'classes.csv').rows;
  assert.ok(classes.some((c) => c.title === '\'=HYPERLINK("http://x")'), 'formula neutralised with an apostrophe');
  // the head teacher's export holds her class only
  const mine = await rawGet(`${srv.url}/api/v1/exports/oneroster`, { cookie: head.cookie });
  assert.equal(mine.status, 200);
  const homerooms = unzipped(saveZip(mine.buf), 'classes.csv').rows.filter((c) => c.classType === 'homeroom');
  assert.deepEqual(homerooms.map((c) => c.sourcedId), [ctx.classIn]);
  // the head teacher may not unmask
  const denied = await download(head, '?unmask_reason=%E6%9F%A5%E7%9C%8B');
  assert.equal(denied.status, 403);
});

test('round trip: the export imports into an empty database with the same counts, twice without change', async () => {
  const dir = tmpdir();
  const fresh = await newDatabase(dir, 'fresh.db');
  const pw = path.join(dir, 'pw');
  fs.writeFileSync(pw, `${ADMIN_PASSWORDS.join('\n')}\n`, { mode: 0o600 });
  assert.equal(cli(['init', '--db', fresh, '--city-name', '示范市', '--region-code', '370700', '--password-file', pw]).status, 0);
  const dry = cli(['import', 'oneroster', ctx.zip, '--db', fresh, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(sql(fresh, 'SELECT COUNT(*) FROM student'), '0', 'a dry run writes nothing');
  const done = cli(['import', 'oneroster', ctx.zip, '--db', fresh]);
  assert.equal(done.status, 0, done.stderr + done.stdout);
  const counts = (db, school) => sql(db, `SELECT (SELECT COUNT(*) FROM school_profile sp JOIN org_unit s ON s.id = sp.school_id WHERE s.school_code = '${school}')
    || '/' || (SELECT COUNT(*) FROM org_unit c JOIN org_unit s ON s.id = c.school_id WHERE c.kind = 'class' AND s.school_code = '${school}')
    || '/' || (SELECT COUNT(*) FROM staff t JOIN org_unit s ON s.id = t.school_id WHERE s.school_code = '${school}')
    || '/' || (SELECT COUNT(*) FROM student t JOIN org_unit s ON s.id = t.school_id WHERE s.school_code = '${school}')
    || '/' || (SELECT COUNT(*) FROM guardian_link t JOIN org_unit s ON s.id = t.school_id WHERE s.school_code = '${school}')
    || '/' || (SELECT COUNT(*) FROM enrollment t JOIN org_unit s ON s.id = t.school_id WHERE s.school_code = '${school}')
    || '/' || (SELECT COUNT(*) FROM teaching_assignment t JOIN org_unit s ON s.id = t.school_id WHERE s.school_code = '${school}')`);
  const code = sql(srv.db, `SELECT school_code FROM org_unit WHERE uid = '${ctx.school}'`);
  const before = counts(srv.db, code);
  assert.match(before, /^1\/\d+\/[1-9]\d*\/[1-9]\d*\/[1-9]\d*\/[1-9]\d*\/[1-9]\d*$/);
  assert.equal(counts(fresh, code), before);
  // the head teacher and her class came along
  assert.equal(sql(fresh, `SELECT s.name FROM class_profile cp JOIN staff s ON s.id = cp.head_teacher_id JOIN org_unit c ON c.id = cp.class_id WHERE c.uid = '${ctx.classIn}'`), '刘芳');
  // students without visible ID numbers are persons all the same
  assert.equal(sql(fresh, 'SELECT COUNT(*) FROM student t LEFT JOIN person p ON p.id = t.person_id WHERE p.id IS NULL'), '0');
  const log = sql(fresh, 'SELECT COUNT(*) FROM change_log');
  const again = cli(['import', 'oneroster', ctx.zip, '--db', fresh]);
  assert.equal(again.status, 0, again.stderr);
  assert.doesNotMatch(again.stdout, /新建 [1-9]|更新 [1-9]/);
  assert.equal(sql(fresh, 'SELECT COUNT(*) FROM change_log'), log, 're-importing changes nothing');
  assert.equal(counts(fresh, code), before);
});

test('import over the API: dry run, errors with file, row and column, nothing written', async () => {
  const zip = fs.readFileSync(ctx.zip);
  const before = changes();
  const dry = await upload(admin, zip, '?dry_run=true');
  assert.equal(dry.status, 200, dry.text);
  assert.equal(dry.body.error_count, 0, dry.text);
  assert.equal(dry.body.committed, false);
  assert.ok(dry.body.files.find((f) => f.file === 'users.csv').rows > 400);
  const same = await upload(admin, zip);
  assert.equal(same.status, 201, same.text);
  assert.equal(changes(), before, 'the export of this database imports as no change');
  // a user at a school outside the caller's reach: a row error naming file, row and column
  const otherSchool = ctx.schoolOther;
  const bad = makeZip({
    'manifest.csv': 'propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.roles,bulk\nfile.users,bulk\n',
    'roles.csv': `sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\nr1,,,u1,primary,student,,,${ctx.school},\nr2,,,u2,primary,student,,,${otherSchool},\n`,
    'users.csv': 'sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName\nu1,,,true,,,小明,王\nu2,,,true,,,小红,李\n',
  });
  const r = await upload(admin, bad);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  const e = r.body.errors[0];
  assert.equal(e.file, 'roles.csv');
  assert.equal(e.row, 3);
  assert.equal(e.column, 9);
  assert.equal(e.code, 'unknown_school');
  assert.match(e.message, /学校/);
  assert.equal(changes(), before);
  // the city administrator may not use a school administrator's route? it may: but a teacher may not import
  const denied = await upload(head, bad);
  assert.equal(denied.status, 403);
});

test('hostile zips: a clear error, nothing changed', async () => {
  const before = changes();
  const notZip = await upload(admin, Buffer.from('sourcedId,name\n1,x\n'));
  assert.equal(notZip.status, 400);
  assert.equal(notZip.body.error.code, 'invalid_zip');
  const truncated = await upload(admin, fs.readFileSync(ctx.zip).subarray(0, 2000));
  assert.equal(truncated.status, 400, truncated.text);
  const noManifest = await upload(admin, makeZip({ 'orgs.csv': 'sourcedId,name,type\n' }));
  assert.equal(noManifest.status, 400);
  assert.equal(noManifest.body.error.code, 'missing_manifest');
  const v11 = await upload(admin, makeZip({ 'manifest.csv': MANIFEST.replace('1.2', '1.1') }));
  assert.equal(v11.status, 400);
  assert.equal(v11.body.error.code, 'unsupported_version');
  assert.match(v11.body.error.message, /1\.2/);
  const delta = await upload(admin, makeZip({ 'manifest.csv': MANIFEST.replace('file.orgs,bulk', 'file.orgs,delta') }));
  assert.equal(delta.status, 400);
  assert.equal(delta.body.error.code, 'unsupported_mode');
  const missing = await upload(admin, makeZip({ 'manifest.csv': MANIFEST }));
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.code, 'missing_file');
  // a zip bomb: 40 MB of one byte compressed to a few KB
  const bomb = makeZip({ 'manifest.csv': MANIFEST, 'orgs.csv': `sourcedId,name,type\n${'a'.repeat(40 * 1024 * 1024)}` }, '-9');
  assert.ok(bomb.length < 200 * 1024);
  const boom = await upload(admin, bomb);
  assert.equal(boom.status, 413, boom.text);
  assert.equal(boom.body.error.code, 'zip_too_large');
  assert.equal(changes(), before);
});

// ---- REST ------------------------------------------------------------------

test('REST: collections wrapped, paged with X-Total-Count, sorted', async () => {
  const first = await admin.get(`${BASE}/users?limit=10`);
  assert.equal(first.status, 200, first.text);
  assert.equal(first.body.users.length, 10);
  const total = Number(first.headers.get('x-total-count'));
  assert.ok(total > 400);
  const second = await admin.get(`${BASE}/users?limit=10&offset=10`);
  assert.equal(second.body.users.length, 10);
  assert.ok(!second.body.users.some((u) => first.body.users.some((f) => f.sourcedId === u.sourcedId)));
  const last = await admin.get(`${BASE}/users?limit=1000&offset=${total - 3}`);
  assert.equal(last.body.users.length, 3);
  const dflt = await admin.get(`${BASE}/users`);
  assert.equal(dflt.body.users.length, 100);
  const u = first.body.users[0];
  assert.equal(u.status, 'active');
  assert.match(u.dateLastModified, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  assert.equal(typeof u.enabledUser, 'boolean');
  assert.equal(u.roles[0].roleType, 'primary');
  assert.equal(u.roles[0].org.sourcedId, ctx.school);
  assert.equal(u.roles[0].org.href, `${BASE}/orgs/${ctx.school}`);
  const sorted = await admin.get(`${BASE}/classes?sort=title&orderBy=desc&limit=1000`);
  const titles = sorted.body.classes.map((c) => c.title);
  assert.deepEqual(titles, [...titles].sort().reverse());
  for (const coll of ['orgs', 'academicSessions', 'courses', 'classes', 'enrollments', 'demographics']) {
    const r = await admin.get(`${BASE}/${coll}?limit=2`);
    assert.equal(r.status, 200, `${coll}: ${r.text}`);
    assert.ok(Array.isArray(r.body[coll]) && r.body[coll].length > 0, coll);
  }
  const one = await admin.get(`${BASE}/classes/${ctx.classIn}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.class.title, '高一（1）班');
  assert.equal(one.body.class.classType, 'homeroom');
  assert.equal(one.body.class.school.sourcedId, ctx.school);
  assert.equal(one.body.class.metadata.grade, '高一');
  const terms = (await admin.get(`${BASE}/academicSessions?filter=${encodeURIComponent("type='term'")}`)).body.academicSessions;
  assert.ok(terms.length >= 1 && terms.every((t) => t.parent.type === 'academicSession'));
});

test('REST: filters (= != ~ > AND OR), fields, and OneRoster errors for bad ones', async () => {
  const q = (coll, filter, more = '') => admin.get(`${BASE}/${coll}?filter=${encodeURIComponent(filter)}${more}`);
  const teachers = await q('users', "role='teacher'", '&limit=1000');
  assert.equal(teachers.status, 200, teachers.text);
  assert.ok(teachers.body.users.length > 10);
  assert.ok(teachers.body.users.every((u) => u.roles[0].role === 'teacher'));
  const liu = await q('users', "familyName='刘' AND role='teacher'", '&limit=1000');
  assert.ok(liu.body.users.length >= 1);
  assert.ok(liu.body.users.every((u) => u.familyName === '刘'));
  const either = await q('users', "role='teacher' OR role='guardian'", '&limit=1');
  const students = await q('users', "role!='student'", '&limit=1');
  assert.equal(either.headers.get('x-total-count'), students.headers.get('x-total-count'));
  const grade10 = await q('classes', "title~'高一'", '&limit=1000');
  assert.ok(grade10.body.classes.length > 3 && grade10.body.classes.every((c) => c.title.includes('高一')));
  const recent = await q('orgs', "dateLastModified>'2000-01-01T00:00:00Z'");
  assert.ok(recent.body.orgs.length >= 3);
  const future = await q('orgs', "dateLastModified>'2100-01-01'");
  assert.equal(future.body.orgs.length, 0);
  const quoted = await q('users', 'familyName="刘" AND role="teacher"', '&limit=1000');
  assert.equal(quoted.body.users.length, liu.body.users.length);
  const fields = await admin.get(`${BASE}/users?limit=3&fields=sourcedId,familyName`);
  assert.deepEqual(Object.keys(fields.body.users[0]).sort(), ['familyName', 'sourcedId']);
  const bad = async (r, minor) => {
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.imsx_codeMajor, 'failure');
    assert.equal(r.body.imsx_severity, 'error');
    assert.equal(r.body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue, minor);
    assert.match(r.body.imsx_description, /[\u4e00-\u9fff]/);
  };
  await bad(await q('users', "nosuch='x'"), 'invalid_filter_field');
  await bad(await q('users', "familyName='刘"), 'invalid_filter_field');
  await bad(await q('users', "familyName=刘"), 'invalid_filter_field');
  await bad(await q('users', "familyName='刘' XOR role='x'"), 'invalid_filter_field');
  await bad(await q('users', "dateLastModified>'yesterday'"), 'invalid_filter_field');
  await bad(await q('users', "givenName='芳'"), 'invalid_filter_field'); // masked: not without unmask
  await bad(await admin.get(`${BASE}/users?fields=nosuch`), 'invalid_selection_field');
  await bad(await admin.get(`${BASE}/users?sort=nosuch`), 'invalid_sort_field');
  await bad(await admin.get(`${BASE}/users?limit=1001`), 'invaliddata');
  await bad(await admin.get(`${BASE}/users?offset=-1`), 'invaliddata');
  await bad(await admin.get(`${BASE}/users?color=red`), 'invaliddata');
});

test('REST: masked by default, unmasked with roster.unmask and a reason (audited)', async () => {
  const masked = await admin.get(`${BASE}/demographics?limit=5`);
  assert.ok(masked.body.demographics.every((d) => !d.birthDate || /^\d{4}-\*\*-\*\*$/.test(d.birthDate)));
  const users = await admin.get(`${BASE}/users?filter=${encodeURIComponent("role='student'")}&limit=5`);
  assert.ok(users.body.users.every((u) => u.givenName === '*' && !u.identifier));
  const reason = encodeURIComponent('核对学生名单');
  const clear = await admin.get(`${BASE}/demographics?limit=5&unmask_reason=${reason}`);
  assert.equal(clear.status, 200, clear.text);
  assert.ok(clear.body.demographics.some((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.birthDate)));
  const named = await admin.get(`${BASE}/users?filter=${encodeURIComponent("givenName='芳' AND familyName='刘'")}&unmask_reason=${reason}`);
  assert.equal(named.status, 200, named.text);
  assert.ok(named.body.users.some((u) => u.roles[0].role === 'teacher'));
  const students = await admin.get(`${BASE}/users?filter=${encodeURIComponent("role='student'")}&limit=5&unmask_reason=${reason}`);
  assert.ok(students.body.users.every((u) => u.givenName !== '*'));
  assert.ok(Number(sql(srv.db, "SELECT COUNT(*) FROM audit_log WHERE event = 'unmask' AND detail LIKE '%核对学生名单%'")) >= 3);
  const denied = await head.get(`${BASE}/users?unmask_reason=${reason}`);
  assert.equal(denied.status, 403);
  assert.equal(denied.body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue, 'forbidden');
  const short = await admin.get(`${BASE}/users?unmask_reason=x`);
  assert.equal(short.status, 400);
});

test('REST: scope — out-of-reach sourcedIds look missing; a teacher sees her class; API tokens work', async () => {
  const other = await admin.get(`${BASE}/classes/${ctx.classOtherSchool}`);
  assert.equal(other.status, 404, other.text);
  assert.equal(other.body.imsx_CodeMinor.imsx_codeMinorField[0].imsx_codeMinorFieldValue, 'unknownobject');
  const otherSchool = await admin.get(`${BASE}/orgs/${ctx.schoolOther}`);
  assert.equal(otherSchool.status, 404);
  assert.equal((await admin.get(`${BASE}/orgs/${ctx.school}`)).status, 200);
  assert.equal((await admin.get(`${BASE}/users/nosuch`)).status, 404);
  // the head teacher: her class's students and families, not the other classes'
  const mine = await head.get(`${BASE}/enrollments?filter=${encodeURIComponent("role='student'")}&limit=1000`);
  assert.ok(mine.body.enrollments.length > 10);
  assert.ok(mine.body.enrollments.every((e) => e.class.sourcedId === ctx.classIn));
  const schoolWide = await admin.get(`${BASE}/enrollments?filter=${encodeURIComponent("role='student'")}&limit=1`);
  assert.ok(Number(schoolWide.headers.get('x-total-count')) > mine.body.enrollments.length);
  // a city administrator reaches the other school
  assert.equal((await city.get(`${BASE}/classes/${ctx.classOtherSchool}`)).status, 200);
  // an API token of the school with roster.read
  const made = await admin.post('/api/v1/tokens', { name: '学习平台', org: ctx.school, permissions: ['roster.read'], expires_in_days: 30 });
  assert.equal(made.status, 201, made.text);
  const bearer = { authorization: `Bearer ${made.body.token}` };
  const viaToken = await call(`${srv.url}${BASE}/classes/${ctx.classIn}`, { headers: bearer });
  assert.equal(viaToken.status, 200, viaToken.text);
  assert.equal((await call(`${srv.url}${BASE}/classes/${ctx.classOtherSchool}`, { headers: bearer })).status, 404);
  const noToken = await call(`${srv.url}${BASE}/users`);
  assert.equal(noToken.status, 401);
});
