// xapi_clients.test.mjs — interoperability with real xAPI clients from npm:
// `@xapi/xapi` (sends version 1.0.3, POSTs statements) and `tincanjs` (sends
// 1.0.2, stores with PUT) write statements about platform people to the running
// server, read them back (one by id, queries with filters, `more` paging) and
// use the state and profile document calls each offers. The LRS client is
// registered through /api/v1/xapi/clients like an administrator would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import XAPIModule from '@xapi/xapi';
import TinCan from 'tincanjs';
import { startServer, demoAccounts, signIn } from './harness.mjs';

const XAPI = XAPIModule.default || XAPIModule;

let srv;
const ctx = {};

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  const city = await signIn(srv.url, accounts.city_admin);
  const teacher = await signIn(srv.url, accounts.teacher);
  const cls = teacher.me.roles[0].org.id;
  const path = (await city.get(`/api/v1/orgs/${cls}/path`)).body.items;
  ctx.school = path.find((o) => o.kind === 'school').id;
  const students = (await city.get(`/api/v1/students?school=${ctx.school}&limit=2`)).body.items;
  ctx.student = students[0].person;
  ctx.student2 = students[1].person;
  const r = await city.post('/api/v1/xapi/clients', { name: '互操作测试', org: ctx.school, read: true, write: true });
  assert.equal(r.status, 201, r.text);
  ctx.client = r.body;
});
after(async () => { await srv.stop(); });

const person = (uid) => ({ objectType: 'Agent', account: { homePage: srv.url, name: uid } });
const verb = (n) => ({ id: `http://adlnet.gov/expapi/verbs/${n}`, display: { 'en-US': n, 'zh-CN': n === 'completed' ? '完成' : '尝试' } });
const activity = (n) => ({
  objectType: 'Activity',
  id: `https://example.org/courses/${n}`,
  definition: { name: { 'zh-CN': `课程 ${n}`, 'en-US': `Course ${n}` }, type: 'http://adlnet.gov/expapi/activities/course' },
});

// ---- @xapi/xapi (1.0.3) ------------------------------------------------------

// adapter 'fetch': with its default adapter (axios) under Node, a multipart body
// (a Blob) goes out as application/octet-stream, losing the boundary; fetch keeps
// the Content-Type the library sets, as browsers do.
function xapiClient(adapter) {
  return new XAPI({ endpoint: `${srv.url}/xapi/`, auth: XAPI.toBasicAuth(ctx.client.key, ctx.client.secret), version: '1.0.3', adapter });
}

