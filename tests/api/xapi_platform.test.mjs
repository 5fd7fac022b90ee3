// xapi_platform.test.mjs — the platform's own learning events (docs/xapi-profile.md)
// and the console's statement browser: a sign-in and a sign-out are recorded as
// statements about the person's opaque uid at the account's org; an LRS client
// whose node holds that org reads them, one of another school does not; the
// console API (/api/v1/xapi/statements, xapi.manage) shows them within the
// caller's reach with the same filters and `more` paging; the platform's own
// client is listed but cannot be revoked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, demoAccounts, signIn, sql, assertError } from './harness.mjs';

const LOGGED_IN = 'https://w3id.org/xapi/adl/verbs/logged-in';
const LOGGED_OUT = 'https://w3id.org/xapi/adl/verbs/logged-out';

let srv;
let accounts;
let city;
const ctx = {};

const basic = (c) => `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`;
const lrsGet = (c, query) => call(`${srv.url}/xapi/statements?${new URLSearchParams(query)}`, {
  headers: { authorization: basic(c), 'x-experience-api-version': '1.0.3' },
});
const personOf = (login) => sql(srv.db, `SELECT p.uid FROM person p JOIN account a ON a.person_id = p.id WHERE a.login = '${login}'`);
const agent = (uid) => JSON.stringify({ objectType: 'Agent', account: { homePage: srv.url, name: uid } });

// Recording does not hold up the sign-in: wait until the committer has written.
async function eventually(fn) {
  for (let i = 0; ; i++) {
    const r = await fn();
    if (r || i > 50) return r;
    await new Promise((res) => setTimeout(res, 100));
  }
}

before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
  city = await signIn(srv.url, accounts.city_admin);
  const teacher = await signIn(srv.url, accounts.teacher);
  const cls = teacher.me.roles[0].org.id;
  const path = (await city.get(`/api/v1/orgs/${cls}/path`)).body.items;
  ctx.school = path.find((o) => o.kind === 'school').id;
  const district = path.find((o) => o.kind === 'district').id;
  const other = (await city.get('/api/v1/orgs?kind=district')).body.items.find((d) => d.id !== district).id;
  ctx.otherSchool = (await city.get(`/api/v1/orgs?parent=${other}&kind=school`)).body.items[0].id;
  const mk = async (name, org) => {
    const r = await city.post('/api/v1/xapi/clients', { name, org, read: true });
    assert.equal(r.status, 201, r.text);
    return r.body;
  };
  ctx.mine = await mk('本校看板', ctx.school);
  ctx.theirs = await mk('外区看板', ctx.otherSchool);
  ctx.teacherUid = personOf(accounts.teacher.login);
  ctx.teacherSession = teacher;
});
after(async () => { await srv.stop(); });

test('a sign-in is recorded as a statement about the opaque person, readable by a client in scope only', async () => {
  const found = await eventually(async () => {
    const r = await lrsGet(ctx.mine, { agent: agent(ctx.teacherUid), verb: LOGGED_IN });
    assert.equal(r.status, 200, r.text);
    return r.body.statements[0];
  });
  assert.ok(found, 'the sign-in statement arrives');
  assert.deepEqual(found.actor, { objectType: 'Agent', account: { homePage: srv.url, name: ctx.teacherUid } });
  assert.equal(found.actor.name, undefined, 'never a name');
  assert.doesNotMatch(JSON.stringify(found), new RegExp(accounts.teacher.login), 'nor the login');
  assert.deepEqual(found.verb, { id: LOGGED_IN, display: { 'zh-CN': '登录', 'en-US': 'logged in' } });
  assert.equal(found.object.id, `${srv.url}/xapi/activities/platform`);
  assert.equal(found.object.definition.type, 'http://activitystrea.ms/schema/1.0/application');
  assert.equal(found.object.definition.name['zh-CN'], '数枢平台');
  assert.equal(found.context.platform, '数枢');
  assert.equal(found.authority.account.name, 'xk_platform');
  assert.equal(found.authority.account.homePage, `${srv.url}/xapi/clients`);

  const theirs = await lrsGet(ctx.theirs, { agent: agent(ctx.teacherUid) });
  assert.equal(theirs.status, 200, theirs.text);
  assert.deepEqual(theirs.body.statements, [], 'a client of another school sees nothing');
  const byId = await lrsGet(ctx.theirs, { statementId: found.id });
  assert.equal(byId.status, 404);
});

