// xapi.test.mjs — the Learning Record Store (xAPI 1.0.3) against a demo city:
// each requirement of the xAPI requirements list is a test named by its
// XAPI-nnnnn id (the ids of ADL's conformance suite), plus the platform's own
// rules (LRS clients, scope, people by opaque account) and hostile input.
//
// Clients: `ext` (the demo school, read and write, agents outside the platform
// allowed — what a conformance run uses), `rw` (the demo school, platform people
// only), `ro` / `wo` (read only / write only) and `other` (a school of another
// district).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, call, demoAccounts, signIn } from './harness.mjs';

let srv;
let city;
const ctx = {};
const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';

// ---- helpers -------------------------------------------------------------

function basic(c) { return `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`; }

// Call the LRS as client c. opts: body (object → JSON), raw (string/Buffer),
// type, headers, version (null: no version header), method.
async function lrs(c, method, path, opts = {}) {
  const headers = { ...(c ? { authorization: basic(c) } : {}), ...(opts.headers || {}) };
  if (opts.version !== null) headers['x-experience-api-version'] = opts.version ?? '1.0.3';
  let body;
  if (opts.body !== undefined) { body = JSON.stringify(opts.body); headers['content-type'] = 'application/json'; }
  if (opts.raw !== undefined) { body = opts.raw; headers['content-type'] = opts.type || 'application/json'; }
  return call(`${srv.url}${path}`, { method, headers, body });
}
const post = (c, body, opts = {}) => lrs(c, 'POST', '/xapi/statements', { ...opts, body });
const put = (c, id, body, opts = {}) => lrs(c, 'PUT', `/xapi/statements?statementId=${id}`, { ...opts, body });
const get = (c, query = '', opts = {}) => lrs(c, 'GET', `/xapi/statements${query ? `?${query}` : ''}`, opts);
const q = (o) => new URLSearchParams(Object.entries(o).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)])).toString();

let seq = 0;
const uuid = () => crypto.randomUUID();
const mbox = () => ({ objectType: 'Agent', mbox: `mailto:learner${++seq}@example.org` });
const activity = (n = ++seq) => ({ objectType: 'Activity', id: `http://example.org/activities/${n}` });
const verb = (n = 'completed') => ({ id: `http://adlnet.gov/expapi/verbs/${n}`, display: { 'en-US': n } });
// A minimal valid statement about an external agent.
function st(extra = {}) { return { actor: mbox(), verb: verb(), object: activity(), ...extra }; }
// A statement about a platform person (opaque account).
function person(uid) { return { objectType: 'Agent', account: { homePage: srv.url, name: uid } }; }