test('@xapi/xapi: sendStatement / sendStatements, getStatement, getStatements with filters and more paging', async () => {
  const x = xapiClient();
  const about = await x.getAbout();
  assert.ok(about.data.version.includes('1.0.3'));
  const reg = crypto.randomUUID();
  const one = { actor: person(ctx.student), verb: verb('completed'), object: activity('xa-1'), result: { score: { scaled: 0.85 }, success: true }, context: { registration: reg } };
  const sent = await x.sendStatement({ statement: one });
  assert.equal(sent.data.length, 1);
  const id = sent.data[0];
  const got = await x.getStatement({ statementId: id });
  assert.equal(got.data.id, id);
  assert.deepEqual(got.data.actor, one.actor);
  assert.equal(got.data.result.score.scaled, 0.85);
  assert.equal(got.data.context.registration, reg);
  assert.equal(got.headers['x-experience-api-version'], '1.0.3');
  assert.ok(got.data.stored && got.data.authority, 'the LRS sets stored and authority');

  // a batch of five more under the same registration, then page through them two at a time
  const batch = Array.from({ length: 5 }, (_, i) => ({ actor: person(i % 2 ? ctx.student2 : ctx.student), verb: verb('attempted'), object: activity(`xa-${i + 2}`), context: { registration: reg } }));
  const ids = (await x.sendStatements({ statements: batch })).data;
  assert.equal(ids.length, 5);
  const seen = [];
  let page = await x.getStatements({ registration: reg, limit: 2 });
  for (;;) {
    assert.ok(page.data.statements.length <= 2);
    seen.push(...page.data.statements.map((s) => s.id));
    if (!page.data.more) break;
    page = await x.getMoreStatements({ more: page.data.more });
  }
  assert.deepEqual(seen, [...ids].reverse().concat(id), 'newest first, every statement once');

  const byVerb = await x.getStatements({ registration: reg, verb: 'http://adlnet.gov/expapi/verbs/completed' });
  assert.deepEqual(byVerb.data.statements.map((s) => s.id), [id]);
  const byAgent = await x.getStatements({ registration: reg, agent: person(ctx.student2) });
  assert.deepEqual(byAgent.data.statements.map((s) => s.id).sort(), [ids[1], ids[3]].sort());
  const byActivity = await x.getStatements({ activity: 'https://example.org/courses/xa-3' });
  assert.deepEqual(byActivity.data.statements.map((s) => s.id), [ids[1]]);
  const asc = await x.getStatements({ registration: reg, ascending: true, limit: 1 });
  assert.equal(asc.data.statements[0].id, id);
  const since = await x.getStatements({ registration: reg, since: got.data.stored });
  assert.ok(!since.data.statements.some((s) => s.id === id), 'since excludes the statement stored at that instant');
  const idsOnly = await x.getStatements({ registration: reg, format: 'ids', limit: 1 });
  assert.deepEqual(Object.keys(idsOnly.data.statements[0].actor).sort(), ['account', 'objectType']);

  const activityDef = await x.getActivity({ activityId: 'https://example.org/courses/xa-1' });
  assert.equal(activityDef.data.definition.name['zh-CN'], '课程 xa-1');
  const agentPerson = await x.getAgent({ agent: person(ctx.student) });
  assert.equal(agentPerson.data.objectType, 'Person');
  assert.deepEqual(agentPerson.data.account, [{ homePage: srv.url, name: ctx.student }]);
});

test('@xapi/xapi: a statement with an attachment in multipart/mixed, read back with attachments=true', async () => {
  const x = xapiClient('fetch');
  const text = '作答草稿：3 + 4 = 7';
  const bytes = new TextEncoder().encode(text);
  const sha2 = crypto.createHash('sha256').update(bytes).digest('hex');
  const statement = {
    actor: person(ctx.student), verb: verb('completed'), object: activity('xa-attach'),
    attachments: [{ usageType: 'http://id.tincanapi.com/attachment/supporting_media', display: { 'zh-CN': '草稿' }, contentType: 'text/plain', length: bytes.length, sha2 }],
  };
  const [id] = (await x.sendStatement({ statement, attachments: [bytes.buffer] })).data;
  const back = await x.getStatement({ statementId: id, attachments: true });
  assert.equal(back.data[0].id, id);
  assert.equal(back.data[0].attachments[0].sha2, sha2);
  assert.equal(back.data[1], text);
});

test('@xapi/xapi: voidStatement hides the statement from queries, getVoidedStatement finds it', async () => {
  const x = xapiClient();
  const reg = crypto.randomUUID();
  const [id] = (await x.sendStatement({ statement: { actor: person(ctx.student), verb: verb('completed'), object: activity('xa-void'), context: { registration: reg } } })).data;
  await x.voidStatement({ actor: person(ctx.student), statementId: id });
  const q = await x.getStatements({ registration: reg });
  assert.deepEqual(q.data.statements, []);
  const voided = await x.getVoidedStatement({ voidedStatementId: id });
  assert.equal(voided.data.id, id);
});

