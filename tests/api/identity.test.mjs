// identity.test.mjs — sign-in, sessions, second factor, roles and scope against a
// real server on a demo database: each SEC rule of rules.md §2 that the identity
// module enforces has a test here that fails when the rule is broken.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, assertError, demoAccounts, signIn, session, totp, sql, freshStep } from './harness.mjs';

let srv;
let accounts;
const json = { 'content-type': 'application/json' };

before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
});
after(async () => { await srv.stop(); });

// Longer than the server keeps a signed-in caller in memory (SH_PRINCIPAL_CACHE_MS).
const pause = () => new Promise((r) => setTimeout(r, 1100));

async function login(loginName, password) {
  return call(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: JSON.stringify({ login: loginName, password }) });
}

test('the demo CSV lists one account per built-in role with its scope', () => {
  const roles = Object.keys(accounts).sort();
  assert.deepEqual(roles, ['auditadmin', 'city_admin', 'district_admin', 'guardian', 'head_teacher', 'researcher',
    'school_admin', 'secadmin', 'student', 'sysadmin', 'teacher']);
  assert.equal(accounts.city_admin.scope, '示范市');
  assert.match(accounts.head_teacher.scope, /（1）班$/);
  assert.match(accounts.sysadmin.totp_secret, /^[A-Z2-7]{32}$/);
  assert.equal(accounts.teacher.totp_secret, '');
});

test('a teacher signs in with password only; the session cookie is HttpOnly and SameSite', async () => {
  const r = await login(accounts.teacher.login, accounts.teacher.password);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.stage, 'active');
  assert.equal(r.body.demo, true);
  assert.deepEqual(r.body.roles.map((x) => x.role), ['teacher', 'teacher']);
  const cookie = r.headers.get('set-cookie');
  assert.match(cookie, /^shushu_session=[A-Za-z0-9_-]{43};/);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  assert.doesNotMatch(cookie, /Secure/);
  const me = await session(srv.url, cookie.split(';')[0]).get('/api/v1/auth/me');
  assert.equal(me.body.account.login, 'teacher');
  // behind a TLS proxy the cookie is Secure
  const tls = await call(`${srv.url}/api/v1/auth/login`, {
    method: 'POST', headers: { ...json, 'x-forwarded-proto': 'https' },
    body: JSON.stringify({ login: accounts.student.login, password: accounts.student.password }),
  });
  assert.match(tls.headers.get('set-cookie'), /; Secure/);
});

test('wrong password and unknown login answer alike; malformed sign-in is refused', async () => {
  assertError(await login(accounts.researcher.login, 'Wrong#Pass123'), 401, 'invalid_credentials');
  assertError(await login('nobody.here', 'Wrong#Pass123'), 401, 'invalid_credentials');
  assertError(await call(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: '{"login": 5}' }), 400, 'required');
  assertError(await call(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: json, body: '{"login":' }), 400, 'invalid_json');
  assertError(await login('x'.repeat(5000), 'y'), 401, 'invalid_credentials');
  assertError(await call(`${srv.url}/api/v1/auth/login`, { method: 'POST', body: 'login=a' }), 415, 'unsupported_media_type');
});

test('SEC-04: five failures lock the account for 30 minutes, each failure and the lock audited', async () => {
  const acct = accounts.guardian;
  for (let i = 1; i <= 4; i++) assertError(await login(acct.login, `Wrong#Pass${i}x`), 401, 'invalid_credentials');
  const fifth = await login(acct.login, 'Wrong#Pass5x');
  assertError(fifth, 423, 'account_locked');
  assert.match(fifth.body.error.message, /30 分钟/);
  // the right password does not help while locked
  assertError(await login(acct.login, acct.password), 423, 'account_locked');
  const auditor = await signIn(srv.url, accounts.auditadmin);
  const failed = await auditor.get(`/api/v1/audit?event=login_failed&actor=${acct.login}&limit=50`);
  assert.equal(failed.status, 200, failed.text);
  assert.equal(failed.body.items.length, 6); // 5 wrong passwords + the attempt while locked
  assert.ok(failed.body.items.every((e) => e.result === 'failure' && e.ip === '127.0.0.1'));
  const lock = await auditor.get(`/api/v1/audit?event=lock&actor=${acct.login}`);
  assert.equal(lock.body.items.length, 1);
  // the security administrator unlocks; then the password works
  const sec = await signIn(srv.url, accounts.secadmin);
  const list = await sec.get(`/api/v1/accounts?login=${acct.login}`);
  const unlocked = await sec.post(`/api/v1/accounts/${list.body.items[0].id}/unlock`);
  assert.equal(unlocked.status, 200, unlocked.text);
  assert.equal((await login(acct.login, acct.password)).status, 200);
  const unlockAudit = await auditor.get('/api/v1/audit?event=unlock');
  assert.equal(unlockAudit.body.items[0].actor, 'secadmin');
  assert.equal(unlockAudit.body.items[0].role, 'secadmin');
});