async function rejects(c, statement, status = 400) {
  const before = await count(c);
  const r = await post(c, statement);
  assert.equal(r.status, status, `${JSON.stringify(statement).slice(0, 200)} → ${r.status} ${r.text}`);
  assert.ok(r.body?.error?.message, r.text);
  assert.equal(await count(c), before, 'a rejected request changes nothing');
  return r;
}
async function accepts(c, statement) {
  const r = await post(c, statement);
  assert.equal(r.status, 200, `${JSON.stringify(statement).slice(0, 300)} → ${r.text}`);
  return r.body[0];
}
async function count(c) {
  let n = 0;
  let path = '/xapi/statements?limit=500';
  for (;;) {
    const r = await lrs(c, 'GET', path);
    assert.equal(r.status, 200, r.text);
    n += r.body.statements.length;
    if (!r.body.more) return n;
    path = r.body.more;
  }
}
async function one(c, id) {
  const r = await get(c, `statementId=${id}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function client(name, org, flags) {
  const r = await city.post('/api/v1/xapi/clients', { name, org, ...flags });
  assert.equal(r.status, 201, r.text);
  return { ...r.body, key: r.body.key, secret: r.body.secret };
}

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  city = await signIn(srv.url, accounts.city_admin);
  const teacher = await signIn(srv.url, accounts.teacher);
  const cls = teacher.me.roles[0].org.id;
  const path = (await city.get(`/api/v1/orgs/${cls}/path`)).body.items;
  ctx.school = path.find((o) => o.kind === 'school').id;
  const district = path.find((o) => o.kind === 'district').id;
  const districts = (await city.get('/api/v1/orgs?kind=district')).body.items;
  const other = districts.find((d) => d.id !== district).id;
  ctx.otherSchool = (await city.get(`/api/v1/orgs?parent=${other}&kind=school`)).body.items[0].id;
  const students = (await city.get(`/api/v1/students?school=${ctx.school}&limit=3`)).body.items;
  ctx.student = students[0].person;
  ctx.student2 = students[1].person;
  const p = await city.post('/api/v1/persons', { name: '外校学生' });
  assert.ok(p.status === 201 || p.status === 200, p.text);
  ctx.outsider = p.body.person ?? p.body.id;
  const s = await city.post('/api/v1/students', { school: ctx.otherSchool, person: ctx.outsider, name: '外校学生', status: '01' });
  assert.equal(s.status, 201, s.text);
  ctx.ext = await client('一致性测试', ctx.school, { read: true, write: true, external_agents: true });
  ctx.rw = await client('学习平台', ctx.school, { read: true, write: true });
  ctx.ro = await client('只读看板', ctx.school, { read: true });
  ctx.wo = await client('只写采集', ctx.school, { write: true });
  ctx.other = await client('外区平台', ctx.otherSchool, { read: true, write: true, external_agents: true });
});
after(async () => { await srv.stop(); });

// ---- 5.0 every resource -----------------------------------------------------

test('XAPI-00334/00335 Basic credentials required; bad or malformed credentials → 401', async () => {
  const none = await get(null);
  assert.equal(none.status, 401, none.text);
  assert.match(none.headers.get('www-authenticate') || '', /Basic/);
  const wrong = await get({ key: ctx.ext.key, secret: 'not-the-secret' });
  assert.equal(wrong.status, 401);
  const unknown = await get({ key: 'xk_nobody', secret: ctx.ext.secret });
  assert.equal(unknown.status, 401);
  for (const auth of ['Basic', 'Basic !!!', `Basic ${Buffer.from('no-colon').toString('base64')}`, 'Basic ' + 'A'.repeat(5000)]) {
    const r = await lrs(null, 'GET', '/xapi/statements', { headers: { authorization: auth } });
    assert.equal(r.status, 401, `${auth.slice(0, 20)} → ${r.status}`);
  }
});

test('XAPI-00321/00331 a request without X-Experience-API-Version → 400, except /about', async () => {
  for (const path of ['/xapi/statements', `/xapi/agents?agent=${encodeURIComponent(JSON.stringify(mbox()))}`, '/xapi/activities?activityId=http://example.org/a']) {
    const r = await lrs(ctx.ext, 'GET', path, { version: null });
    assert.equal(r.status, 400, `${path}: ${r.text}`);
    assert.equal(r.body.error.code, 'missing_version');
  }
  const about = await lrs(null, 'GET', '/xapi/about', { version: null });
  assert.equal(about.status, 200, about.text);
});

test('XAPI-00333 every response carries X-Experience-API-Version: 1.0.3, errors included; 1.0.x accepted', async () => {
  for (const r of [await get(ctx.ext), await get(null), await get(ctx.ext, 'bogus=1'), await lrs(null, 'GET', '/xapi/about')]) {
    assert.equal(r.headers.get('x-experience-api-version'), '1.0.3', `${r.status} ${r.text}`);
  }
  for (const v of ['1.0', '1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.9']) {
    assert.equal((await get(ctx.ext, '', { version: v })).status, 200, v);
  }
  for (const v of ['1.1.0', '2.0.0', '0.95', '1.0.', '1.0.x', '']) {
    const r = await get(ctx.ext, '', { version: v });
    assert.equal(r.status, 400, `version "${v}" → ${r.status}`);
  }
});

test('XAPI-00324/00325 unknown parameters and parameter names in the wrong case → 400', async () => {
  for (const p of ['bogus=1', 'Limit=1', 'statementID=' + uuid(), 'VERB=http://example.org/v', 'Ascending=true']) {
    const r = await get(ctx.ext, p);
    assert.equal(r.status, 400, `${p}: ${r.text}`);
  }
  const put1 = await lrs(ctx.ext, 'PUT', `/xapi/statements?statementId=${uuid()}&extra=1`, { body: st() });
  assert.equal(put1.status, 400);
  const post1 = await lrs(ctx.ext, 'POST', '/xapi/statements?statementId=' + uuid(), { body: st() });
  assert.equal(post1.status, 400);
});

test('XAPI-00012 parameter values are validated like statement values', async () => {
  for (const p of [
    'agent=notjson', `agent=${encodeURIComponent('{"name":"no ifi"}')}`, 'verb=not-an-iri', 'activity=no scheme',
    'registration=123', 'since=yesterday', 'until=2026-13-01T00:00:00Z', 'limit=-1', 'limit=abc',
    'ascending=yes', 'format=full', 'attachments=1', 'statementId=not-a-uuid', 'more=xyz',
  ]) {
    const r = await get(ctx.ext, p);
    assert.equal(r.status, 400, `${p}: ${r.text}`);
  }
});

test('XAPI-00125/00126 HEAD answers like GET without a body; GET works without Content-Length', async () => {
  const id = await accepts(ctx.ext, st());
  const g = await get(ctx.ext, `statementId=${id}`);
  const h = await lrs(ctx.ext, 'HEAD', `/xapi/statements?statementId=${id}`);
  assert.equal(h.status, 200);
  assert.equal(h.text, '');
  assert.equal(h.headers.get('content-type'), g.headers.get('content-type'));
  assert.ok(h.headers.get('x-experience-api-consistent-through'));
  const hm = await lrs(ctx.ext, 'HEAD', `/xapi/statements?statementId=${uuid()}`);
  assert.equal(hm.status, 404);
  for (const path of ['/xapi/about', `/xapi/agents?agent=${encodeURIComponent(JSON.stringify(mbox()))}`, '/xapi/activities?activityId=http://example.org/x']) {
    assert.equal((await lrs(ctx.ext, 'HEAD', path)).status, 200, path);
  }
});

test('XAPI-00336/00148 alternate request syntax: POST ?method= with headers and content in a form', async () => {
  const id = uuid();
  const form = (fields) => new URLSearchParams(fields).toString();
  const statement = st();
  const r = await lrs(null, 'POST', '/xapi/statements?method=PUT', {
    version: null, type: 'application/x-www-form-urlencoded',
    raw: form({ statementId: id, Authorization: basic(ctx.ext), 'X-Experience-API-Version': '1.0.3', 'Content-Type': 'application/json', content: JSON.stringify(statement) }),
  });
  assert.equal(r.status, 204, r.text);
  const g = await lrs(null, 'POST', '/xapi/statements?method=GET', {
    version: null, type: 'application/x-www-form-urlencoded',
    raw: form({ statementId: id, Authorization: basic(ctx.ext), 'X-Experience-API-Version': '1.0.3' }),
  });
  assert.equal(g.status, 200, g.text);
  assert.equal(g.body.id, id);
  assert.deepEqual(g.body.actor, statement.actor);
  // extra query parameters beside method → 400
  const extra = await lrs(null, 'POST', `/xapi/statements?method=GET&statementId=${id}`, {
    version: null, type: 'application/x-www-form-urlencoded',
    raw: form({ Authorization: basic(ctx.ext), 'X-Experience-API-Version': '1.0.3' }),
  });
  assert.equal(extra.status, 400, extra.text);
  // not a form, or an unknown method → 400; credentials in the form are checked
  const notForm = await lrs(ctx.ext, 'POST', '/xapi/statements?method=GET', { body: {} });
  assert.equal(notForm.status, 400);
  const badMethod = await lrs(null, 'POST', '/xapi/statements?method=PATCH', { version: null, type: 'application/x-www-form-urlencoded', raw: form({ Authorization: basic(ctx.ext) }) });
  assert.equal(badMethod.status, 400);
  const badAuth = await lrs(null, 'POST', '/xapi/statements?method=GET', { version: null, type: 'application/x-www-form-urlencoded', raw: form({ Authorization: basic({ key: ctx.ext.key, secret: 'x' }), 'X-Experience-API-Version': '1.0.3' }) });
  assert.equal(badAuth.status, 401);
  const noVersion = await lrs(null, 'POST', '/xapi/statements?method=GET', { version: null, type: 'application/x-www-form-urlencoded', raw: form({ Authorization: basic(ctx.ext) }) });
  assert.equal(noVersion.status, 400);
});

test('XAPI-00014/00015 malformed JSON bodies → 400; UTF-8 text is kept', async () => {
  for (const raw of ['{', '[', '{"actor":}', 'null', '42', '"text"', '[]', '{"a":1,"a":2}', '\xff\xfe']) {
    const r = await lrs(ctx.ext, 'POST', '/xapi/statements', { raw });
    assert.equal(r.status, 400, `${raw} → ${r.status} ${r.text}`);
  }
  const id = await accepts(ctx.ext, st({ verb: { id: 'http://example.org/verbs/学习', display: { 'zh-CN': '学习了', 'en-US': 'studied' } } }));
  assert.equal((await one(ctx.ext, id)).verb.display['zh-CN'], '学习了');
});

test('XAPI-00182 a rejected request changes nothing (bad media type, oversized body, too many statements)', async () => {
  const before = await count(ctx.ext);
  const text = await lrs(ctx.ext, 'POST', '/xapi/statements', { raw: JSON.stringify(st()), type: 'text/plain' });
  assert.equal(text.status, 400);
  try { // answered 413 before the body is read, and the connection closes
    const huge = await lrs(ctx.ext, 'POST', '/xapi/statements', { raw: JSON.stringify(st({ result: { response: 'x'.repeat(2 << 20) } })) });
    assert.equal(huge.status, 413);
  } catch (e) {
    assert.match(String(e.cause?.code ?? e.message), /EPIPE|ECONNRESET|fetch failed|UND_ERR/);
  }
  const many = await post(ctx.ext, Array.from({ length: 1001 }, () => st()));
  assert.equal(many.status, 413, many.text);
  assert.equal(await count(ctx.ext), before);
});

// ---- 5.1 statements ----------------------------------------------------------

test('XAPI-00139 the statements endpoint exists (GET, PUT, POST)', async () => {
  assert.equal((await get(ctx.ext)).status, 200);
  assert.equal((await put(ctx.ext, uuid(), st())).status, 204);
  assert.equal((await post(ctx.ext, st())).status, 200);
});

test('XAPI-00143/00144/00145 PUT needs statementId and answers 204; the id must agree with the statement', async () => {
  const r = await lrs(ctx.ext, 'PUT', '/xapi/statements', { body: st() });
  assert.equal(r.status, 400, r.text);
  const id = uuid();
  const ok = await put(ctx.ext, id, st());
  assert.equal(ok.status, 204, ok.text);
  assert.equal(ok.text, '');
  assert.equal((await one(ctx.ext, id)).id, id);
  const mismatch = await put(ctx.ext, uuid(), st({ id: uuid() }));
  assert.equal(mismatch.status, 400);
  const array = await lrs(ctx.ext, 'PUT', `/xapi/statements?statementId=${uuid()}`, { body: [st(), st()] });
  assert.equal(array.status, 400);
});

test('XAPI-00146/00147 POST takes one statement or an array and answers 200 with the ids in order', async () => {
  const single = await post(ctx.ext, st());
  assert.equal(single.status, 200);
  assert.equal(single.body.length, 1);
  const given = uuid();
  const batch = await post(ctx.ext, [st(), st({ id: given }), st()]);
  assert.equal(batch.status, 200, batch.text);
  assert.equal(batch.body.length, 3);
  assert.equal(batch.body[1], given);
  for (const id of batch.body) assert.equal((await one(ctx.ext, id)).id, id);
});

test('XAPI-00142 an existing id: same content → 204/200 and no change; different content → 409 and no change', async () => {
  const id = uuid();
  const s = st({ id });
  assert.equal((await put(ctx.ext, id, s)).status, 204);
  const stored = await one(ctx.ext, id);
  assert.equal((await put(ctx.ext, id, s)).status, 204, 'an identical retry');
  assert.equal((await post(ctx.ext, s)).status, 200, 'an identical retry by POST');
  const conflict = await put(ctx.ext, id, { ...s, verb: verb('failed') });
  assert.equal(conflict.status, 409, conflict.text);
  const conflictPost = await post(ctx.ext, [st(), { ...s, verb: verb('failed') }]);
  assert.equal(conflictPost.status, 409);
  assert.deepEqual(await one(ctx.ext, id), stored);
});

test('XAPI-00326 a batch with one bad statement stores none of it', async () => {
  const ids = [uuid(), uuid()];
  const r = await rejects(ctx.ext, [st({ id: ids[0] }), st({ id: ids[1], verb: { id: 'no-scheme' } })]);
  assert.match(r.body.error.message, /\[1\]/);
  for (const id of ids) assert.equal((await get(ctx.ext, `statementId=${id}`)).status, 404);
});

test('XAPI-00155/00156/00157/00158 GET by statementId and by voidedStatementId', async () => {
  const id = await accepts(ctx.ext, st());
  const r = await get(ctx.ext, `statementId=${id}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.id, id);
  assert.equal((await get(ctx.ext, `voidedStatementId=${id}`)).status, 404, 'not voided');
  await accepts(ctx.ext, st({ verb: { id: VOIDED, display: { 'en-US': 'voided' } }, object: { objectType: 'StatementRef', id } }));
  const v = await get(ctx.ext, `voidedStatementId=${id}`);
  assert.equal(v.status, 200, v.text);
  assert.equal(v.body.id, id);
  assert.equal((await get(ctx.ext, `statementId=${id}`)).status, 404, 'a voided statement only by voidedStatementId');
  assert.equal((await get(ctx.ext, `statementId=${uuid()}`)).status, 404);
});