test('@xapi/xapi: state, activity profile and agent profile documents', async () => {
  const x = xapiClient();
  const agent = person(ctx.student);
  const activityId = 'https://example.org/courses/xa-docs';
  const registration = crypto.randomUUID();
  await x.setState({ agent, activityId, registration, stateId: 'bookmark', state: { page: 3 } });
  await x.createState({ agent, activityId, registration, stateId: 'bookmark', state: { seconds: 40 } });
  const state = await x.getState({ agent, activityId, registration, stateId: 'bookmark' });
  assert.deepEqual(state.data, { page: 3, seconds: 40 }, 'POST merges JSON objects');
  assert.deepEqual((await x.getStates({ agent, activityId, registration })).data, ['bookmark']);
  await x.deleteState({ agent, activityId, registration, stateId: 'bookmark' });
  assert.deepEqual((await x.getStates({ agent, activityId, registration })).data, []);

  await x.createActivityProfile({ activityId, profileId: 'settings', profile: { level: '初级' } });
  const ap = await x.getActivityProfile({ activityId, profileId: 'settings' });
  assert.deepEqual(ap.data, { level: '初级' });
  const etag = ap.headers.etag;
  assert.match(etag, /^"[0-9a-f]{40}"$/);
  await x.setActivityProfile({ activityId, profileId: 'settings', profile: { level: '中级' }, etag, matchHeader: 'If-Match' });
  assert.deepEqual((await x.getActivityProfile({ activityId, profileId: 'settings' })).data, { level: '中级' });
  await assert.rejects(
    x.setActivityProfile({ activityId, profileId: 'settings', profile: { level: '高级' }, etag, matchHeader: 'If-Match' }),
    (e) => e.response?.status === 412, 'a stale ETag is refused');
  assert.deepEqual((await x.getActivityProfiles({ activityId })).data, ['settings']);
  await x.deleteActivityProfile({ activityId, profileId: 'settings' });

  await x.createAgentProfile({ agent, profileId: 'preferences', profile: { fontSize: 'large' } });
  const agp = await x.getAgentProfile({ agent, profileId: 'preferences' });
  assert.deepEqual(agp.data, { fontSize: 'large' });
  await x.setAgentProfile({ agent, profileId: 'preferences', profile: { fontSize: 'small' }, etag: agp.headers.etag, matchHeader: 'If-Match' });
  assert.deepEqual((await x.getAgentProfile({ agent, profileId: 'preferences' })).data, { fontSize: 'small' });
  assert.deepEqual((await x.getAgentProfiles({ agent })).data, ['preferences']);
  await x.deleteAgentProfile({ agent, profileId: 'preferences' });
  assert.deepEqual((await x.getAgentProfiles({ agent })).data, []);
});

// ---- tincanjs (1.0.2, PUT) -----------------------------------------------------

function tincanLRS() {
  return new TinCan.LRS({ endpoint: `${srv.url}/xapi/`, username: ctx.client.key, password: ctx.client.secret, allowFail: false, version: '1.0.2' });
}
// tincanjs calls back (err, result); a failed request gives err as the HTTP status.
const cb = (fn) => new Promise((resolve, reject) => fn((err, res) => (err ? reject(Object.assign(new Error(`tincanjs: ${err}`), { err, res })) : resolve(res))));

function tincanStatement(uid, v, n, registration) {
  return new TinCan.Statement({
    actor: new TinCan.Agent({ account: { homePage: srv.url, name: uid } }),
    verb: new TinCan.Verb({ id: `http://adlnet.gov/expapi/verbs/${v}`, display: { 'en-US': v } }),
    target: new TinCan.Activity({ id: `https://example.org/courses/${n}`, definition: { name: { 'zh-CN': `课程 ${n}` } } }),
    context: new TinCan.Context({ registration }),
  }, { doStamp: true });
}