test('SEC-06: an administrator needs the second factor; password alone reaches nothing', async () => {
  const acct = accounts.district_admin;
  const r = await login(acct.login, acct.password);
  assert.equal(r.body.stage, 'mfa');
  const half = session(srv.url, r.headers.get('set-cookie').split(';')[0], r.body.csrf_token);
  assertError(await half.get('/api/v1/orgs'), 403, 'mfa_required');
  assertError(await half.get('/api/v1/accounts'), 403, 'mfa_required');
  assertError(await half.post('/api/v1/auth/mfa/verify', { code: '000000' }), 401, 'wrong_code');
  assertError(await half.post('/api/v1/auth/mfa/verify', { code: '12ab56' }), 400, 'invalid_code');
  const code = totp(acct.totp_secret, await freshStep(acct.login));
  const ok = await half.post('/api/v1/auth/mfa/verify', { code });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.stage, 'active');
  assert.equal((await half.get('/api/v1/orgs?limit=1')).status, 200);
  // the same code cannot be used again (replay), not even in another session
  const again = await login(acct.login, acct.password);
  const other = session(srv.url, again.headers.get('set-cookie').split(';')[0], again.body.csrf_token);
  assertError(await other.post('/api/v1/auth/mfa/verify', { code }), 401, 'code_reused');
});

test('SEC-06: an administrator without a factor must enrol; recovery codes work once', async () => {
  const sys = await signIn(srv.url, accounts.sysadmin);
  const created = await sys.post('/api/v1/accounts', { name: '钱主任', login: 'Qian.Admin', org: (await sys.get('/api/v1/orgs?kind=city')).body.items[0].id });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.body.must_change_password, true);
  const initial = created.body.initial_password;
  const sec = await signIn(srv.url, accounts.secadmin);
  const city = (await sec.get('/api/v1/orgs?kind=city')).body.items[0].id;
  const granted = await sec.post('/api/v1/role-assignments', { account: created.body.id, role: 'city_admin', org: city });
  assert.equal(granted.status, 201, granted.text);
  // first sign-in: enrol the factor, then change the initial password
  const r = await login('qian.admin', initial);
  assert.equal(r.body.stage, 'mfa_enrol');
  const c = session(srv.url, r.headers.get('set-cookie').split(';')[0], r.body.csrf_token);
  assertError(await c.get('/api/v1/orgs'), 403, 'mfa_enrolment_required');
  const begin = await c.post('/api/v1/auth/mfa/totp');
  assert.equal(begin.status, 200, begin.text);
  assert.match(begin.body.otpauth_uri, /^otpauth:\/\/totp\/.*secret=[A-Z2-7]{32}/);
  const done = await c.post('/api/v1/auth/mfa/totp/confirm', { code: totp(begin.body.secret) });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.body.recovery_codes.length, 10);
  assert.equal(done.body.stage, 'password');
  assertError(await c.get('/api/v1/orgs'), 403, 'password_change_required');
  const changed = await c.post('/api/v1/auth/password', { current_password: initial, new_password: 'Qian#Strong2026' });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.body.stage, 'active');
  // a recovery code stands in for the phone, once
  const rc = done.body.recovery_codes[0];
  for (const expected of [200, 401]) {
    const again = await login('qian.admin', 'Qian#Strong2026');
    const s = session(srv.url, again.headers.get('set-cookie').split(';')[0], again.body.csrf_token);
    const v = await s.post('/api/v1/auth/mfa/verify', { recovery_code: rc.toUpperCase() });
    assert.equal(v.status, expected, v.text);
  }
});

