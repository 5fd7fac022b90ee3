// backup_pg.test.mjs — `shushu backup` / `restore` on PostgreSQL (SHUSHU_TEST_DB=postgres;
// skipped on SQLite): pg_dump in custom format with a manifest of SHA-256 and row counts
// per table, taken while a server runs; restore into an empty database verifies the
// manifest first and the row counts after; a non-empty target, a corrupted or
// manifest-less backup are refused with nothing changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, cli, demoAccounts, signIn, sql, newDatabase, dbFile, usePostgres, assertNoSanitizerReport } from './harness.mjs';

const skip = usePostgres ? false : 'PostgreSQL store only (SHUSHU_TEST_DB=postgres)';
let srv;
let backup;
let manifest;
// tables as Shushu counts them: a partitioned table once, its partitions not apart
const tablesOf = (db) => sql(db, "SELECT count(*) FROM pg_class WHERE relnamespace = current_schema()::regnamespace"
  + " AND relkind IN ('r', 'p') AND NOT relispartition");

before(async () => {
  if (skip) return;
  srv = await startServer();
  const city = await signIn(srv.url, demoAccounts(srv.db).city_admin);
  assert.ok([200, 201].includes((await city.post('/api/v1/persons', { name: '备份前新增' })).status));
  backup = path.join(srv.dir, 'city.dump');
  const r = cli(['backup', '--db', srv.db, '--to', backup]);
  assert.equal(r.status, 0, r.stderr);
  assertNoSanitizerReport(r.stderr);
  manifest = JSON.parse(fs.readFileSync(`${backup}.manifest.json`, 'utf8'));
});
after(async () => { if (srv) await srv.stop(); });

test('the manifest names the dump, its SHA-256 and size, schema versions and every table\'s rows', { skip }, () => {
  assert.equal(manifest.format, 'shushu-backup-1');
  assert.equal(manifest.store, 'postgres');
  assert.equal(manifest.file, 'city.dump');
  assert.equal(manifest.bytes, fs.statSync(backup).size);
  assert.equal(manifest.sha256, crypto.createHash('sha256').update(fs.readFileSync(backup)).digest('hex'));
  assert.equal(fs.readFileSync(backup).subarray(0, 5).toString(), 'PGDMP', 'pg_dump custom format');
  assert.ok(manifest.schema.roster >= 1);
  for (const t of ['org_unit', 'person', 'student', 'code_item', 'change_log', 'xapi_statement']) {
    assert.equal(manifest.tables[t], Number(sql(srv.db, `SELECT count(*) FROM ${t}`)), t);
  }
  assert.ok(manifest.tables.person > 1000);
  assert.equal(Number(tablesOf(srv.db)), Object.keys(manifest.tables).length);
  assert.ok(!Object.keys(manifest.tables).some((t) => /_y\d{4}m\d{2}$|_default$/.test(t)), 'partitions counted through their parent');
  // the backup is in the audit log; an existing backup file is never overwritten
  assert.equal(sql(srv.db, "SELECT event FROM audit_log ORDER BY id DESC LIMIT 1"), 'backup');
  const again = cli(['backup', '--db', srv.db, '--to', backup]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /已存在/);
});

test('restore into an empty database gives the same rows, a verifying audit chain and a working server', { skip }, async () => {
  const target = await newDatabase(srv.dir, 'restored.db');
  fs.copyFileSync(`${dbFile(srv.db)}.key`, `${dbFile(target)}.key`);
  const v = cli(['restore', '--verify-only', '--from', backup]);
  assert.equal(v.status, 0, v.stderr);
  const r = cli(['restore', '--from', backup, '--db', target]);
  assert.equal(r.status, 0, r.stderr);
  assertNoSanitizerReport(r.stderr);
  for (const [t, n] of Object.entries(manifest.tables)) {
    const have = Number(sql(target, `SELECT count(*) FROM ${t}`));
    assert.equal(t === 'audit_log' ? have - 1 : have, n, t); // the restore is audited in the restored database
  }
  assert.equal(sql(target, "SELECT event FROM audit_log ORDER BY id DESC LIMIT 1"), 'restore');
  assert.equal(cli(['verify', 'audit', '--db', target]).status, 0);
  assert.equal(sql(target, "SELECT count(*) FROM person WHERE name = '备份前新增'"), '1');
  const copy = await startServer({ dir: srv.dir, db: target, extraArgs: ['--access-log', 'off'] });
  try {
    const head = demoAccounts(srv.db).head_teacher;
    const a = await signIn(srv.url, head);
    const b = await signIn(copy.url, head);
    const cls = a.me.roles.find((x) => x.role === 'head_teacher').org.id;
    assert.deepEqual((await b.get(`/api/v1/class-rosters/${cls}`)).body, (await a.get(`/api/v1/class-rosters/${cls}`)).body);
  } finally {
    await copy.stop();
  }
});

test('a non-empty target, a corrupted backup and a missing manifest are refused, nothing changed', { skip }, async () => {
  const busy = cli(['restore', '--from', backup, '--db', srv.db]);
  assert.equal(busy.status, 1);
  assert.match(busy.stderr, /目标数据库已有 \d+ 张表/);
  const empty = await newDatabase(srv.dir, 'empty.db');
  fs.copyFileSync(`${dbFile(srv.db)}.key`, `${dbFile(empty)}.key`);
  const bad = path.join(srv.dir, 'bad.dump');
  const bytes = fs.readFileSync(backup);
  bytes[bytes.length >> 1] ^= 0xff;
  fs.writeFileSync(bad, bytes);
  fs.copyFileSync(`${backup}.manifest.json`, `${bad}.manifest.json`);
  for (const args of [['--verify-only'], ['--db', empty]]) {
    const r = cli(['restore', '--from', bad, ...args]);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /不符/);
  }
  // a truncated archive with a manifest that matches it: pg_restore cannot read it
  const cut = path.join(srv.dir, 'cut.dump');
  fs.writeFileSync(cut, fs.readFileSync(backup).subarray(0, 4096));
  const m = { ...manifest, file: 'cut.dump', bytes: 4096, sha256: crypto.createHash('sha256').update(fs.readFileSync(cut)).digest('hex') };
  fs.writeFileSync(`${cut}.manifest.json`, JSON.stringify(m));
  const truncated = cli(['restore', '--from', cut, '--db', empty]);
  assert.equal(truncated.status, 1);
  assert.match(truncated.stderr, /pg_restore/);
  fs.unlinkSync(`${cut}.manifest.json`);
  const bare = cli(['restore', '--from', cut, '--db', empty]);
  assert.equal(bare.status, 1);
  assert.match(bare.stderr, /找不到或无法读取备份清单/);
  assert.equal(tablesOf(empty), '0');
  for (const r of [busy, truncated, bare]) assertNoSanitizerReport(r.stderr);
});
