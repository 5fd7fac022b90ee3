// xapi_shutdown.test.mjs — a statement still waiting in the group committer when
// the server is told to stop (SIGTERM) is written and answered before the server
// goes, even past the shutdown grace: the server stops the modules (which
// finishes the committer's queue and resumes the waiting requests) before it
// closes their connections. Without that, the daemon freed a waiting request
// under the committer (a use-after-free the sanitizer build reports).
//
// The committer is held back by an outside writer holding SQLite's write lock;
// the grace is shortened (SHUSHU_SHUTDOWN_GRACE_MS, read by `shushu serve`) so
// the wait outlasts it. SQLite only: the lock is the file's.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';

process.env.SHUSHU_SHUTDOWN_GRACE_MS = '300';
const { startServer, call, demoAccounts, signIn, sql, usePostgres, assertNoSanitizerReport } = await import('./harness.mjs');

let srv;
after(async () => { if (srv && srv.proc.exitCode === null) srv.proc.kill('SIGKILL'); });

test('a statement waiting for its commit at SIGTERM is stored and answered; clean exit', { skip: usePostgres }, async () => {
  srv = await startServer();
  const city = await signIn(srv.url, demoAccounts(srv.db).city_admin);
  const school = (await city.get('/api/v1/orgs?kind=school&limit=1')).body.items[0].id;
  const made = await city.post('/api/v1/xapi/clients', { name: '停机测试', org: school, read: true, write: true, external_agents: true });
  assert.equal(made.status, 201, made.text);
  const auth = `Basic ${Buffer.from(`${made.body.key}:${made.body.secret}`).toString('base64')}`;

  // an outside writer takes the write lock and keeps it
  const holder = spawn('sqlite3', [srv.db], { stdio: ['pipe', 'pipe', 'pipe'] });
  let held = '';
  holder.stdout.on('data', (d) => { held += d; });
  holder.stdin.write(".timeout 5000\nBEGIN IMMEDIATE;\nSELECT 'locked';\n");
  for (let i = 0; i < 100 && !held.includes('locked'); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(held, /locked/, 'the outside writer holds the lock');

  const id = crypto.randomUUID();
  const statement = {
    id,
    actor: { mbox: 'mailto:shutdown@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: 'http://example.org/shutdown' },
  };
  const posted = call(`${srv.url}/xapi/statements`, {
    method: 'POST',
    headers: { authorization: auth, 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' },
    body: JSON.stringify(statement),
  });
  await new Promise((r) => setTimeout(r, 300)); // the statement reaches the committer, which waits for the lock
  const exited = new Promise((resolve) => srv.proc.on('exit', (code) => resolve(code)));
  srv.proc.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1200)); // well past the 300 ms grace
  holder.stdin.end('COMMIT;\n');

  const r = await posted;
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.body, [id]);
  assert.equal(await exited, 0, srv.stderr);
  assertNoSanitizerReport(srv.stderr);
  assert.equal(sql(srv.db, `SELECT count(*) FROM xapi_statement WHERE statement_id = '${id}'`), '1');
});
