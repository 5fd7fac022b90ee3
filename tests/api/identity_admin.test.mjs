// identity_admin.test.mjs — first start (SEC-07), API tokens, organisation
// changes with history, custom roles, the security policy, and hostile input to
// the administration endpoints.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, call, cli, assertError, demoAccounts, signIn, tmpdir, sql, bin, ADMIN_PASSWORDS, newDatabase } from './harness.mjs';

let srv;
let accounts;
let city;
let school;
before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
  city = await signIn(srv.url, accounts.city_admin);
  const orgs = city.me.roles[0].org;
  assert.equal(orgs.kind, 'city');
  school = (await city.get('/api/v1/orgs?kind=school&limit=1')).body.items[0];
});
after(async () => { await srv.stop(); });

test('SEC-07: no account, no start; init asks for the three administrators and refuses weak passwords', async () => {
  const dir = tmpdir();
  const db = await newDatabase(dir, 'fresh.db');
  assert.equal(cli(['migrate', '--create', '--db', db]).status, 0);
  const serve = cli(['serve', '--db', db, '--listen', '127.0.0.1:0'], { timeout: 20000 });
  assert.equal(serve.status, 1);
  assert.match(serve.stderr, /尚未初始化.*shushu init/);
  const fresh = await newDatabase(dir, 'init.db');
  const pw = path.join(dir, 'pw');
  fs.writeFileSync(pw, 'Sys#Admin2026x\nweakpass\nAud#Admin2026z\n');
  const weak = cli(['init', '--db', fresh, '--city-name', '测试市', '--region-code', '370700', '--password-file', pw]);
  assert.equal(weak.status, 1);
  assert.match(weak.stderr, /至少 3 类|密码/);
  assert.equal(sql(fresh, 'SELECT COUNT(*) FROM account'), '0');
  // no terminal and no file: it will not invent a password
  const noTty = spawnSync(bin, ['init', '--db', fresh, '--city-name', '测试市', '--region-code', '370700'], { input: '', encoding: 'utf8' });
  assert.equal(noTty.status, 2);
  assert.match(noTty.stderr, /终端/);
  fs.writeFileSync(pw, `${ADMIN_PASSWORDS.join('\n')}\n`);
  assert.equal(cli(['init', '--db', fresh, '--city-name', '测试市', '--region-code', '999999', '--password-file', pw]).status, 2);
  const ok = cli(['init', '--db', fresh, '--city-name', '测试市', '--region-code', '370700', '--password-file', pw]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(sql(fresh, "SELECT group_concat(login || ':' || r.role, ' ') FROM account a JOIN role_assignment r ON r.account_id = a.id"),
    'sysadmin:sysadmin secadmin:secadmin auditadmin:auditadmin');
  assert.equal(sql(fresh, "SELECT value FROM shushu_meta WHERE key = 'demo'"), '');
  assert.equal(cli(['init', '--db', fresh, '--city-name', '测试市', '--region-code', '370700', '--password-file', pw]).status, 1);
});

test('API tokens: shown once, scoped to their org and permissions, revocable', async () => {
  const made = await city.post('/api/v1/tokens', { name: '排课系统', org: school.id, permissions: ['org.read'], expires_in_days: 30 });
  assert.equal(made.status, 201, made.text);
  assert.match(made.body.token, /^sht_[A-Za-z0-9_-]{43}$/);
  assert.equal(made.body.prefix, made.body.token.slice(0, 12));
  const listed = await city.get(`/api/v1/tokens?org=${school.id}`);
  assert.ok(!listed.text.includes(made.body.token), 'the token is never shown again');
  const bearer = { authorization: `Bearer ${made.body.token}` };
  const orgs = await call(`${srv.url}/api/v1/orgs?limit=200`, { headers: bearer });
  assert.equal(orgs.status, 200);
  assert.ok(orgs.body.items.length > 1);
  assert.ok(orgs.body.items.every((o) => o.id === school.id || o.kind === 'grade' || o.kind === 'class'));
  assertError(await call(`${srv.url}/api/v1/accounts`, { headers: bearer }), 403, 'forbidden');
  // a token needs no CSRF token (no cookie), but still its permission
  assertError(await call(`${srv.url}/api/v1/orgs`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"kind":"class","name":"x","parent":"y"}' }), 403, 'forbidden');
  assertError(await call(`${srv.url}/api/v1/orgs`, { headers: { authorization: 'Bearer sht_forged' } }), 401, 'invalid_token');
  assertError(await call(`${srv.url}/api/v1/orgs`, { headers: { authorization: 'Basic YTpi' } }), 401, 'unauthenticated');
  assert.equal((await city.del(`/api/v1/tokens/${made.body.id}`)).status, 204);
  assertError(await call(`${srv.url}/api/v1/orgs`, { headers: bearer }), 401, 'invalid_token');
  // administrative permissions cannot be put in a token; unknown ones are named
  assertError(await city.post('/api/v1/tokens', { name: 'x', org: school.id, permissions: ['account.write'] }), 400, 'permission_not_allowed');
  assertError(await city.post('/api/v1/tokens', { name: 'x', org: school.id, permissions: ['root.all'] }), 400, 'unknown_permission');
  assertError(await city.post('/api/v1/tokens', { name: 'x', org: school.id, permissions: ['org.read'], expires_in_days: 9999 }), 400, 'out_of_range');
  // an expired token stops working
  const old = await city.post('/api/v1/tokens', { name: '过期', org: school.id, permissions: ['org.read'], expires_in_days: 1 });
  sql(srv.db, `UPDATE api_token SET expires_at = 1 WHERE uid = '${old.body.id}'`);
  assertError(await call(`${srv.url}/api/v1/orgs`, { headers: { authorization: `Bearer ${old.body.token}` } }), 401, 'invalid_token');
});

test('organisations: create under the right parent, rename and move keep history, no cycles', async () => {
  const grades = (await city.get(`/api/v1/orgs?parent=${school.id}&kind=grade`)).body.items;
  const made = await city.post('/api/v1/orgs', { kind: 'class', name: '创新实验班', parent: grades[0].id });
  assert.equal(made.status, 201, made.text);
  assertError(await city.post('/api/v1/orgs', { kind: 'class', name: '错层', parent: school.id }), 400, 'wrong_parent', 'parent');
  assertError(await city.post('/api/v1/orgs', { kind: 'school', name: '无码学校', parent: school.parent }), 400, 'required', 'school_code');
  assertError(await city.post('/api/v1/orgs', { kind: 'planet', name: 'x', parent: school.id }), 400, 'invalid_kind', 'kind');
  // read often (its reply is kept), renamed: the next read shows the new name at once
  assert.equal((await city.get(`/api/v1/orgs/${made.body.id}`)).body.name, '创新实验班');
  assert.equal((await city.get(`/api/v1/orgs/${made.body.id}`)).body.name, '创新实验班');
  const renamed = await city.patch(`/api/v1/orgs/${made.body.id}`, { name: '创新班' });
  assert.equal(renamed.body.name, '创新班');
  assert.equal((await city.get(`/api/v1/orgs/${made.body.id}`)).body.name, '创新班');
  // a change written by another process is seen within the store's watch interval (100 ms)
  sql(srv.db, `UPDATE org_unit SET name = '外部改名' WHERE uid = '${made.body.id}'`);
  await new Promise((r) => setTimeout(r, 250));
  assert.equal((await city.get(`/api/v1/orgs/${made.body.id}`)).body.name, '外部改名');
  sql(srv.db, `UPDATE org_unit SET name = '创新班' WHERE uid = '${made.body.id}'`);
  await new Promise((r) => setTimeout(r, 250));
  const moved = await city.patch(`/api/v1/orgs/${made.body.id}`, { parent: grades[1].id });
  assert.equal(moved.status, 200, moved.text);
  const trail = (await city.get(`/api/v1/orgs/${made.body.id}/path`)).body.items.map((o) => o.name);
  assert.equal(trail.at(-2), grades[1].name);
  assert.equal(trail.at(-1), '创新班');
  assert.equal(sql(srv.db, `SELECT group_concat(name, '|') FROM org_history WHERE org_id = (SELECT id FROM org_unit WHERE uid = '${made.body.id}')`), '创新实验班|创新班');
  // the closure follows the move: the old grade no longer contains it
  const under = (await city.get(`/api/v1/orgs?parent=${grades[0].id}&limit=200`)).body.items.map((o) => o.id);
  assert.ok(!under.includes(made.body.id));
  const districtId = school.parent;
  assertError(await city.patch(`/api/v1/orgs/${districtId}`, { parent: school.id }), 400, 'wrong_parent');
  assertError(await city.patch(`/api/v1/orgs/${made.body.id}`, { kind: 'grade' }), 400, 'immutable');
  const otherSchoolGrade = (await city.get('/api/v1/orgs?kind=grade&limit=200')).body.items.find((g) => g.parent !== school.id);
  assertError(await city.patch(`/api/v1/orgs/${made.body.id}`, { parent: otherSchoolGrade.id }), 400, 'other_school');
});

test('custom roles and the security policy (tightened only, every change audited)', async () => {
  const sec = await signIn(srv.url, accounts.secadmin);
  const role = await sec.post('/api/v1/roles', { code: 'data_clerk', label: '数据专员', permissions: ['org.read', 'account.read'] });
  assert.equal(role.status, 201, role.text);
  assert.equal(role.body.mfa_required, false);
  assertError(await sec.post('/api/v1/roles', { code: 'data_clerk', label: '重复', permissions: ['org.read'] }), 409, 'role_exists');
  assertError(await sec.post('/api/v1/roles', { code: 'teacher', label: '冒充', permissions: ['org.read'] }), 409, 'role_exists');
  assertError(await sec.post('/api/v1/roles', { code: 'Bad Code', label: 'x', permissions: ['org.read'] }), 400, 'invalid_code');
  assertError(await sec.post('/api/v1/roles', { code: 'empty_role', label: 'x', permissions: [] }), 400, 'invalid_permissions');
  const listed = (await sec.get('/api/v1/roles')).body;
  assert.ok(listed.roles.some((r) => r.code === 'data_clerk' && !r.builtin));
  assert.ok(listed.permissions.every((p) => /[\u4e00-\u9fff]/.test(p.label)));
  const before = (await sec.get('/api/v1/security/policy')).body;
  assert.equal(before.password_min_length, 8);
  assert.equal(before.idle_minutes, 15);
  assertError(await sec.put('/api/v1/security/policy', { password_min_length: 6 }), 400, 'out_of_range', 'password_min_length');
  assertError(await sec.put('/api/v1/security/policy', { lock_threshold: 10 }), 400, 'out_of_range', 'lock_threshold');
  assertError(await sec.put('/api/v1/security/policy', { make_it_easy: true }), 400, 'unknown_field');
  const changed = await sec.put('/api/v1/security/policy', { password_min_length: 12, idle_minutes: 10 });
  assert.equal(changed.body.password_min_length, 12);
  const auditor = await signIn(srv.url, accounts.auditadmin);
  const entries = (await auditor.get('/api/v1/audit?event=policy_changed')).body.items;
  assert.equal(entries.length, 1);
  assert.match(entries[0].detail, /password_min_length/);
  // the new minimum applies to the next password
  const c = await signIn(srv.url, accounts.school_admin);
  assertError(await c.post('/api/v1/auth/password', { current_password: accounts.school_admin.password, new_password: 'Short#Pw123' }), 400, 'password_too_short');
  await sec.put('/api/v1/security/policy', { password_min_length: 8, idle_minutes: 15 });
});

test('administration endpoints refuse hostile and malformed input without changing anything', async () => {
  const sys = await signIn(srv.url, accounts.sysadmin);
  const count = () => sql(srv.db, 'SELECT (SELECT COUNT(*) FROM account) || \'/\' || (SELECT COUNT(*) FROM role_assignment) || \'/\' || (SELECT COUNT(*) FROM api_token)');
  const before = count();
  assertError(await sys.post('/api/v1/accounts', '{"name":'), 400, 'invalid_json');
  assertError(await sys.post('/api/v1/accounts', '[1,2]'), 400, 'invalid_body');
  assertError(await sys.post('/api/v1/accounts', { name: '张三', login: 'zhang san', org: school.id }), 400, 'invalid_login', 'login');
  assertError(await sys.post('/api/v1/accounts', { name: '张三', login: "x'; DROP TABLE account;--", org: school.id }), 400, 'invalid_login');
  assertError(await sys.post('/api/v1/accounts', { name: '张三', login: 'zhang.san', org: 'nope' }), 400, 'unknown_org', 'org');
  assertError(await sys.post('/api/v1/accounts', { name: '张三', login: 'zhang.san', org: school.id, password: 'mine' }), 400, 'unknown_field', 'password');
  assertError(await sys.post('/api/v1/accounts', { name: 'x'.repeat(200), login: 'zhang.san', org: school.id }), 400, 'too_long', 'name');
  assertError(await sys.post('/api/v1/accounts', { name: '张三', login: 'CITY.ADMIN', org: school.id }), 409, 'login_taken', 'login');
  assertError(await sys.post('/api/v1/accounts/%00/disable'), 404, 'not_found');
  assertError(await sys.post(`/api/v1/accounts/${'a'.repeat(300)}/disable`), 404, 'not_found');
  const me = sys.me.account.id;
  assertError(await sys.post(`/api/v1/accounts/${me}/disable`), 409, 'own_account');
  const sec = await signIn(srv.url, accounts.secadmin);
  assertError(await sec.post('/api/v1/role-assignments', { account: me, role: 'no_such_role', org: school.id }), 400, 'unknown_role');
  assertError(await sec.post('/api/v1/role-assignments', { account: 'x', role: 'teacher', org: school.id }), 400, 'unknown_account');
  assertError(await sec.post('/api/v1/role-assignments', { account: 5, role: ['teacher'], org: null }), 400, 'unknown_account');
  assertError(await sec.post('/api/v1/tokens', { name: 'x', org: school.id, permissions: 'org.read' }), 400, 'invalid_permissions');
  assertError(await sec.put('/api/v1/security/policy', { lock_minutes: '30' }), 400, 'out_of_range');
  assert.equal(count(), before);
  // a school administrator cannot hand out what they do not hold
  const sa = await signIn(srv.url, accounts.school_admin);
  const teacherId = (await sa.get('/api/v1/accounts?login=teacher')).body.items[0].id;
  assertError(await sa.post('/api/v1/role-assignments', { account: teacherId, role: 'sysadmin', org: school.id }), 403, 'cannot_grant');
  // the city administrator also maintains the knowledge graph (kg.write), which a school administrator lacks
  assertError(await sa.post('/api/v1/role-assignments', { account: teacherId, role: 'city_admin', org: school.id }), 403, 'cannot_grant');
  assertError(await sa.post('/api/v1/role-assignments', { account: teacherId, role: 'head_teacher', org: school.id }), 400, 'wrong_org_kind', 'org');
  assertError(await sa.post('/api/v1/role-assignments', { account: teacherId, role: 'teacher', org: city.me.roles[0].org.id }), 400, 'unknown_org');
  assert.equal(count(), before);
});

test('SEC-08: accounts unused for 90 days are swept to disabled, and the sweep is audited', async () => {
  const dir = tmpdir();
  const db = await newDatabase(dir);
  assert.equal(cli(['demo', '--db', db]).status, 0);
  sql(db, "UPDATE account SET created_at = created_at - 91*CAST(86400000 AS BIGINT), last_login_at = NULL WHERE login = 'researcher'");
  sql(db, `UPDATE account SET last_login_at = ${Date.now() - 89 * 86400000} WHERE login = 'guardian'`);
  const s = await startServer({ dir });
  try {
    const accts = demoAccounts(db);
    await signIn(s.url, accts.teacher); // the first sign-in after a start sweeps
    assert.equal(sql(db, "SELECT login FROM account WHERE disabled = 1 ORDER BY login"), 'researcher');
    const auditor = await signIn(s.url, accts.auditadmin);
    const entries = (await auditor.get('/api/v1/audit?event=account_disabled&actor=system')).body.items;
    assert.equal(entries.length, 1);
    assert.match(entries[0].detail, /90 天/);
  } finally {
    await s.stop();
  }
});
