// postgres.test.mjs — what only the PostgreSQL store has to show (SHUSHU_TEST_DB=postgres;
// skipped on SQLite): two server processes on one database see each other's writes,
// kept replies included; sessions cut behind the server's back are reopened; a
// missing or unreachable database is refused with a clear Chinese message.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, cli, demoAccounts, signIn, sql, usePostgres, assertNoSanitizerReport, httpFetch } from './harness.mjs';

const skip = usePostgres ? false : 'PostgreSQL store only (SHUSHU_TEST_DB=postgres)';
let a;
let b;
before(async () => {
  if (skip) return;
  a = await startServer();
  b = await startServer({ dir: a.dir, extraArgs: ['--access-log', 'off'] }); // the same database
});
after(async () => {
  if (skip) return;
  await b.stop();
  await a.stop();
});

test('two servers on one database: a rename through one is seen by the other, kept reply included', { skip }, async () => {
  const accounts = demoAccounts(a.db);
  const viaA = await signIn(a.url, accounts.city_admin);
  const viaB = await signIn(b.url, accounts.city_admin);
  const school = (await viaA.get('/api/v1/orgs?kind=school&limit=1')).body.items[0];
  for (let i = 0; i < 2; i++) assert.equal((await viaA.get(`/api/v1/orgs/${school.id}`)).body.name, school.name);
  const renamed = await viaB.patch(`/api/v1/orgs/${school.id}`, { name: `${school.name}（更名）` });
  assert.equal(renamed.status, 200, renamed.text);
  await new Promise((r) => setTimeout(r, 250)); // the store's watch interval is 100 ms
  assert.equal((await viaA.get(`/api/v1/orgs/${school.id}`)).body.name, `${school.name}（更名）`);
  // and the session made on A is valid on B: sessions live in the store
  const cross = await signIn(a.url, accounts.school_admin);
  const me = await httpFetch(`${b.url}/api/v1/auth/me`, { headers: { cookie: cross.cookie } });
  assert.equal(me.status, 200);
  assert.equal((await viaB.patch(`/api/v1/orgs/${school.id}`, { name: school.name })).status, 200);
});

test('sessions ended behind the servers\' backs are opened again; nothing is lost', { skip }, async () => {
  const head = await signIn(a.url, demoAccounts(a.db).head_teacher);
  const cls = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
  const before = await head.get(`/api/v1/class-rosters/${cls}`);
  assert.equal(before.status, 200, before.text);
  const cut = sql(a.db, 'SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity'
    + " WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'shushu'");
  assert.ok(Number(cut) >= 1, `terminated ${cut}`);
  for (const srv of [a, b]) {
    const r = await httpFetch(`${srv.url}/api/v1/class-rosters/${cls}`, { headers: { cookie: head.cookie } });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    assert.deepEqual(JSON.parse(text).items.map((s) => s.id), before.body.items.map((s) => s.id));
    // a list is never kept: it runs statements on the reopened connections
    const list = await httpFetch(`${srv.url}/api/v1/enrollments?limit=3`, { headers: { cookie: head.cookie } });
    assert.equal(list.status, 200, await list.clone().text());
    assert.equal((await list.json()).items.length, 3);
  }
  const health = await (await httpFetch(`${a.url}/healthz`)).json();
  assert.equal(health.store, 'postgres');
});

test('a missing database or an unreachable server is refused with a Chinese message', { skip }, () => {
  const keys = ['--keys', `${a.dir}/shushu.db.key`];
  const missing = cli(['migrate', '--db', a.db.replace(/\/[^/]+$/, '/no_such_database'), ...keys]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /数据库不存在/);
  const closed = cli(['serve', '--db', 'postgres://postgres@127.0.0.1:1/x?connect_timeout=2', ...keys]);
  assert.equal(closed.status, 1);
  assert.match(closed.stderr, /无法连接 PostgreSQL/);
  for (const r of [missing, closed]) assertNoSanitizerReport(r.stderr);
});