test('SEC-02/SEC-03: password rules, reuse of the last five, forced change of an old password', async () => {
  const acct = accounts.head_teacher;
  const c = await signIn(srv.url, acct);
  const change = (current, next) => c.post('/api/v1/auth/password', { current_password: current, new_password: next });
  const short = await change(acct.password, 'Ab1#');
  assertError(short, 400, 'password_too_short', 'new_password');
  assertError(await change(acct.password, 'alllowercase1'), 400, 'password_too_simple', 'new_password');
  assertError(await change(acct.password, 'Head.Teacher#99'), 400, 'password_contains_login', 'new_password');
  assertError(await change('Not#MyPassword1', 'Fine#Password1'), 400, 'wrong_password', 'current_password');
  let current = acct.password;
  for (let i = 1; i <= 4; i++) {
    const next = `Rotate#${i}Pass${i}`;
    assert.equal((await change(current, next)).status, 200);
    current = next;
  }
  assertError(await change(current, acct.password), 400, 'password_reused', 'new_password');
  assertError(await change(current, 'Rotate#2Pass2'), 400, 'password_reused', 'new_password');
  // a password older than 90 days must be changed at sign-in
  sql(srv.db, `UPDATE account SET password_changed_at = password_changed_at - 91*CAST(86400000 AS BIGINT) WHERE login = '${acct.login}'`);
  const r = await login(acct.login, current);
  assert.equal(r.body.stage, 'password');
  const s = session(srv.url, r.headers.get('set-cookie').split(';')[0], r.body.csrf_token);
  assertError(await s.get('/api/v1/orgs'), 403, 'password_change_required');
  const ok = await s.post('/api/v1/auth/password', { current_password: current, new_password: 'Fresh#Start2026' });
  assert.equal(ok.body.stage, 'active');
  assert.equal((await s.get('/api/v1/orgs?limit=1')).status, 200);
  // the change ended the older session
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
});

test('SEC-05: an idle session ends after 15 minutes and its token is refused afterwards', async () => {
  const c = await signIn(srv.url, accounts.student);
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
  sql(srv.db, "UPDATE session SET last_seen_at = last_seen_at - 16*60000 WHERE ended_at IS NULL AND account_id = (SELECT id FROM account WHERE login = 'student')");
  await pause(); // a server remembers a caller for at most a second; 15 idle minutes are far longer
  assertError(await c.get('/api/v1/auth/me'), 401, 'session_expired');
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  // the absolute lifetime ends a busy session too
  const d = await signIn(srv.url, accounts.student);
  sql(srv.db, "UPDATE session SET expires_at = 1 WHERE ended_at IS NULL AND account_id = (SELECT id FROM account WHERE login = 'student')");
  await pause();
  const r = await d.get('/api/v1/auth/me');
  assertError(r, 401, 'session_expired');
  assert.match(r.body.error.message, /最长有效时间/);
});

test('logout ends the session; writes with the cookie need the CSRF token', async () => {
  const c = await signIn(srv.url, accounts.researcher);
  const forged = session(srv.url, c.cookie, 'not-the-token');
  assertError(await forged.post('/api/v1/auth/logout'), 403, 'csrf_failed');
  const bare = session(srv.url, c.cookie);
  assertError(await bare.post('/api/v1/auth/logout'), 403, 'csrf_failed');
  const out = await c.post('/api/v1/auth/logout');
  assert.equal(out.status, 204);
  assert.match(out.headers.get('set-cookie'), /Max-Age=0/);
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
});

test('SEC-08: an account unused for 90 days is disabled at its next sign-in', async () => {
  const sys = await signIn(srv.url, accounts.sysadmin);
  const city = (await sys.get('/api/v1/orgs?kind=city')).body.items[0].id;
  const made = await sys.post('/api/v1/accounts', { name: '闲置用户', login: 'idle.user', org: city });
  assert.equal(made.status, 201, made.text);
  sql(srv.db, "UPDATE account SET created_at = created_at - 91*CAST(86400000 AS BIGINT), last_login_at = NULL WHERE login = 'idle.user'");
  const r = await login('idle.user', made.body.initial_password);
  assertError(r, 403, 'account_inactive');
  assert.equal(sql(srv.db, "SELECT disabled FROM account WHERE login = 'idle.user'"), '1');
  assertError(await login('idle.user', made.body.initial_password), 403, 'account_disabled');
  // enabled again by an administrator, it works
  assert.equal((await sys.post(`/api/v1/accounts/${made.body.id}/enable`)).status, 200);
  assert.equal((await login('idle.user', made.body.initial_password)).body.stage, 'password');
});