test('a sign-out is recorded too; a failed sign-in is not', async () => {
  const out = await ctx.teacherSession.post('/api/v1/auth/logout');
  assert.equal(out.status, 204, out.text);
  const found = await eventually(async () => (await lrsGet(ctx.mine, { agent: agent(ctx.teacherUid), verb: LOGGED_OUT })).body.statements[0]);
  assert.ok(found, 'the sign-out statement arrives');
  assert.equal(found.verb.display['zh-CN'], '退出登录');

  const before = (await lrsGet(ctx.mine, { agent: agent(ctx.teacherUid), verb: LOGGED_IN })).body.statements.length;
  const bad = await call(`${srv.url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ login: accounts.teacher.login, password: 'wrong-password-1' }) });
  assert.equal(bad.status, 401);
  await new Promise((res) => setTimeout(res, 300));
  const afterBad = (await lrsGet(ctx.mine, { agent: agent(ctx.teacherUid), verb: LOGGED_IN })).body.statements.length;
  assert.equal(afterBad, before);
});

test('console API: statements within the caller\'s reach, the same filters and more paging', async () => {
  // a few more sign-ins of the teacher, then page through them one at a time
  for (let i = 0; i < 3; i++) await signIn(srv.url, accounts.teacher);
  const want = await eventually(async () => {
    const r = await city.get(`/api/v1/xapi/statements?agent=${ctx.teacherUid}&verb=${encodeURIComponent(LOGGED_IN)}`);
    assert.equal(r.status, 200, r.text);
    return r.body.statements.length >= 4 ? r.body.statements : null;
  });
  assert.ok(want, 'four sign-ins of the teacher');
  const seen = [];
  let path = `/api/v1/xapi/statements?agent=${ctx.teacherUid}&verb=${encodeURIComponent(LOGGED_IN)}&limit=1`;
  while (path) {
    const r = await city.get(path);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.statements.length <= 1);
    seen.push(...r.body.statements.map((s) => s.id));
    path = r.body.more;
    if (path) assert.match(path, /^\/api\/v1\/xapi\/statements\?/);
  }
  assert.deepEqual(seen, want.map((s) => s.id));
  // the agent filter as xAPI JSON works as well
  const json = await city.get(`/api/v1/xapi/statements?agent=${encodeURIComponent(agent(ctx.teacherUid))}&limit=500`);
  assert.ok(json.body.statements.length >= 5);
  assert.ok(json.body.statements.every((s) => s.actor.account.name === ctx.teacherUid));
  const since = await city.get(`/api/v1/xapi/statements?agent=${ctx.teacherUid}&since=${encodeURIComponent(want[1].stored)}`);
  assert.ok(since.body.statements.every((s) => s.stored > want[1].stored));

  // the school administrator of the school sees the teacher's, not the city administrator's own sign-in
  const school = await signIn(srv.url, accounts.school_admin);
  const cityUid = personOf(accounts.city_admin.login);
  const mine = await school.get(`/api/v1/xapi/statements?agent=${ctx.teacherUid}`);
  assert.equal(mine.status, 200, mine.text);
  assert.ok(mine.body.statements.length >= 4);
  await eventually(async () => (await city.get(`/api/v1/xapi/statements?agent=${cityUid}`)).body.statements.length > 0);
  const notMine = await school.get(`/api/v1/xapi/statements?agent=${cityUid}`);
  assert.deepEqual(notMine.body.statements, [], 'a statement at the city node is outside a school administrator\'s reach');
});

test('console API: bad input gets a clear error; roles without xapi.manage and LRS credentials are refused', async () => {
  for (const [q, field] of [['verb=not-an-iri', 'verb'], ['since=yesterday', 'since'], ['limit=-1', 'limit'], ['more=zzz', 'more'], ['format=ids', 'format'], ['bogus=1', 'bogus'], ['agent=%7Bnot-json', 'agent']]) {
    const r = await city.get(`/api/v1/xapi/statements?${q}`);
    assert.equal(r.status, 400, `${q} → ${r.text}`);
    assert.equal(r.body.error.field, field, r.text);
    assert.match(r.body.error.message, /[\u4e00-\u9fff]/, 'a Chinese message');
  }
  const teacher = await signIn(srv.url, accounts.teacher);
  const denied = await teacher.get('/api/v1/xapi/statements');
  assert.equal(denied.status, 403);
  const lrsCreds = await call(`${srv.url}/api/v1/xapi/statements`, { headers: { authorization: basic(ctx.mine) } });
  assert.equal(lrsCreds.status, 401);
  const anon = await call(`${srv.url}/api/v1/xapi/statements`);
  assert.equal(anon.status, 401);
});

test('the platform\'s own client is listed and cannot be revoked', async () => {
  const list = await city.get('/api/v1/xapi/clients?limit=100');
  assert.equal(list.status, 200, list.text);
  const platform = list.body.items.find((c) => c.key === 'xk_platform');
  assert.ok(platform, list.text);
  assert.equal(platform.name, '数枢平台');
  const r = await city.del(`/api/v1/xapi/clients/${platform.id}`);
  assertError(r, 400, 'platform_client');
  // and nobody signs in as it
  const as = await lrsGet({ key: 'xk_platform', secret: '-' }, {});
  assert.equal(as.status, 401);
});