test('tincanjs: saveStatement (PUT, version 1.0.2), retrieveStatement, queryStatements with filters and moreStatements', async () => {
  const lrs = tincanLRS();
  const registration = crypto.randomUUID();
  const stmts = [0, 1, 2].map((i) => tincanStatement(i === 1 ? ctx.student2 : ctx.student, i ? 'attempted' : 'completed', `tc-${i}`, registration));
  for (const s of stmts) {
    const xhr = await cb((done) => lrs.saveStatement(s, { callback: done }));
    assert.equal(xhr.status, 204, 'PUT with statementId answers 204');
    await new Promise((r) => setTimeout(r, 5)); // distinct stored times for the since filter below
  }
  const back = await cb((done) => lrs.retrieveStatement(stmts[0].id, { callback: done }));
  assert.equal(back.id, stmts[0].id);
  assert.equal(back.actor.account.name, ctx.student);
  assert.equal(back.target.id, 'https://example.org/courses/tc-0');
  assert.equal(back.version, stmts[0].asVersion('1.0.2').version ?? '1.0.0', 'version as sent, 1.0.0 when absent');

  const all = [];
  let page = await cb((done) => lrs.queryStatements({ params: { registration, limit: 2 }, callback: done }));
  for (;;) {
    all.push(...page.statements.map((s) => s.id));
    if (!page.more) break;
    const more = page.more;
    page = await cb((done) => lrs.moreStatements({ url: more, callback: done }));
  }
  assert.deepEqual(all, stmts.map((s) => s.id).reverse());

  const byVerb = await cb((done) => lrs.queryStatements({ params: { registration, verb: new TinCan.Verb({ id: 'http://adlnet.gov/expapi/verbs/completed' }) }, callback: done }));
  assert.deepEqual(byVerb.statements.map((s) => s.id), [stmts[0].id]);
  const byAgent = await cb((done) => lrs.queryStatements({ params: { registration, agent: new TinCan.Agent({ account: { homePage: srv.url, name: ctx.student2 } }) }, callback: done }));
  assert.deepEqual(byAgent.statements.map((s) => s.id), [stmts[1].id]);
  const byActivity = await cb((done) => lrs.queryStatements({ params: { activity: new TinCan.Activity({ id: 'https://example.org/courses/tc-2' }) }, callback: done }));
  assert.deepEqual(byActivity.statements.map((s) => s.id), [stmts[2].id]);

  const window = await cb((done) => lrs.queryStatements({ params: { registration, since: back.stored, ascending: true, format: 'ids', related_agents: true, related_activities: true }, callback: done }));
  assert.deepEqual(window.statements.map((st) => st.id), stmts.slice(1).map((st) => st.id), 'since, ascending and the related flags');

  // saveStatements POSTs a batch; about answers the versions
  const batch = [3, 4].map((i) => tincanStatement(ctx.student, 'attempted', `tc-${i}`, registration));
  await cb((done) => lrs.saveStatements(batch, { callback: done }));
  const after = await cb((done) => lrs.queryStatements({ params: { registration }, callback: done }));
  assert.equal(after.statements.length, 5);
  const about = await cb((done) => lrs.about({ callback: done }));
  assert.ok(about.version.includes('1.0.2'));
  const act = await cb((done) => lrs.retrieveActivity('https://example.org/courses/tc-0', { callback: done }));
  assert.equal(act.definition.name['zh-CN'], '课程 tc-0');

  // saving the same statement again is a no-op; the same id with other content is a conflict
  const again = await cb((done) => lrs.saveStatement(stmts[0], { callback: done }));
  assert.equal(again.status, 204);
  const changed = tincanStatement(ctx.student, 'completed', 'tc-other', registration);
  changed.id = stmts[0].id;
  await assert.rejects(cb((done) => lrs.saveStatement(changed, { callback: done })), (e) => e.res?.status === 409);
});