test('XAPI-00154/00113/00110/00149 a query answers a StatementResult; no match → statements []', async () => {
  const r = await get(ctx.ext, 'limit=2');
  assert.equal(r.status, 200);
  assert.ok(Array.isArray(r.body.statements));
  assert.equal(typeof r.body.more, 'string');
  const none = await get(ctx.ext, `registration=${uuid()}`);
  assert.equal(none.status, 200);
  assert.deepEqual(none.body.statements, []);
  assert.equal(none.body.more, '');
});

test('XAPI-00181/00176 agent filter: actor or object; related_agents adds context, authority and members', async () => {
  const a = mbox();
  const asActor = await accepts(ctx.ext, st({ actor: a }));
  const asObject = await accepts(ctx.ext, st({ object: a }));
  const asInstructor = await accepts(ctx.ext, st({ context: { instructor: a } }));
  const asMember = await accepts(ctx.ext, st({ actor: { objectType: 'Group', member: [a, mbox()] } }));
  await accepts(ctx.ext, st());
  const plain = (await get(ctx.ext, q({ agent: a }))).body.statements.map((s) => s.id).sort();
  assert.deepEqual(plain, [asActor, asObject].sort());
  const related = (await get(ctx.ext, q({ agent: a, related_agents: true }))).body.statements.map((s) => s.id).sort();
  assert.deepEqual(related, [asActor, asObject, asInstructor, asMember].sort());
});

test('XAPI-00180/00179/00178 verb, activity (related_activities) and registration filters', async () => {
  const v = `http://example.org/verbs/v${++seq}`;
  const act = activity();
  const reg = uuid();
  const byVerb = await accepts(ctx.ext, st({ verb: { id: v } }));
  const byAct = await accepts(ctx.ext, st({ object: act }));
  const byParent = await accepts(ctx.ext, st({ context: { contextActivities: { parent: act } } }));
  const byReg = await accepts(ctx.ext, st({ context: { registration: reg } }));
  const ids = async (query) => (await get(ctx.ext, q(query))).body.statements.map((s) => s.id).sort();
  assert.deepEqual(await ids({ verb: v }), [byVerb]);
  assert.deepEqual(await ids({ activity: act.id }), [byAct]);
  assert.deepEqual(await ids({ activity: act.id, related_activities: true }), [byAct, byParent].sort());
  assert.deepEqual(await ids({ registration: reg }), [byReg]);
  assert.deepEqual(await ids({ registration: reg, verb: v }), []);
});

test('XAPI-00175/00174/00173/00166 since, until, limit and ascending', async () => {
  const a = mbox();
  const first = await accepts(ctx.ext, st({ actor: a }));
  const t1 = (await one(ctx.ext, first)).stored;
  await new Promise((r) => setTimeout(r, 15));
  const second = await accepts(ctx.ext, st({ actor: a }));
  const third = await accepts(ctx.ext, st({ actor: a }));
  const t3 = (await one(ctx.ext, third)).stored;
  const ids = async (query) => (await get(ctx.ext, q({ agent: a, ...query }))).body.statements.map((s) => s.id);
  assert.deepEqual(await ids({}), [third, second, first], 'newest first');
  assert.deepEqual(await ids({ ascending: true }), [first, second, third]);
  assert.deepEqual(await ids({ since: t1 }), [third, second]);
  assert.deepEqual(await ids({ until: t1 }), [first]);
  assert.deepEqual(await ids({ since: t1, until: t3 }), [third, second]);
  assert.deepEqual(await ids({ limit: 1 }), [third]);
});

test('XAPI-00108/00109/00111/00114 more: a relative URL to the next page, "" at the end, stable under inserts', async () => {
  const a = mbox();
  const made = [];
  for (let i = 0; i < 5; i++) made.push(await accepts(ctx.ext, st({ actor: a })));
  const seen = [];
  let r = await get(ctx.ext, q({ agent: a, limit: 2 }));
  let pages = 0;
  while (true) {
    assert.equal(r.status, 200, r.text);
    seen.push(...r.body.statements.map((s) => s.id));
    if (pages === 0) await accepts(ctx.ext, st({ actor: a })); // a concurrent insert
    pages++;
    if (!r.body.more) break;
    assert.match(r.body.more, /^\/xapi\/statements\?/);
    r = await lrs(ctx.ext, 'GET', new URL(r.body.more, `${srv.url}/xapi/statements`).pathname + new URL(r.body.more, srv.url).search);
  }
  assert.equal(pages, 3);
  assert.deepEqual(seen, made.reverse(), 'every statement once, none twice, the new one not mixed in');
});

test('XAPI-00150/00151 statementId or voidedStatementId with any parameter but attachments/format → 400', async () => {
  const id = await accepts(ctx.ext, st());
  for (const p of ['limit=1', 'ascending=true', `verb=${encodeURIComponent('http://example.org/v')}`, 'since=2020-01-01T00:00:00Z', `voidedStatementId=${id}`]) {
    assert.equal((await get(ctx.ext, `statementId=${id}&${p}`)).status, 400, p);
    assert.equal((await get(ctx.ext, `voidedStatementId=${id}&${p}`)).status, 400, p);
  }
  assert.equal((await get(ctx.ext, `statementId=${id}&format=ids&attachments=false`)).status, 200);
});

test('XAPI-00153/00165 X-Experience-API-Consistent-Through (ISO 8601) on every statement GET; Content-Type on GET', async () => {
  for (const p of ['', `statementId=${uuid()}`, 'bogus=1']) {
    const r = await get(ctx.ext, p);
    const ct = r.headers.get('x-experience-api-consistent-through');
    assert.ok(ct && !Number.isNaN(Date.parse(ct)), `${p} → ${r.status}: ${ct}`);
    assert.match(ct, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.match(r.headers.get('content-type'), /application\/json/);
  }
  const date = (await get(ctx.ext)).headers.get('date');
  assert.ok(date && !date.includes(','.repeat(2)) && date.split('GMT').length === 2, `one Date header: ${date}`);
});

test('XAPI-00162/00163 voided statements are left out of queries; statements targeting them are returned', async () => {
  const a = mbox();
  const target = await accepts(ctx.ext, st({ actor: a }));
  const voider = await accepts(ctx.ext, st({ actor: a, verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: target } }));
  const ids = (await get(ctx.ext, q({ agent: a }))).body.statements.map((s) => s.id);
  assert.deepEqual(ids, [voider]);
});

test('XAPI-00016/00017/00018/00019/00020 voiding: a StatementRef object; a voiding statement cannot be voided; unknown targets accepted', async () => {
  await rejects(ctx.ext, st({ verb: { id: VOIDED }, object: activity() }));
  const target = await accepts(ctx.ext, st());
  const voider = await accepts(ctx.ext, st({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: target } }));
  await rejects(ctx.ext, st({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: voider } }));
  assert.equal((await get(ctx.ext, `statementId=${voider}`)).status, 200);
  await accepts(ctx.ext, st({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: uuid() } }));
  // a target stored after its voiding statement arrives voided
  const late = uuid();
  await accepts(ctx.ext, st({ verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: late } }));
  assert.equal((await put(ctx.ext, late, st())).status, 204);
  assert.equal((await get(ctx.ext, `statementId=${late}`)).status, 404);
  assert.equal((await get(ctx.ext, `voidedStatementId=${late}`)).status, 200);
});

