// portal.test.mjs — what the console and the phone portal read besides the admin
// API: the session's idle timeout and end in /auth/me (for the warning before an
// idle sign-out), a student's and a guardian's view of their own students
// (GET /api/v1/my/students), and the audit log's time window (from/to).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, assertError, demoAccounts, signIn, sql } from './harness.mjs';

let srv;
let accounts;
before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
});
after(async () => { await srv.stop(); });

test('/auth/me tells the session idle timeout (from the policy) and when it ends at the latest', async () => {
  const c = await signIn(srv.url, accounts.teacher);
  const me = await c.get('/api/v1/auth/me');
  assert.equal(me.body.session.idle_minutes, 15);
  const ends = Date.parse(me.body.session.expires_at);
  assert.ok(Math.abs(ends - (Date.now() + 12 * 3600000)) < 60000, me.body.session.expires_at);
  // a tightened policy shows at once (the policy cache is dropped on change)
  const sec = await signIn(srv.url, accounts.secadmin);
  assert.equal((await sec.put('/api/v1/security/policy', { idle_minutes: 5 })).status, 200);
  assert.equal((await c.get('/api/v1/auth/me')).body.session.idle_minutes, 5);
  assert.equal((await sec.put('/api/v1/security/policy', { idle_minutes: 15 })).status, 200);
  // an API token has no session
  const city = await signIn(srv.url, accounts.city_admin);
  const school = (await city.get('/api/v1/orgs?kind=school&limit=1')).body.items[0].id;
  const tok = await city.post('/api/v1/tokens', { name: '门户测试', org: school, permissions: ['org.read'] });
  const r = await call(`${srv.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${tok.body.token}` } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.session, undefined);
});

test('a student sees their own record; a guardian each student they guard, with class and head teacher', async () => {
  const s = await signIn(srv.url, accounts.student);
  const mine = await s.get('/api/v1/my/students');
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.items.length, 1);
  const self = mine.body.items[0];
  assert.equal(self.relation, 'self');
  assert.equal(self.name, s.me.account.name);
  assert.equal(self.class.name, accounts.student.scope);
  assert.equal(self.status_name, '在读');
  assert.match(self.student_number, /\*{4,}/, 'the 学籍号 is masked');
  assert.ok(self.head_teacher && /[\u4e00-\u9fff]/.test(self.head_teacher.name));
  assert.equal(self.id_number, undefined);
  const g = await signIn(srv.url, accounts.guardian);
  const kids = await g.get('/api/v1/my/students');
  assert.equal(kids.status, 200, kids.text);
  assert.ok(kids.body.items.length >= 1);
  const child = kids.body.items.find((k) => k.id === self.id);
  assert.ok(child, 'the demo guardian guards the demo student');
  assert.match(child.relation_name, /^(父亲|母亲|.+)$/);
  assert.notEqual(child.relation, 'self');
  assert.equal(child.class.id, self.class.id);
  assert.deepEqual(child.head_teacher, self.head_teacher);
  // the guardian link decides: without it the child is gone at once
  const person = sql(srv.db, "SELECT person_id FROM account WHERE login = 'guardian'");
  sql(srv.db, `UPDATE guardian_link SET is_guardian = 0 WHERE person_id = ${person}`);
  assert.deepEqual((await g.get('/api/v1/my/students')).body.items, []);
  sql(srv.db, `UPDATE guardian_link SET is_guardian = 1 WHERE person_id = ${person}`);
});

test('other roles cannot use the portal route; a body or unknown method is refused', async () => {
  for (const role of ['teacher', 'head_teacher', 'school_admin', 'sysadmin']) {
    assertError(await (await signIn(srv.url, accounts[role])).get('/api/v1/my/students'), 403, 'forbidden');
  }
  assertError(await call(`${srv.url}/api/v1/my/students`), 401, 'unauthenticated');
  const s = await signIn(srv.url, accounts.student);
  assert.equal((await s.post('/api/v1/my/students', {})).status, 405);
});

test('the audit log reads a time window; a malformed time is refused in Chinese', async () => {
  const a = await signIn(srv.url, accounts.auditadmin);
  const all = (await a.get('/api/v1/audit?limit=500')).body.items;
  assert.ok(all.length > 5);
  const mid = all[Math.floor(all.length / 2)].at;
  const late = (await a.get(`/api/v1/audit?limit=500&from=${mid}`)).body.items;
  assert.ok(late.length > 0 && late.every((e) => e.at >= mid));
  const early = (await a.get(`/api/v1/audit?limit=500&to=${mid}&event=${all[0].event}`)).body.items;
  assert.ok(early.length > 0 && early.every((e) => e.at < mid && e.event === all[0].event));
  assert.deepEqual((await a.get('/api/v1/audit?from=2099-01-01T00:00:00Z')).body.items, []);
  assertError(await a.get('/api/v1/audit?from=2026-02-30T00:00:00Z'), 400, 'invalid_time', 'from');
  assertError(await a.get('/api/v1/audit?to=yesterday'), 400, 'invalid_time', 'to');
  assertError(await a.get('/api/v1/audit?to=2026-13-01T00:00:00Z'), 400, 'invalid_time', 'to');
  // a date alone is the start of that day (UTC)
  assert.deepEqual((await a.get('/api/v1/audit?from=2099-01-01')).body.items, []);
  const read = (await a.get('/api/v1/audit?event=audit_read&from=2000-01-01T00:00:00Z')).body.items;
  assert.ok(read.some((e) => /from=2099-01-01/.test(e.detail || '')), 'the window is part of the audited read');
});