test('tincanjs: a statement with an attachment, read back with attachments', async () => {
  const lrs = tincanLRS();
  const s = tincanStatement(ctx.student, 'completed', 'tc-attach', crypto.randomUUID());
  s.attachments = [new TinCan.Attachment({ usageType: 'http://id.tincanapi.com/attachment/supporting_media', display: { 'zh-CN': '作品说明' }, contentType: 'text/plain', content: '一幅水彩画' })];
  const xhr = await cb((done) => lrs.saveStatement(s, { callback: done }));
  assert.equal(xhr.status, 204, 'multipart/mixed PUT');
  const back = await cb((done) => lrs.retrieveStatement(s.id, { params: { attachments: true }, callback: done }));
  assert.equal(back.attachments.length, 1);
  assert.equal(back.attachments[0].sha2, s.attachments[0].sha2);
  const content = back.attachments[0].content;
  assert.equal(typeof content === 'string' ? content : new TextDecoder().decode(content), '一幅水彩画');
});

test('tincanjs: state, activity profile and agent profile documents', async () => {
  const lrs = tincanLRS();
  const agent = new TinCan.Agent({ account: { homePage: srv.url, name: ctx.student } });
  const activity = new TinCan.Activity({ id: 'https://example.org/courses/tc-docs' });
  const registration = crypto.randomUUID();
  await cb((done) => lrs.saveState('progress', { page: 7 }, { agent, activity, registration, contentType: 'application/json', callback: done }));
  const state = await cb((done) => lrs.retrieveState('progress', { agent, activity, registration, callback: done }));
  assert.deepEqual(state.contents, { page: 7 });
  await cb((done) => lrs.saveState('progress', { page: 8 }, { agent, activity, registration, contentType: 'application/json', callback: done }));
  assert.deepEqual((await cb((done) => lrs.retrieveState('progress', { agent, activity, registration, callback: done }))).contents, { page: 8 });
  const stateIds = await cb((done) => lrs.retrieveStateIds({ agent, activity, registration, callback: done }));
  assert.deepEqual(stateIds, ['progress']);
  await cb((done) => lrs.dropState('progress', { agent, activity, registration, callback: done }));
  assert.equal(await cb((done) => lrs.retrieveState('progress', { agent, activity, registration, callback: done })), null);

  const text = await cb((done) => lrs.saveActivityProfile('notes', '第一版', { activity, contentType: 'text/plain', callback: done }));
  assert.ok(text);
  const ap = await cb((done) => lrs.retrieveActivityProfile('notes', { activity, callback: done }));
  assert.equal(ap.contents, '第一版');
  assert.match(ap.etag, /^"?[0-9a-f]{40}"?$/);
  await cb((done) => lrs.saveActivityProfile('notes', '第二版', { activity, contentType: 'text/plain', lastSHA1: ap.etag, callback: done }));
  assert.equal((await cb((done) => lrs.retrieveActivityProfile('notes', { activity, callback: done }))).contents, '第二版');
  await assert.rejects(
    cb((done) => lrs.saveActivityProfile('notes', '过期的版本', { activity, contentType: 'text/plain', lastSHA1: ap.etag, callback: done })),
    (e) => e.res?.status === 412);
  assert.equal((await cb((done) => lrs.retrieveActivityProfile('notes', { activity, callback: done }))).contents, '第二版');
  await cb((done) => lrs.dropActivityProfile('notes', { activity, callback: done }));

  await cb((done) => lrs.saveAgentProfile('prefs', { theme: '护眼' }, { agent, contentType: 'application/json', callback: done }));
  const agp = await cb((done) => lrs.retrieveAgentProfile('prefs', { agent, callback: done }));
  assert.deepEqual(agp.contents, { theme: '护眼' });
  await cb((done) => lrs.saveAgentProfile('prefs', { theme: '标准' }, { agent, contentType: 'application/json', lastSHA1: agp.etag, callback: done }));
  assert.deepEqual((await cb((done) => lrs.retrieveAgentProfile('prefs', { agent, callback: done }))).contents, { theme: '标准' });
  await cb((done) => lrs.dropAgentProfile('prefs', { agent, callback: done }));
  assert.equal(await cb((done) => lrs.retrieveAgentProfile('prefs', { agent, callback: done })), null);
});