test('XAPI-00164 format=ids, exact and canonical (with Accept-Language)', async () => {
  const id = await accepts(ctx.ext, st({
    actor: { ...mbox(), name: 'Learner' },
    verb: { id: 'http://example.org/verbs/read', display: { 'en-US': 'read', 'zh-CN': '阅读了' } },
    object: { objectType: 'Activity', id: `http://example.org/books/${++seq}`, definition: { name: { 'en-US': 'Book', 'zh-CN': '书' }, type: 'http://adlnet.gov/expapi/activities/media' } },
  }));
  const exact = (await get(ctx.ext, `statementId=${id}&format=exact`)).body;
  assert.equal(exact.actor.name, 'Learner');
  assert.equal(Object.keys(exact.verb.display).length, 2);
  const ids = (await get(ctx.ext, `statementId=${id}&format=ids`)).body;
  assert.equal(ids.actor.name, undefined);
  assert.ok(ids.actor.mbox);
  assert.equal(ids.verb.display, undefined);
  assert.equal(ids.object.definition, undefined);
  assert.equal(ids.object.id, exact.object.id);
  const zh = (await get(ctx.ext, `statementId=${id}&format=canonical`, { headers: { 'accept-language': 'zh-CN,zh;q=0.9' } })).body;
  assert.deepEqual(zh.verb.display, { 'zh-CN': '阅读了' });
  assert.deepEqual(zh.object.definition.name, { 'zh-CN': '书' });
  const en = (await get(ctx.ext, `statementId=${id}&format=canonical`, { headers: { 'accept-language': 'en' } })).body;
  assert.deepEqual(en.verb.display, { 'en-US': 'read' });
});

// ---- statement validation ------------------------------------------------------

test('XAPI-00001 null values are refused except inside extensions', async () => {
  await rejects(ctx.ext, st({ result: null }));
  await rejects(ctx.ext, st({ actor: { ...mbox(), name: null } }));
  await rejects(ctx.ext, st({ verb: { id: 'http://example.org/v', display: { 'en-US': null } } }));
  await rejects(ctx.ext, st({ timestamp: null }));
  await accepts(ctx.ext, st({ result: { extensions: { 'http://example.org/ext': null } } }));
});

test('XAPI-00006/00008/00009/00010 wrong JSON types, wrong-case keys and enum values, unknown properties', async () => {
  await rejects(ctx.ext, st({ result: { success: 'true' } }));
  await rejects(ctx.ext, st({ result: { completion: 1 } }));
  await rejects(ctx.ext, st({ result: { response: 42 } }));
  await rejects(ctx.ext, st({ Result: {} }));
  await rejects(ctx.ext, st({ actor: { objectType: 'agent', mbox: 'mailto:a@example.org' } }));
  await rejects(ctx.ext, st({ object: { objectType: 'activity', id: 'http://example.org/a' } }));
  await rejects(ctx.ext, st({ object: { id: 'http://example.org/a', definition: { interactionType: 'Choice' } } }));
  await rejects(ctx.ext, st({ verb: { id: 'http://example.org/v', Display: {} } }));
  await rejects(ctx.ext, st({ unknownProperty: 1 }));
  await rejects(ctx.ext, st({ objectType: 'Statement' }));
});

test('XAPI-00002 numbers keep at least IEEE 754 single precision', async () => {
  const id = await accepts(ctx.ext, st({ result: { score: { raw: 0.123456789, min: 0, max: 1, scaled: 0.333333333333 } } }));
  const s = await one(ctx.ext, id);
  assert.equal(s.result.score.raw, 0.123456789);
  assert.equal(s.result.score.scaled, 0.333333333333);
});

test('XAPI-00003/00004/00005 actor, verb and object are required', async () => {
  for (const k of ['actor', 'verb', 'object']) {
    const s = st();
    delete s[k];
    const r = await rejects(ctx.ext, s);
    assert.equal(r.body.error.field, k);
  }
});

test('XAPI-00007/00011 format-following strings: mailto, UUID, IRIs with a scheme', async () => {
  await rejects(ctx.ext, st({ actor: { mbox: 'learner@example.org' } }));
  await rejects(ctx.ext, st({ actor: { mbox: 'mailto:' } }));
  await rejects(ctx.ext, st({ verb: { id: 'completed' } }));
  await rejects(ctx.ext, st({ object: { id: 'www.example.org/a' } }));
  await rejects(ctx.ext, st({ object: { id: 'http://example.org/a b' } }));
  await rejects(ctx.ext, st({ actor: { openid: 'example.org/me' } }));
  await rejects(ctx.ext, st({ actor: { account: { homePage: 'example.org', name: 'x' } } }));
  await rejects(ctx.ext, st({ context: { registration: 'not-a-uuid' } }));
});