test('SEC-09: 三员 are held alone; the auditor reads audit and nothing else; nobody edits audit', async () => {
  const sec = await signIn(srv.url, accounts.secadmin);
  const city = (await sec.get('/api/v1/orgs?kind=city')).body.items[0].id;
  const sysId = (await sec.get('/api/v1/accounts?login=sysadmin')).body.items[0].id;
  const r = await sec.post('/api/v1/role-assignments', { account: sysId, role: 'auditadmin', org: city });
  assertError(r, 409, 'separation_of_duties', 'role');
  const teacherId = (await sec.get('/api/v1/accounts?login=teacher')).body.items[0].id;
  assertError(await sec.post('/api/v1/role-assignments', { account: teacherId, role: 'secadmin', org: city }), 409, 'separation_of_duties');
  const auditor = await signIn(srv.url, accounts.auditadmin);
  assertError(await auditor.get('/api/v1/accounts'), 403, 'forbidden');
  assertError(await auditor.get('/api/v1/orgs'), 403, 'forbidden');
  assertError(await auditor.get('/api/v1/security/policy'), 403, 'forbidden');
  assert.equal((await auditor.get('/api/v1/audit?limit=5&event=login')).status, 200);
  const reads = (await auditor.get('/api/v1/audit?event=audit_read&actor=auditadmin')).body.items;
  assert.ok(reads.some((e) => e.detail === 'event=login'), 'reading the audit log is itself audited');
  const sys = await signIn(srv.url, accounts.sysadmin);
  assertError(await sys.get('/api/v1/audit'), 403, 'forbidden');
  assertError(await sec.get('/api/v1/audit'), 403, 'forbidden');
  // no route changes audit entries
  const doc = (await call(`${srv.url}/api/openapi.json`)).body;
  const auditPaths = Object.entries(doc.paths).filter(([p]) => p.startsWith('/api/v1/audit'));
  assert.ok(auditPaths.length > 0);
  for (const [, ops] of auditPaths) assert.deepEqual(Object.keys(ops).filter((m) => m !== 'parameters'), ['get']);
  // denials are audited
  const denied = await auditor.get('/api/v1/audit?event=permission_denied&actor=sysadmin');
  assert.ok(denied.body.items.some((e) => e.object === 'route:GET /api/v1/audit'));
});

test('scope: a district administrator reaches their district only; out of scope looks missing', async () => {
  const d = await signIn(srv.url, accounts.district_admin);
  const mine = await d.get('/api/v1/orgs?kind=school&limit=200');
  assert.equal(mine.status, 200);
  assert.equal(mine.body.items.length, 10);
  const sys = await signIn(srv.url, accounts.sysadmin);
  const all = await sys.get('/api/v1/orgs?kind=school&limit=200');
  assert.equal(all.body.items.length, 60);
  const outside = all.body.items.find((s) => !mine.body.items.some((m) => m.id === s.id));
  const missing = await d.get('/api/v1/orgs/0000000000000000000000000z');
  const hidden = await d.get(`/api/v1/orgs/${outside.id}`);
  assertError(hidden, 404, 'not_found');
  assert.deepEqual(hidden.body, missing.body);
  // a teacher reads their two classes (and below), not the school
  const t = await signIn(srv.url, accounts.teacher);
  const orgs = await t.get('/api/v1/orgs?limit=50');
  assert.deepEqual(orgs.body.items.map((o) => o.kind), ['class', 'class']);
  assertError(await t.get('/api/v1/accounts'), 403, 'forbidden');
});

test('changes made by administrators apply to signed-in callers at once', async () => {
  const g = await signIn(srv.url, accounts.guardian);
  assert.equal((await g.get('/api/v1/auth/me')).status, 200);
  const sys = await signIn(srv.url, accounts.sysadmin);
  const id = (await sys.get('/api/v1/accounts?login=guardian')).body.items[0].id;
  assert.equal((await sys.post(`/api/v1/accounts/${id}/disable`)).status, 200);
  assertError(await g.get('/api/v1/auth/me'), 401, 'account_disabled');
  assert.equal((await sys.post(`/api/v1/accounts/${id}/enable`)).status, 200);
  // a revoked role stops reaching its class on the next request
  const t = await signIn(srv.url, accounts.teacher);
  const sec = await signIn(srv.url, accounts.secadmin);
  const tid = (await sec.get('/api/v1/accounts?login=teacher')).body.items[0].id;
  const grants = (await sec.get(`/api/v1/role-assignments?account=${tid}`)).body.items;
  assert.equal((await t.get('/api/v1/orgs?kind=class')).body.items.length, 2);
  assert.equal((await sec.del(`/api/v1/role-assignments/${grants.at(-1).id}`)).status, 204);
  assert.equal((await t.get('/api/v1/orgs?kind=class')).body.items.length, 1);
});
