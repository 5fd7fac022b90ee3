// migrate_data.test.mjs — `shushu migrate-data` (SHUSHU_TEST_DB=postgres; skipped on
// SQLite): a demo city made on SQLite, used a little (an xAPI client and statements,
// a new student, sign-ins), moved to a fresh PostgreSQL database, then served from
// both stores at once: the same signed-in users get identical answers to a list of
// representative GETs. Also: the verification table, a non-empty target refused
// (and --force), a missing, hostile or wrongly keyed source refused with nothing changed;
// rows of an older month land in that month's partition of the target.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  startServer, cli, demoAccounts, signIn, session, call, sql, tmpdir, newDatabase, dbFile, usePostgres, root,
  assertNoSanitizerReport,
} from './harness.mjs';

const skip = usePostgres ? false : 'PostgreSQL store only (SHUSHU_TEST_DB=postgres)';
let dir;
let source; // SQLite file
let target; // PostgreSQL URL
let migrated; // the command's result
const ctx = {};

function basic(c) { return `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`; }

before(async () => {
  if (skip) return;
  dir = tmpdir();
  source = path.join(dir, 'source.db');
  const made = cli(['demo', '--db', source]);
  assert.equal(made.status, 0, made.stderr);
  // use the city a little on SQLite: sign-ins (sessions), a student, an xAPI client and statements
  const srv = await startServer({ dir, db: source });
  const accounts = demoAccounts(source);
  const city = await signIn(srv.url, accounts.city_admin);
  const auditor = await signIn(srv.url, accounts.auditadmin);
  const head = await signIn(srv.url, accounts.head_teacher);
  ctx.sessions = { city, auditor, head };
  ctx.cls = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
  const orgPath = (await city.get(`/api/v1/orgs/${ctx.cls}/path`)).body.items;
  ctx.school = orgPath.find((o) => o.kind === 'school').id;
  const person = await city.post('/api/v1/persons', { name: '迁移测试生' });
  assert.ok([200, 201].includes(person.status), person.text);
  const student = await city.post('/api/v1/students', {
    school: ctx.school, person: person.body.person ?? person.body.id, name: '迁移测试生', status: '01',
  });
  assert.equal(student.status, 201, student.text);
  ctx.student = student.body.id;
  const client = await city.post('/api/v1/xapi/clients', { name: '迁移测试平台', org: ctx.school, read: true, write: true, external_agents: true });
  assert.equal(client.status, 201, client.text);
  ctx.client = client.body;
  const statements = Array.from({ length: 5 }, (_, i) => ({
    id: crypto.randomUUID(),
    actor: { objectType: 'Agent', mbox: `mailto:learner${i}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/completed', display: { 'zh-CN': '完成' } },
    object: { objectType: 'Activity', id: `http://example.org/activities/${i}` },
    result: { score: { scaled: 0.1 * i + 0.05 }, success: i % 2 === 0 },
  }));
  const posted = await call(`${srv.url}/xapi/statements`, {
    method: 'POST', body: JSON.stringify(statements),
    headers: { authorization: basic(ctx.client), 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' },
  });
  assert.equal(posted.status, 200, posted.text);
  await srv.stop();
  // values the bulk copy must carry exactly (the checksums compare them): text with a tab,
  // a newline, a carriage return and backslashes, and doubles to their last digit
  sql(source, "UPDATE xapi_client SET name = '迁移' || char(9) || '测试' || char(10) || '平台' || char(13) || '\\N\\x00\\' WHERE name = '迁移测试平台'");
  sql(source, `INSERT INTO mastery_param (uid, point_id, prior, learn, forget, guess, slip, responses, log_likelihood,
    fitted_at, version, created_at, updated_at) SELECT 'copy-probe', MIN(id), 0.1 + 0.2, 1e-300, 0, 0.2, 0.1, 3,
    -1234.5678901234567, 1, 1, 1, 1 FROM kg_point`);
  // changes of an older month (2025-03-03): on PostgreSQL they get that month's partition
  sql(source, 'UPDATE change_log SET at = 1741000000000 WHERE version <= 20');
  target = await newDatabase(dir, 'target.db');
  migrated = cli(['migrate-data', '--from', source, '--to', target, '--keys', `${dbFile(target)}.key`]);
});

after(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('migrate-data copies every table and prints matching counts and checksums', { skip }, () => {
  assert.equal(migrated.status, 0, migrated.stderr);
  assertNoSanitizerReport(migrated.stderr);
  const rows = migrated.stdout.split('\n').filter((l) => /^[a-z_]+\s+\d+\s+\d+\s/.test(l)).map((l) => l.split(/\s+/));
  const tables = sql(source, "SELECT name FROM sqlite_schema WHERE type='table' AND name NOT LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name").split('\n');
  assert.deepEqual(rows.map((r) => r[0]).sort(), tables);
  for (const [name, srcRows, dstRows, srcSum, dstSum, verdict] of rows) {
    assert.equal(srcRows, dstRows, name);
    assert.equal(srcSum, dstSum, name);
    assert.equal(verdict, '一致', name);
    assert.equal(srcRows, sql(source, `SELECT count(*) FROM ${name}`), `${name}: the source's own count`);
  }
  assert.match(migrated.stdout, /迁移完成.*逐表校验一致/);
  // the keys came along: the target's key file is the source's, and the audit chain verifies there
  assert.equal(fs.readFileSync(`${dbFile(target)}.key`, 'utf8'), fs.readFileSync(`${source}.key`, 'utf8'));
  assert.equal((fs.statSync(`${dbFile(target)}.key`).mode & 0o777), 0o600);
  const audit = cli(['verify', 'audit', '--db', target]);
  assert.equal(audit.status, 0, audit.stderr);
  // the xAPI statements and the new student are there, counted the same
  assert.ok(Number(sql(source, 'SELECT count(*) FROM xapi_statement')) >= 5);
  assert.equal(sql(target, 'SELECT count(*) FROM xapi_statement'), sql(source, 'SELECT count(*) FROM xapi_statement'));
  assert.equal(sql(target, 'SELECT count(*) FROM student'), sql(source, 'SELECT count(*) FROM student'));
  // the escaped text and the doubles arrived as they were (besides the checksums above)
  const probe = "SELECT length(name), instr(name, char(9)), instr(name, char(10)), instr(name, char(13)) FROM xapi_client WHERE name LIKE '迁移%'";
  assert.equal(sql(target, probe.replace(/instr\(name, (char\(\d+\))\)/g, 'strpos(name, $1)').replace(/char\(/g, 'chr(')), sql(source, probe));
  assert.equal(sql(source, probe), '16|3|6|9');
  assert.equal(sql(target, "SELECT prior = 0.1::float8 + 0.2::float8, learn = 1e-300::float8, log_likelihood = -1234.5678901234567::float8 FROM mastery_param WHERE uid = 'copy-probe'"), '1|1|1');
  // the partitioned tables are counted once, through their parent; the old month has its partition
  assert.equal(sql(target, 'SELECT count(*) FROM change_log_y2025m03'), '20');
  assert.equal(sql(target, 'SELECT count(*) FROM change_log_default'), '0');
  assert.ok(!rows.some((r) => /_y\d{4}m\d{2}$|_default$/.test(r[0])), 'no partition listed as a table');
});

test('the same signed-in users get identical answers from the SQLite and the PostgreSQL server', { skip }, async () => {
  assert.equal(migrated.status, 0, migrated.stderr);
  const a = await startServer({ dir, db: source, extraArgs: ['--access-log', 'off'] });
  const b = await startServer({ dir, db: target, extraArgs: ['--access-log', 'off'] });
  try {
    const { city, auditor, head } = ctx.sessions;
    // sessions live in the store: the ones opened before the move are valid on both servers
    const as = (s, url) => session(url, s.cookie, s.csrf);
    const students = (await as(city, a.url).get(`/api/v1/students?school=${ctx.school}&limit=20`)).body;
    const gets = [
      [city, '/api/v1/orgs?kind=district'],
      [city, `/api/v1/orgs?parent=${ctx.school}`],
      [city, `/api/v1/orgs/${ctx.school}`],
      [city, `/api/v1/orgs/${ctx.cls}/path`],
      [head, `/api/v1/class-rosters/${ctx.cls}`],
      [city, `/api/v1/students?school=${ctx.school}&limit=20`],
      [city, `/api/v1/students?school=${ctx.school}&limit=20&cursor=${encodeURIComponent(students.next_cursor)}`],
      [city, `/api/v1/students/${ctx.student}`],
      [city, `/api/v1/students/${students.items[3].id}`],
      [city, `/api/v1/staff?school=${ctx.school}&limit=10`],
      [city, `/api/v1/guardians?limit=10`],
      [city, `/api/v1/enrollments?limit=10`],
      [city, `/api/v1/teaching-assignments?limit=10`],
      [city, '/api/v1/terms'],
      [city, '/api/v1/changes?since=0&limit=50'],
      [city, '/api/v1/changes?since=5000&limit=50'],
      [city, `/api/v1/xapi/clients?org=${ctx.school}`],
      [auditor, '/api/v1/audit?event=login&limit=50'],
      [auditor, '/api/v1/audit?event=demo_created'],
    ];
    assert.ok(students.next_cursor, 'the students list pages');
    for (const [s, p] of gets) {
      const ra = await as(s, a.url).get(p);
      const rb = await as(s, b.url).get(p);
      assert.equal(ra.status, 200, `${p}: ${ra.text}`);
      assert.equal(rb.status, 200, `${p}: ${rb.text}`);
      assert.deepEqual(rb.body, ra.body, p);
      assert.ok(JSON.stringify(ra.body).length > 20, `${p} says something`);
    }
    // xAPI statements, as the client that wrote them (the X-Experience-API-Consistent-Through
    // header is the moment of the request: per server by nature, not compared)
    for (const q of ['', '?limit=2', `?verb=${encodeURIComponent('http://adlnet.gov/expapi/verbs/completed')}`]) {
      const read = (url) => call(`${url}/xapi/statements${q}`, {
        headers: { authorization: basic(ctx.client), 'x-experience-api-version': '1.0.3' },
      });
      const [ra, rb] = [await read(a.url), await read(b.url)];
      assert.equal(ra.status, 200, ra.text);
      assert.deepEqual(rb.body, ra.body, `statements${q}`);
      if (!q) assert.ok(ra.body.statements.length >= 5, ra.text);
    }
    // a password sign-in works on the target (hashes came along); a write there continues the sequences
    const teacher = await signIn(b.url, demoAccounts(source).teacher);
    assert.equal(teacher.me.login ?? teacher.me.account?.login ?? demoAccounts(source).teacher.login, demoAccounts(source).teacher.login);
    const before = Number(sql(target, 'SELECT max(version) FROM change_log'));
    const p = await as(city, b.url).post('/api/v1/persons', { name: '迁移后新生' });
    assert.ok([200, 201].includes(p.status), p.text);
    assert.ok(Number(sql(target, 'SELECT max(version) FROM change_log')) > before);
  } finally {
    await b.stop();
    await a.stop();
  }
});

test('a non-empty target is refused and left as it was; --force replaces it', { skip }, async () => {
  assert.equal(migrated.status, 0, migrated.stderr);
  const keys = `${dbFile(target)}.key`;
  const before = sql(target, 'SELECT count(*) FROM person');
  const again = cli(['migrate-data', '--from', source, '--to', target, '--keys', keys]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /目标数据库已有数据.*--force/);
  assert.match(again.stderr, /目标状态：目标未改动/);
  assert.equal(sql(target, 'SELECT count(*) FROM person'), before);
  // another key file at the target's key path is never overwritten
  const otherKeys = path.join(dir, 'other.key');
  fs.writeFileSync(otherKeys, `${'ab'.repeat(32)}\n`, { mode: 0o600 });
  const wrongKey = cli(['migrate-data', '--from', source, '--to', target, '--keys', otherKeys, '--force']);
  assert.equal(wrongKey.status, 1);
  assert.match(wrongKey.stderr, /密钥不同/);
  assert.equal(fs.readFileSync(otherKeys, 'utf8'), `${'ab'.repeat(32)}\n`);
  const forced = cli(['migrate-data', '--from', source, '--to', target, '--keys', keys, '--force']);
  assert.equal(forced.status, 0, forced.stderr);
  assert.match(forced.stdout, /已覆盖原有数据/);
  assert.equal(sql(target, 'SELECT count(*) FROM person'), sql(source, 'SELECT count(*) FROM person'));
  for (const r of [again, wrongKey, forced]) assertNoSanitizerReport(r.stderr);
});

test('a missing, hostile or wrongly keyed source is refused and the target stays empty', { skip }, async () => {
  const empty = await newDatabase(dir, 'empty.db');
  const keys = `${dbFile(empty)}.key`;
  const tables = () => sql(empty, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()");
  const missing = cli(['migrate-data', '--from', path.join(dir, 'nope.db'), '--to', empty, '--keys', keys]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /源数据库文件 .* 不存在/);
  const hostile = path.join(dir, 'hostile.db');
  fs.writeFileSync(hostile, Buffer.concat([Buffer.from('SQLite format 3\0'), crypto.randomBytes(8192)]));
  fs.copyFileSync(`${source}.key`, `${hostile}.key`);
  const bad = cli(['migrate-data', '--from', hostile, '--to', empty, '--keys', keys]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /迁移失败：.*[\u4e00-\u9fff]/);
  const wrongKey = path.join(dir, 'wrong.key');
  fs.writeFileSync(wrongKey, `${'cd'.repeat(32)}\n`, { mode: 0o600 });
  const badKey = cli(['migrate-data', '--from', source, '--from-keys', wrongKey, '--to', empty, '--keys', keys]);
  assert.equal(badKey.status, 1);
  assert.match(badKey.stderr, /审计链.*密钥文件 .* 与源数据库不符/);
  const keyless = path.join(dir, 'keyless.db');
  fs.copyFileSync(source, keyless);
  const noKey = cli(['migrate-data', '--from', keyless, '--to', empty, '--keys', keys]);
  assert.equal(noKey.status, 1);
  assert.match(noKey.stderr, /找不到源数据库的密钥文件/);
  const usage = cli(['migrate-data', '--from', source, '--to', path.join(dir, 'x.db'), '--keys', keys]);
  assert.equal(usage.status, 2);
  assert.match(usage.stderr, /--to 应为 postgres:\/\/ 地址/);
  assert.equal(tables(), '0', 'nothing was created on the target');
  assert.equal(fs.existsSync(keys), false, 'no key file was written');
  for (const r of [missing, bad, badKey, noKey, usage]) assertNoSanitizerReport(r.stderr);
});

test('step 1 of scripts/citus_distribute.sql (keys with school_id) applies to a migrated city', { skip }, async () => {
  const db = await newDatabase(dir, 'citus.db');
  const r = cli(['migrate-data', '--from', source, '--to', db, '--keys', `${dbFile(db)}.key`]);
  assert.equal(r.status, 0, r.stderr);
  const script = fs.readFileSync(path.join(root, 'scripts/citus_distribute.sql'), 'utf8');
  const step1 = script.slice(script.indexOf('-- 1.'), script.indexOf('-- 2.'));
  sql(db, step1);
  const keys = sql(db, "SELECT conrelid::regclass || '|' || pg_get_constraintdef(oid) FROM pg_constraint"
    + " WHERE contype = 'p' AND conrelid::regclass::text IN ('student', 'enrollment', 'flow_decision') ORDER BY 1");
  assert.deepEqual(keys.split('\n').map((l) => l.split('|')[1]), Array(3).fill('PRIMARY KEY (school_id, id)'));
  assert.equal(sql(db, 'SELECT count(*) FROM enrollment'), sql(source, 'SELECT count(*) FROM enrollment'));
});
