// cli_and_backup.test.mjs — the command line: usage errors, a deterministic demo, a
// refusal of a schema newer than the program, graceful stop, an online backup taken
// under load that restores to an intact database matching its manifest, refusals
// of corrupt backups and of restores under a running server, and the audit chain
// catching a row edited behind the product's back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, call, cli, tmpdir, assertNoSanitizerReport, newDatabase, dbFile, dump, sql, usePostgres } from './harness.mjs';

const sqlite = (db, statement) => spawnSync('sqlite3', [db, statement], { encoding: 'utf8' });
// Backup and restore are built for SQLite only so far (PostgreSQL: pg_dump based, not done yet).
const sqliteOnly = usePostgres ? 'the SQLite file path (PostgreSQL: backup_pg.test.mjs)' : false;

test('usage errors exit 2 with a Chinese message', () => {
  const none = cli([]);
  assert.equal(none.status, 2);
  assert.match(none.stdout, /serve/);
  for (const args of [['nonsense'], ['serve'], ['serve', '--db', 'x', '--listen', 'nonsense'],
    ['demo', '--db', 'x', '--scale', 'huge'], ['serve', '--db'], ['backup', '--db', 'x'], ['verify', '--db', 'x'],
    ['serve', '--db', 'x', '--colour', 'red']]) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /[\u4e00-\u9fff]/, args.join(' '));
    assertNoSanitizerReport(r.stderr);
  }
  assert.match(cli(['version']).stdout, /^shushu 0\.1\.0/);
  assert.equal(cli(['help', 'serve']).status, 0);
});

test('demo is deterministic for a seed and refuses an existing database', async () => {
  const dir = tmpdir();
  const [dbA, dbB] = [await newDatabase(dir, 'a.db'), await newDatabase(dir, 'b.db')];
  for (const db of [dbA, dbB]) assert.equal(cli(['demo', '--db', db, '--seed', '7']).status, 0);
  const q = 'SELECT kind, name, school_code, region_code FROM org_unit ORDER BY id';
  const a = sql(dbA, q);
  assert.ok(a.split('\n').length > 700);
  assert.equal(sql(dbB, q), a);
  assert.match(a, /school\|[^|]*实验小学\|21\d{8}\|3707\d\d/);
  const again = cli(['demo', '--db', dbA]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, usePostgres ? /已有机构数据/ : /已存在/);
});