test('XAPI-00026/00027/00028/00029/00030 statement ids: a UUID in standard form; generated when absent', async () => {
  await rejects(ctx.ext, st({ id: 'abc' }));
  await rejects(ctx.ext, st({ id: '{' + uuid() + '}' }));
  await rejects(ctx.ext, st({ id: uuid().replaceAll('-', '') }));
  await rejects(ctx.ext, st({ id: 42 }));
  const id = await accepts(ctx.ext, st());
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[47][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('XAPI-00031..00043 actors: Agent or Group, exactly one IFI, groups with members', async () => {
  await rejects(ctx.ext, st({ actor: { name: 'no ifi' } }));
  await rejects(ctx.ext, st({ actor: { mbox: 'mailto:a@example.org', openid: 'http://example.org/a' } }));
  await rejects(ctx.ext, st({ actor: { mbox_sha1sum: 'abc' } }));
  await rejects(ctx.ext, st({ actor: { account: { homePage: 'http://example.org' } } }));
  await rejects(ctx.ext, st({ actor: { account: { homePage: 'http://example.org', name: 'x', extra: 1 } } }));
  await rejects(ctx.ext, st({ actor: { objectType: 'Person', mbox: 'mailto:a@example.org' } }));
  await rejects(ctx.ext, st({ actor: { objectType: 'Group' } }));
  await rejects(ctx.ext, st({ actor: { objectType: 'Group', member: [] } }));
  await rejects(ctx.ext, st({ actor: { objectType: 'Group', member: [{ objectType: 'Group', mbox: 'mailto:g@example.org' }] } }));
  await rejects(ctx.ext, st({ actor: { objectType: 'Group', member: mbox() } }));
  await rejects(ctx.ext, st({ actor: { objectType: 'Agent', member: [mbox()], mbox: 'mailto:a@example.org' } }));
  await accepts(ctx.ext, st({ actor: { objectType: 'Group', member: [mbox(), mbox()] } }));
  await accepts(ctx.ext, st({ actor: { objectType: 'Group', mbox: 'mailto:team@example.org', member: [mbox()] } }));
  await accepts(ctx.ext, st({ actor: { mbox_sha1sum: 'a'.repeat(40) } }));
  await accepts(ctx.ext, st({ actor: { openid: 'http://example.org/openid/1' } }));
  await accepts(ctx.ext, st({ actor: { account: { homePage: 'http://example.org', name: 'x1' } } }));
});

test('XAPI-00044/00045 verbs: id an IRI, display a language map of RFC 5646 tags', async () => {
  await rejects(ctx.ext, st({ verb: { display: { 'en-US': 'x' } } }));
  await rejects(ctx.ext, st({ verb: { id: 'http://example.org/v', display: 'done' } }));
  for (const tag of ['en_US', '', 'english-', 'e', '123', 'en--US', 'toolongtag-US']) {
    await rejects(ctx.ext, st({ verb: { id: 'http://example.org/v', display: { [tag]: 'x' } } }));
  }
  for (const tag of ['en', 'en-US', 'zh-Hans-CN', 'sgn-BE-FR', 'x-private', 'de-CH-1901', 'und']) {
    await accepts(ctx.ext, st({ verb: { id: 'http://example.org/v', display: { [tag]: 'x' } } }));
  }
});

test('XAPI-00065 an Agent or Group object states its objectType', async () => {
  await rejects(ctx.ext, st({ object: { mbox: 'mailto:a@example.org' } }));
  await accepts(ctx.ext, st({ object: { objectType: 'Agent', mbox: 'mailto:a@example.org' } }));
  await accepts(ctx.ext, st({ object: { objectType: 'Group', member: [mbox()] } }));
});

test('XAPI-00066..00071 sub-statements follow statement rules, do not nest, carry no id/stored/version/authority', async () => {
  const sub = (extra = {}) => ({ objectType: 'SubStatement', actor: mbox(), verb: verb(), object: activity(), ...extra });
  await accepts(ctx.ext, st({ object: sub() }));
  await rejects(ctx.ext, st({ object: sub({ object: sub() }) }));
  for (const k of ['id', 'stored', 'version', 'authority']) {
    const v = { id: uuid(), stored: new Date().toISOString(), version: '1.0.0', authority: mbox() }[k];
    await rejects(ctx.ext, st({ object: sub({ [k]: v }) }));
  }
  await rejects(ctx.ext, st({ object: sub({ verb: { id: 'bad' } }) }));
  await rejects(ctx.ext, st({ object: { ...sub(), objectType: 'substatement' } }));
});

test('XAPI-00072/00073 a StatementRef needs an id that is a UUID', async () => {
  await rejects(ctx.ext, st({ object: { objectType: 'StatementRef' } }));
  await rejects(ctx.ext, st({ object: { objectType: 'StatementRef', id: 'abc' } }));
  await rejects(ctx.ext, st({ object: { objectType: 'StatementRef', id: uuid(), definition: {} } }));
  await accepts(ctx.ext, st({ object: { objectType: 'StatementRef', id: uuid() } }));
});

test('XAPI-00064 activity definitions and interaction components by interaction type', async () => {
  const def = (d) => st({ object: { id: `http://example.org/q/${++seq}`, definition: d } });
  const comps = [{ id: 'a', description: { 'en-US': 'A' } }, { id: 'b', description: { 'en-US': 'B' } }];
  await accepts(ctx.ext, def({ interactionType: 'choice', choices: comps, correctResponsesPattern: ['a'] }));
  await accepts(ctx.ext, def({ interactionType: 'sequencing', choices: comps }));
  await accepts(ctx.ext, def({ interactionType: 'likert', scale: comps }));
  await accepts(ctx.ext, def({ interactionType: 'matching', source: comps, target: comps }));
  await accepts(ctx.ext, def({ interactionType: 'performance', steps: comps }));
  await accepts(ctx.ext, def({ interactionType: 'true-false', correctResponsesPattern: ['true'] }));
  await accepts(ctx.ext, def({ interactionType: 'fill-in' }));
  await accepts(ctx.ext, def({ interactionType: 'numeric', correctResponsesPattern: ['4[:]'] }));
  await rejects(ctx.ext, def({ interactionType: 'likert', choices: comps }));
  await rejects(ctx.ext, def({ interactionType: 'true-false', steps: comps }));
  await rejects(ctx.ext, def({ choices: comps }));
  await rejects(ctx.ext, def({ correctResponsesPattern: ['a'] }));
  await rejects(ctx.ext, def({ interactionType: 'choice', choices: [comps[0], comps[0]] }));
  await rejects(ctx.ext, def({ interactionType: 'choice', choices: [{ description: { 'en-US': 'x' } }] }));
  await rejects(ctx.ext, def({ interactionType: 'essay' }));
  await rejects(ctx.ext, def({ type: 'not an iri' }));
  await rejects(ctx.ext, def({ moreInfo: 'nope' }));
  await rejects(ctx.ext, def({ extensions: { notiri: 1 } }));
  await rejects(ctx.ext, def({ name: 'Book' }));
});

test('XAPI-00074..00083 result: types, duration, and score ranges', async () => {
  await accepts(ctx.ext, st({ result: { success: true, completion: false, response: 'a', duration: 'PT1H30M5.5S', score: { scaled: -1, raw: 5, min: 0, max: 10 }, extensions: { 'http://example.org/x': { any: [1] } } } }));
  await accepts(ctx.ext, st({ result: { duration: 'P1W' } }));
  await accepts(ctx.ext, st({ result: { duration: 'P1Y2M3DT4H5M6S' } }));
  for (const d of ['1H', 'P', 'PT', 'P1H', 'PT1.5M', 'P1W2D', 'PT-1S', 'P1DT']) await rejects(ctx.ext, st({ result: { duration: d } }));
  await rejects(ctx.ext, st({ result: { score: { scaled: 1.01 } } }));
  await rejects(ctx.ext, st({ result: { score: { scaled: -1.5 } } }));
  await rejects(ctx.ext, st({ result: { score: { raw: 11, min: 0, max: 10 } } }));
  await rejects(ctx.ext, st({ result: { score: { raw: -1, min: 0 } } }));
  await rejects(ctx.ext, st({ result: { score: { min: 5, max: 5 } } }));
  await rejects(ctx.ext, st({ result: { score: { raw: '5' } } }));
  await rejects(ctx.ext, st({ result: { extensions: [] } }));
});

test('XAPI-00084..00096 context: registration, instructor, team, revision/platform, contextActivities as arrays', async () => {
  await rejects(ctx.ext, st({ context: { instructor: { name: 'x' } } }));
  await rejects(ctx.ext, st({ context: { team: mbox() } }));
  await accepts(ctx.ext, st({ context: { team: { objectType: 'Group', member: [mbox()] }, instructor: mbox(), registration: uuid(), language: 'zh-CN', statement: { objectType: 'StatementRef', id: uuid() } } }));
  await rejects(ctx.ext, st({ object: mbox(), context: { revision: '1' } }));
  await rejects(ctx.ext, st({ object: { objectType: 'Agent', ...mbox() }, context: { platform: 'web' } }));
  await accepts(ctx.ext, st({ context: { revision: '1', platform: '数枢' } }));
  await rejects(ctx.ext, st({ context: { contextActivities: { parents: [activity()] } } }));
  await rejects(ctx.ext, st({ context: { contextActivities: { parent: 'http://example.org/a' } } }));
  await rejects(ctx.ext, st({ context: { language: 'zh_CN' } }));
  const id = await accepts(ctx.ext, st({ context: { contextActivities: { parent: activity(), grouping: [activity(), activity()], category: activity(), other: [] } } }));
  const ca = (await one(ctx.ext, id)).context.contextActivities;
  assert.ok(Array.isArray(ca.parent) && ca.parent.length === 1, 'a single activity comes back as an array');
  assert.ok(Array.isArray(ca.category) && ca.category.length === 1);
  assert.equal(ca.grouping.length, 2);
});

test('XAPI-00022/00122/00123/00124 timestamps in ISO 8601 keep milliseconds; durations in ISO 8601', async () => {
  const id = await accepts(ctx.ext, st({ timestamp: '2026-03-05T08:30:00.123+08:00' }));
  assert.equal((await one(ctx.ext, id)).timestamp, '2026-03-05T08:30:00.123+08:00');
  for (const t of ['2026-03-05', '2026-03-05 08:30:00Z', '2026-02-30T00:00:00Z', '2026-03-05T25:00:00Z', '05/03/2026', '2026-03-05T08:30:00-00:00', 'now']) {
    await rejects(ctx.ext, st({ timestamp: t }));
  }
  await accepts(ctx.ext, st({ timestamp: '2026-03-05T08:30:00Z' }));
  await accepts(ctx.ext, st({ timestamp: '2026-03-05T08:30:00.123456789+0530' }));
});

test('XAPI-00097/00023/00099 stored is set by the LRS (accepted on input); authority filled from the credentials', async () => {
  const id = await accepts(ctx.ext, st({ stored: '2001-01-01T00:00:00Z' }));
  const s = await one(ctx.ext, id);
  assert.notEqual(s.stored, '2001-01-01T00:00:00Z');
  assert.ok(Math.abs(Date.parse(s.stored) - Date.now()) < 60000);
  assert.equal(s.authority.objectType, 'Agent');
  assert.equal(s.authority.account.name, ctx.ext.key);
  await rejects(ctx.ext, st({ stored: 'yesterday' }));
});

test('XAPI-00098/00100 a Group authority must be exactly two Agents', async () => {
  await rejects(ctx.ext, st({ authority: { objectType: 'Group', member: [mbox(), mbox(), mbox()] } }));
  await rejects(ctx.ext, st({ authority: { objectType: 'Group', member: [mbox()] } }));
  const id = await accepts(ctx.ext, st({ authority: mbox() }));
  assert.equal((await one(ctx.ext, id)).authority.account.name, ctx.ext.key, 'the LRS sets the authority from the credentials');
});

test('XAPI-00332 version: only 1.0 or 1.0.x; the given value is kept, 1.0.0 set when absent', async () => {
  for (const v of ['1.1.0', '2.0.0', '0.95', '1.0.x', '1', 10]) await rejects(ctx.ext, st({ version: v }));
  const kept = await accepts(ctx.ext, st({ version: '1.0.2' }));
  assert.equal((await one(ctx.ext, kept)).version, '1.0.2');
  const set = await accepts(ctx.ext, st());
  assert.equal((await one(ctx.ext, set)).version, '1.0.0');
});

// ---- attachments and signatures --------------------------------------------------

function sha256(buf) { return crypto.createHash('sha256').update(buf).digest('hex'); }
function attachment(content, extra = {}) {
  return { usageType: 'http://example.org/attachment-usage/picture', display: { 'en-US': 'picture' }, contentType: 'text/plain', length: Buffer.byteLength(content), sha2: sha256(content), ...extra };
}
// A multipart/mixed body: parts [{headers, body}]
function multipart(parts, boundary = 'abc123boundary') {
  const chunks = [];
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${Object.entries(p.headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`));
    chunks.push(Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { raw: Buffer.concat(chunks), type: `multipart/mixed; boundary=${boundary}` };
}
const jsonPart = (statements) => ({ headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(statements) });
const filePart = (content, extra = {}) => ({ headers: { 'Content-Type': 'text/plain', 'Content-Transfer-Encoding': 'binary', 'X-Experience-API-Hash': sha256(content), ...extra }, body: content });

test('XAPI-00025/00102..00107 attachment metadata: usageType IRI, display, contentType, integer length, sha2, fileUrl', async () => {
  const url = (extra) => st({ attachments: [attachment('x', { fileUrl: 'http://example.org/file.txt', ...extra })] });
  await accepts(ctx.ext, url({}));
  await rejects(ctx.ext, url({ usageType: 'picture' }));
  await rejects(ctx.ext, url({ display: 'x' }));
  await rejects(ctx.ext, url({ contentType: 5 }));
  await rejects(ctx.ext, url({ length: 1.5 }));
  await rejects(ctx.ext, url({ length: '1' }));
  await rejects(ctx.ext, url({ sha2: 'xyz' }));
  await rejects(ctx.ext, url({ fileUrl: 'file.txt' }));
  await rejects(ctx.ext, url({ extra: 1 }));
  const noDisplay = attachment('x', { fileUrl: 'http://example.org/f' });
  delete noDisplay.display;
  await rejects(ctx.ext, st({ attachments: [noDisplay] }));
  await rejects(ctx.ext, st({ attachments: [attachment('no file and no part')] }), 400);
});

test('XAPI-00127/00128/00167/00161 multipart/mixed attachments are checked, stored and returned with attachments=true', async () => {
  const content = '一份作业的照片（文本代替）';
  const s = st({ attachments: [attachment(content)] });
  const body = multipart([jsonPart(s), filePart(content)]);
  const r = await lrs(ctx.ext, 'POST', '/xapi/statements', body);
  assert.equal(r.status, 200, r.text);
  const id = r.body[0];
  const plain = await get(ctx.ext, `statementId=${id}&attachments=false`);
  assert.match(plain.headers.get('content-type'), /application\/json/);
  assert.equal(plain.body.attachments[0].sha2, sha256(content));
  const withFiles = await get(ctx.ext, `statementId=${id}&attachments=true`);
  assert.equal(withFiles.status, 200);
  const ct = withFiles.headers.get('content-type');
  assert.match(ct, /^multipart\/mixed; boundary=/);
  assert.ok(withFiles.text.includes(content), 'the attachment content travels back');
  assert.ok(withFiles.text.includes(`X-Experience-API-Hash: ${sha256(content)}`));
  const listed = await get(ctx.ext, `limit=5&attachments=true`);
  assert.match(listed.headers.get('content-type'), /^multipart\/mixed/);
  // each broken form → 400, nothing stored
  const before = await count(ctx.ext);
  const cases = {
    'no boundary': { raw: body.raw, type: 'multipart/mixed' },
    'first part not JSON': multipart([{ headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(s) }, filePart(content)]),
    'no hash header': multipart([jsonPart(s), filePart(content, { 'X-Experience-API-Hash': '' })]),
    'no binary encoding': multipart([jsonPart(s), { headers: { 'Content-Type': 'text/plain', 'X-Experience-API-Hash': sha256(content) }, body: content }]),
    'hash mismatch': multipart([jsonPart(st({ attachments: [attachment('other')] })), filePart(content, { 'X-Experience-API-Hash': sha256('other') })]),
    'extra part': multipart([jsonPart(s), filePart(content), filePart('surplus')]),
    'missing part': multipart([jsonPart(st({ attachments: [attachment(content), attachment('second')] })), filePart(content)]),
    'garbage': { raw: 'not multipart at all', type: 'multipart/mixed; boundary=zzz' },
  };
  for (const [name, b] of Object.entries(cases)) {
    const bad = await lrs(ctx.ext, 'POST', '/xapi/statements', b);
    assert.equal(bad.status, 400, `${name}: ${bad.status} ${bad.text}`);
  }
  assert.equal(await count(ctx.ext), before);
});

function signed(statement, { alg = 'RS256', payload } = {}) {
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const b64 = (o) => Buffer.from(typeof o === 'string' ? o : JSON.stringify(o)).toString('base64url');
  const head = b64({ alg });
  const body = b64(payload ?? statement);
  const sig = alg.startsWith('RS')
    ? crypto.sign(`sha${alg.slice(2)}`, Buffer.from(`${head}.${body}`), privateKey).toString('base64url')
    : crypto.createHmac('sha256', 'secret').update(`${head}.${body}`).digest('base64url');
  const jws = `${head}.${body}.${sig}`;
  const att = { usageType: 'http://adlnet.gov/expapi/attachments/signature', display: { 'en-US': 'signature' }, contentType: 'application/octet-stream', length: jws.length, sha2: sha256(jws) };
  return { statement: { ...statement, attachments: [att] }, jws };
}
const sigPart = (jws) => ({ headers: { 'Content-Type': 'application/octet-stream', 'Content-Transfer-Encoding': 'binary', 'X-Experience-API-Hash': sha256(jws) }, body: jws });

test('XAPI-00115/00116/00117 signed statements: an RS256/384/512 JWS whose payload is the statement', async () => {
  for (const alg of ['RS256', 'RS384', 'RS512']) {
    const s = signed(st({ id: uuid() }), { alg });
    const r = await lrs(ctx.ext, 'POST', '/xapi/statements', multipart([jsonPart(s.statement), sigPart(s.jws)]));
    assert.equal(r.status, 200, `${alg}: ${r.text}`);
  }
  const hs = signed(st(), { alg: 'HS256' });
  assert.equal((await lrs(ctx.ext, 'POST', '/xapi/statements', multipart([jsonPart(hs.statement), sigPart(hs.jws)]))).status, 400);
  const other = signed(st(), { payload: st() });
  assert.equal((await lrs(ctx.ext, 'POST', '/xapi/statements', multipart([jsonPart(other.statement), sigPart(other.jws)]))).status, 400);
  const notJws = signed(st());
  const broken = 'not.a-jws';
  notJws.statement.attachments[0] = { ...notJws.statement.attachments[0], sha2: sha256(broken), length: broken.length };
  assert.equal((await lrs(ctx.ext, 'POST', '/xapi/statements', multipart([jsonPart(notJws.statement), sigPart(broken)]))).status, 400);
  const wrongType = signed(st());
  wrongType.statement.attachments[0].contentType = 'application/jose';
  assert.equal((await lrs(ctx.ext, 'POST', '/xapi/statements', multipart([jsonPart(wrongType.statement), sigPart(wrongType.jws)]))).status, 400);
  const noPart = signed(st());
  assert.equal((await post(ctx.ext, noPart.statement)).status, 400);
});

// ---- 5.5 agents, 5.6 activities, 5.7 about -----------------------------------------

test('XAPI-00315..00319 /about: 200 with version ["1.0.3", …] of 1.0.x values, no credentials needed', async () => {
  const r = await lrs(null, 'GET', '/xapi/about', { version: null });
  assert.equal(r.status, 200);
  assert.ok(r.body.version.includes('1.0.3'));
  for (const v of r.body.version) assert.match(v, /^(0\.9|0\.95|1\.0\.\d+)$/);
});

test('XAPI-00236..00249 /agents: agent required and valid; a Person with identifiers as arrays', async () => {
  const a = { objectType: 'Agent', name: 'Ann', mbox: 'mailto:ann@example.org' };
  const r = await lrs(ctx.ext, 'GET', `/xapi/agents?${q({ agent: a })}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.objectType, 'Person');
  assert.deepEqual(r.body.mbox, ['mailto:ann@example.org']);
  assert.deepEqual(r.body.name, ['Ann']);
  for (const p of ['', 'agent=notjson', q({ agent: { name: 'x' } }), q({ agent: a, extra: 1 })]) {
    assert.equal((await lrs(ctx.ext, 'GET', `/xapi/agents?${p}`)).status, 400, p);
  }
  const me = await lrs(ctx.rw, 'GET', `/xapi/agents?${q({ agent: person(ctx.student) })}`);
  assert.deepEqual(me.body.account, [{ homePage: srv.url, name: ctx.student }]);
});

test('XAPI-00250/00253 /activities: activityId required; the definitions of all statements merged', async () => {
  const id = `http://example.org/courses/${++seq}`;
  await accepts(ctx.ext, st({ object: { id, definition: { name: { 'en-US': 'Algebra' } } } }));
  await accepts(ctx.ext, st({ object: { id, definition: { description: { 'zh-CN': '代数' }, name: { 'zh-CN': '代数课' } } } }));
  const r = await lrs(ctx.ext, 'GET', `/xapi/activities?activityId=${encodeURIComponent(id)}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.id, id);
  assert.deepEqual(r.body.definition.name, { 'en-US': 'Algebra', 'zh-CN': '代数课' });
  assert.deepEqual(r.body.definition.description, { 'zh-CN': '代数' });
  assert.equal((await lrs(ctx.ext, 'GET', '/xapi/activities')).status, 400);
  assert.equal((await lrs(ctx.ext, 'GET', '/xapi/activities?activityId=nope')).status, 400);
});

// ---- Shushu: clients, scope, people by opaque account ------------------------------

test('LRS clients: the secret is shown once and stored hashed; list and revoke; out-of-reach org refused', async () => {
  const c = await client('临时客户端', ctx.school, { read: true });
  assert.match(c.key, /^xk_/);
  assert.ok(c.secret.length >= 40);
  const list = await city.get(`/api/v1/xapi/clients?org=${ctx.school}`);
  assert.equal(list.status, 200);
  const mine = list.body.items.find((i) => i.id === c.id);
  assert.equal(mine.key, c.key);
  assert.equal(mine.secret, undefined);
  assert.ok(!list.text.includes(c.secret));
  assert.equal((await get(c)).status, 200);
  assert.equal((await city.del(`/api/v1/xapi/clients/${c.id}`)).status, 204);
  assert.equal((await get(c)).status, 401, 'a revoked client is refused');
  assert.equal((await city.del(`/api/v1/xapi/clients/${c.id}`)).status, 204);
  for (const body of [{ name: 'x', org: ctx.school }, { name: '', org: ctx.school, read: true }, { name: 'x', org: 'nope', read: true }, { name: 'x', org: ctx.school, read: 'yes' }, { name: 'x', org: ctx.school, read: true, secret: 'mine' }]) {
    const r = await city.post('/api/v1/xapi/clients', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
  }
  const audit = await signIn(srv.url, demoAccounts(srv.db).auditadmin);
  const log = await audit.get('/api/v1/audit?limit=200');
  assert.ok(log.text.includes('xapi_client_created') && log.text.includes('xapi_client_revoked'), 'creation and revocation are audited');
});

test('Scope: a client writes only about platform people under its org node, and reads only those statements', async () => {
  const mine = await accepts(ctx.rw, { actor: person(ctx.student), verb: verb(), object: activity() });
  const w = await post(ctx.rw, { actor: person(ctx.outsider), verb: verb(), object: activity() });
  assert.equal(w.status, 403, w.text);
  assert.equal(w.body.error.code, 'out_of_scope');
  const unknown = await post(ctx.rw, { actor: person('01ZZZZZZZZZZZZZZZZZZZZZZZZ'), verb: verb(), object: activity() });
  assert.equal(unknown.status, 403, 'an unknown person answers like one out of scope');
  const instructor = await post(ctx.rw, { actor: person(ctx.student), verb: verb(), object: activity(), context: { instructor: person(ctx.outsider) } });
  assert.equal(instructor.status, 403, 'every person named must be in scope');
  // the other school's client may write its own student, and neither sees the other's statements
  const theirs = await accepts(ctx.other, { actor: person(ctx.outsider), verb: verb(), object: activity() });
  assert.equal((await get(ctx.other, `statementId=${mine}`)).status, 404);
  assert.equal((await get(ctx.rw, `statementId=${theirs}`)).status, 404);
  assert.ok(!(await get(ctx.other, q({ agent: person(ctx.student) }))).body.statements.length);
  const found = (await get(ctx.ro, q({ agent: person(ctx.student) }))).body.statements.map((s) => s.id);
  assert.ok(found.includes(mine));
  // a voiding statement cannot reach out of scope
  await accepts(ctx.other, { actor: person(ctx.outsider), verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: mine } });
  assert.equal((await get(ctx.rw, `statementId=${mine}`)).status, 200);
});

test('People by opaque account: no names, mail addresses or phone numbers for platform people', async () => {
  const named = await post(ctx.rw, { actor: { ...person(ctx.student), name: '张三' }, verb: verb(), object: activity() });
  assert.equal(named.status, 400, named.text);
  assert.equal(named.body.error.code, 'personal_data');
  const byMail = await post(ctx.rw, { actor: { mbox: 'mailto:zhangsan@school.example.cn' }, verb: verb(), object: activity() });
  assert.equal(byMail.status, 400);
  assert.equal(byMail.body.error.code, 'person_not_by_account');
  const phone = await post(ctx.ext, { actor: { mbox: 'mailto:13912345678@sms.example.cn' }, verb: verb(), object: activity() });
  assert.equal(phone.status, 400, 'a mobile number is refused even from a client allowed external agents');
  const withSlash = await accepts(ctx.rw, { actor: { objectType: 'Agent', account: { homePage: `${srv.url}/`, name: ctx.student2 } }, verb: verb(), object: activity() });
  const byPerson = (await get(ctx.rw, q({ agent: person(ctx.student2) }))).body.statements.map((s) => s.id);
  assert.deepEqual(byPerson, [withSlash], 'the person is one agent whatever the trailing slash');
});

test('Read and write rights of a client; signed-in sessions cannot use /xapi', async () => {
  assert.equal((await post(ctx.ro, st())).status, 403);
  assert.equal((await get(ctx.wo)).status, 403);
  assert.equal((await post(ctx.wo, { actor: person(ctx.student), verb: verb(), object: activity() })).status, 200);
  const viaSession = await city.get('/xapi/statements', { 'x-experience-api-version': '1.0.3' });
  assert.equal(viaSession.status, 403, viaSession.text);
});

// ---- 5.2 state, 5.3 activity profile, 5.4 agent profile ------------------------------

const docPath = (base, params) => `${base}?${q(params)}`;
async function doc(c, method, base, params, opts = {}) { return lrs(c, method, docPath(base, params), opts); }

test('XAPI-00230/00187..00199/00206..00213 state: the four methods; activityId, agent (JSON) and stateId required', async () => {
  const base = '/xapi/activities/state';
  const agent = mbox();
  const p = { activityId: 'http://example.org/course/1', agent, stateId: 'bookmark' };
  assert.equal((await doc(ctx.ext, 'PUT', base, p, { raw: 'page 3', type: 'text/plain' })).status, 204);
  const g = await doc(ctx.ext, 'GET', base, p);
  assert.equal(g.status, 200);
  assert.equal(g.text, 'page 3');
  assert.match(g.headers.get('content-type'), /text\/plain/);
  for (const drop of ['activityId', 'agent', 'stateId']) {
    const bad = { ...p };
    delete bad[drop];
    assert.equal((await doc(ctx.ext, 'PUT', base, bad, { raw: '{}' })).status, 400, `PUT without ${drop}`);
    if (drop !== 'stateId') assert.equal((await doc(ctx.ext, 'GET', base, bad)).status, 400, `GET without ${drop}`);
  }
  assert.equal((await lrs(ctx.ext, 'GET', `${base}?activityId=http://example.org/c&agent=notjson`)).status, 400);
  assert.equal((await doc(ctx.ext, 'GET', base, { ...p, activityId: 'no-iri' })).status, 400);
  assert.equal((await doc(ctx.ext, 'GET', base, { ...p, extra: 1 })).status, 400);
});

test('XAPI-00200..00203/00218..00220/00227 state: registration optional but a UUID', async () => {
  const base = '/xapi/activities/state';
  const p = { activityId: 'http://example.org/course/2', agent: mbox(), stateId: 's' };
  const reg = uuid();
  assert.equal((await doc(ctx.ext, 'PUT', base, { ...p, registration: reg }, { body: { a: 1 } })).status, 204);
  assert.equal((await doc(ctx.ext, 'GET', base, p)).status, 404, 'another registration is another document');
  assert.deepEqual((await doc(ctx.ext, 'GET', base, { ...p, registration: reg })).body, { a: 1 });
  assert.equal((await doc(ctx.ext, 'PUT', base, { ...p, registration: 'abc' }, { body: {} })).status, 400);
});

test('XAPI-00183/00184/00233/00234/00229/00232/00235 state POST merges JSON one level deep, creates when missing; non-JSON → 400', async () => {
  const base = '/xapi/activities/state';
  const p = { activityId: 'http://example.org/course/3', agent: mbox(), stateId: 'progress' };
  assert.equal((await doc(ctx.ext, 'POST', base, p, { body: { a: 1, nested: { x: 1 } } })).status, 204, 'created');
  assert.equal((await doc(ctx.ext, 'POST', base, p, { body: { b: 2, nested: { y: 2 } } })).status, 204);
  assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, { a: 1, b: 2, nested: { y: 2 } });
  assert.equal((await doc(ctx.ext, 'POST', base, p, { raw: 'text', type: 'text/plain' })).status, 400);
  assert.equal((await doc(ctx.ext, 'POST', base, p, { raw: '[1,2]' })).status, 400);
  const t = { ...p, stateId: 'plain' };
  await doc(ctx.ext, 'PUT', base, t, { raw: 'not json', type: 'text/plain' });
  assert.equal((await doc(ctx.ext, 'POST', base, t, { body: { a: 1 } })).status, 400, 'the stored one is not JSON');
});

test('XAPI-00191/00193/00194/00195/00204/00216/00221 state: ids with since; DELETE one or all', async () => {
  const base = '/xapi/activities/state';
  const p = { activityId: 'http://example.org/course/4', agent: mbox() };
  await doc(ctx.ext, 'PUT', base, { ...p, stateId: 'a' }, { body: {} });
  const mid = new Date().toISOString();
  await new Promise((r) => setTimeout(r, 10));
  await doc(ctx.ext, 'PUT', base, { ...p, stateId: 'b' }, { body: {} });
  assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, ['a', 'b']);
  assert.deepEqual((await doc(ctx.ext, 'GET', base, { ...p, since: mid })).body, ['b']);
  assert.equal((await doc(ctx.ext, 'GET', base, { ...p, since: 'yesterday' })).status, 400);
  assert.equal((await doc(ctx.ext, 'DELETE', base, { ...p, stateId: 'a' })).status, 204);
  assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, ['b']);
  assert.equal((await doc(ctx.ext, 'DELETE', base, p)).status, 204);
  assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, []);
});