test('a database from a newer program is refused, unchanged', async () => {
  const dir = tmpdir();
  const db = await newDatabase(dir, 'new.db');
  assert.equal(cli(['migrate', '--create', '--db', db]).status, 0);
  sql(db, "INSERT INTO schema_migrations VALUES ('org', 99, 'from the future', 0)");
  const contents = () => (usePostgres ? dump(db) : fs.readFileSync(db));
  const before = contents();
  const r = cli(['serve', '--db', db, '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /99/);
  assert.match(r.stderr, /新/);
  assert.deepEqual(contents(), before);
});

test('serve without the key file refuses to start', async () => {
  const dir = tmpdir();
  const db = await newDatabase(dir, 'k.db');
  assert.equal(cli(['migrate', '--create', '--db', db]).status, 0);
  fs.renameSync(`${dbFile(db)}.key`, `${dbFile(db)}.key.moved`);
  const r = cli(['serve', '--db', db, '--listen', '127.0.0.1:0']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /密钥文件/);
});

test('backup under load restores to an intact copy that matches the manifest', { skip: sqliteOnly }, async () => {
  const s = await startServer();
  const load = fs.existsSync('/usr/bin/wrk')
    ? spawn('wrk', ['-t2', '-c16', '-d4s', `${s.url}/api/v1/codes/gb2260_region/items?limit=50`])
    : null;
  await new Promise((r) => setTimeout(r, 1000));
  const b1 = path.join(s.dir, 'b1.db');
  const r = cli(['backup', '--db', s.db, '--to', b1]);
  assert.equal(r.status, 0, r.stderr);
  if (load) await new Promise((resolve) => load.on('exit', resolve));
  const manifest = JSON.parse(fs.readFileSync(`${b1}.manifest.json`, 'utf8'));
  assert.equal(manifest.format, 'shushu-backup-1');
  assert.equal(manifest.bytes, fs.statSync(b1).size);
  assert.match(manifest.sha256, /^[0-9a-f]{64}$/);
  assert.ok(manifest.tables.org_unit > 700);
  assert.ok(manifest.tables.code_item > 4000);
  // restoring onto the running server's database is refused
  const busy = cli(['restore', '--from', b1, '--db', s.db]);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /正被运行中的/);
  // a copy elsewhere (with its key) restores and verifies
  const target = path.join(s.dir, 'restored.db');
  fs.copyFileSync(`${s.db}.key`, `${target}.key`);
  fs.chmodSync(`${target}.key`, 0o600);
  const rs = cli(['restore', '--from', b1, '--db', target]);
  assert.equal(rs.status, 0, rs.stderr);
  assert.equal(sqlite(target, 'PRAGMA integrity_check').stdout.trim(), 'ok');
  assert.equal(Number(sqlite(target, 'SELECT COUNT(*) FROM code_item').stdout), manifest.tables.code_item);
  assert.equal(Number(sqlite(target, 'SELECT COUNT(*) FROM org_unit').stdout), manifest.tables.org_unit);
  // the backup and the restore are in the audit logs, and the chains verify
  assert.match(sqlite(s.db, "SELECT event FROM audit_log WHERE event = 'backup'").stdout, /backup/);
  assert.match(sqlite(target, "SELECT event FROM audit_log ORDER BY id DESC LIMIT 1").stdout, /restore/);
  assert.equal(cli(['verify', 'audit', '--db', target]).status, 0);
  assert.equal(cli(['restore', '--verify-only', '--from', b1]).status, 0);
  // an existing backup file is never overwritten
  assert.equal(cli(['backup', '--db', s.db, '--to', b1]).status, 1);
  await s.stop();
});

test('a corrupted backup is refused and nothing is replaced', { skip: sqliteOnly }, () => {
  const dir = tmpdir();
  const db = path.join(dir, 'c.db');
  assert.equal(cli(['demo', '--db', db]).status, 0);
  const b = path.join(dir, 'c.bak');
  assert.equal(cli(['backup', '--db', db, '--to', b]).status, 0);
  const bytes = fs.readFileSync(b);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(b, bytes);
  const v = cli(['restore', '--verify-only', '--from', b]);
  assert.equal(v.status, 1);
  assert.match(v.stderr, /不符|完整性/);
  const before = fs.readFileSync(db);
  assert.equal(cli(['restore', '--from', b, '--db', db]).status, 1);
  assert.deepEqual(fs.readFileSync(db), before);
});

test('verify audit names the first entry edited behind the product', async () => {
  const dir = tmpdir();
  const db = await newDatabase(dir, 'v.db');
  assert.equal(cli(['demo', '--db', db]).status, 0);
  const entries = () => Number(cli(['verify', 'audit', '--db', db]).stdout.match(/完好：(\d+) 条/)[1]);
  const before = entries();
  // each backup is audited
  for (let i = 0; i < 3; i++) assert.equal(cli(['backup', '--db', db, '--to', path.join(dir, `b${i}`)]).status, 0);
  assert.equal(entries(), before + 3);
  // the store itself refuses
  assert.throws(() => sql(db, "UPDATE audit_log SET detail = 'x' WHERE id = 2"), /append-only/);
  // with the guard removed, as someone holding the file (or the database owner's password) could
  sql(db, `${usePostgres ? 'ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only'
    : 'DROP TRIGGER audit_log_no_update'}; UPDATE audit_log SET object = 'elsewhere' WHERE id = 3`);
  const r = cli(['verify', 'audit', '--db', db]);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /序号 3/);
});

test('SIGTERM stops the server cleanly and the access log has its lines', async () => {
  const s = await startServer();
  for (let i = 0; i < 5; i++) await call(`${s.url}/healthz`);
  await s.stop();
  const lines = fs.readFileSync(path.join(s.dir, 'access.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  const health = lines.filter((l) => l.route === '/healthz');
  assert.ok(health.length >= 5);
  assert.equal(health[0].status, 200);
  assert.ok(!lines.some((l) => JSON.stringify(l).includes('?')), 'no query strings in the access log');
});