for (const [name, base, key] of [
  ['activity profile', '/xapi/activities/profile', { activityId: 'http://example.org/course/9' }],
  ['agent profile', '/xapi/agents/profile', { agent: { objectType: 'Agent', mbox: 'mailto:profile@example.org' } }],
]) {
  test(`XAPI-00322 ${name}: quoted SHA-1 ETag; If-Match / If-None-Match → 412; PUT over an existing document without either → 409`, async () => {
    const p = { ...key, profileId: `p${++seq}` };
    const created = await doc(ctx.ext, 'PUT', base, p, { body: { v: 1 }, headers: { 'if-none-match': '*' } });
    assert.equal(created.status, 204, created.text);
    const g = await doc(ctx.ext, 'GET', base, p);
    assert.equal(g.status, 200);
    const etag = g.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]{40}"$/);
    assert.equal(etag, `"${crypto.createHash('sha1').update(g.text).digest('hex')}"`);
    const again = await doc(ctx.ext, 'PUT', base, p, { body: { v: 2 }, headers: { 'if-none-match': '*' } });
    assert.equal(again.status, 412);
    const stale = await doc(ctx.ext, 'PUT', base, p, { body: { v: 2 }, headers: { 'if-match': `"${'0'.repeat(40)}"` } });
    assert.equal(stale.status, 412);
    const blind = await doc(ctx.ext, 'PUT', base, p, { body: { v: 2 } });
    assert.equal(blind.status, 409);
    assert.ok(blind.body.error.message.length > 0);
    assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, { v: 1 }, 'refused writes change nothing');
    assert.equal((await doc(ctx.ext, 'PUT', base, p, { body: { v: 2 }, headers: { 'if-match': etag } })).status, 204);
    assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, { v: 2 });
    assert.equal((await doc(ctx.ext, 'PUT', base, { ...key, profileId: `p${++seq}` }, { body: {}, headers: { 'if-match': etag } })).status, 412, 'If-Match on a missing document');
  });

  test(`XAPI-00285..00314/00255..00284 ${name}: ids, since, POST merge and create, DELETE, required parameters`, async () => {
    const p = { ...key, profileId: `m${++seq}` };
    assert.equal((await doc(ctx.ext, 'POST', base, p, { body: { a: 1 } })).status, 204, 'POST creates');
    assert.equal((await doc(ctx.ext, 'POST', base, p, { body: { b: 2 } })).status, 204);
    assert.deepEqual((await doc(ctx.ext, 'GET', base, p)).body, { a: 1, b: 2 });
    assert.equal((await doc(ctx.ext, 'POST', base, p, { raw: 'x', type: 'text/plain' })).status, 400);
    const ids = (await doc(ctx.ext, 'GET', base, key)).body;
    assert.ok(ids.includes(p.profileId));
    assert.deepEqual((await doc(ctx.ext, 'GET', base, { ...key, since: new Date(Date.now() + 60000).toISOString() })).body, []);
    assert.equal((await doc(ctx.ext, 'PUT', base, key, { body: {} })).status, 400, 'profileId required');
    assert.equal((await doc(ctx.ext, 'DELETE', base, key)).status, 400, 'profileId required');
    assert.equal((await doc(ctx.ext, 'GET', base, { profileId: 'x' })).status, 400);
    assert.equal((await doc(ctx.ext, 'DELETE', base, p)).status, 204);
    assert.equal((await doc(ctx.ext, 'GET', base, p)).status, 404);
  });
}

test('Documents about platform people follow the statements\' scope rule', async () => {
  const base = '/xapi/agents/profile';
  const mine = { agent: person(ctx.student), profileId: 'prefs' };
  assert.equal((await doc(ctx.rw, 'PUT', base, mine, { body: { theme: 'dark' } })).status, 204);
  assert.equal((await doc(ctx.other, 'GET', base, mine)).status, 403, 'the other school cannot name our student');
  assert.equal((await doc(ctx.rw, 'PUT', base, { agent: person(ctx.outsider), profileId: 'x' }, { body: {} })).status, 403);
  assert.equal((await doc(ctx.rw, 'PUT', base, { agent: mbox(), profileId: 'x' }, { body: {} })).status, 400, 'a strict client names people by account');
  assert.deepEqual((await doc(ctx.ro, 'GET', base, mine)).body, { theme: 'dark' });
});
