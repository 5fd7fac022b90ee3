// pg_partitions.test.mjs — the monthly partitions of the event tables and the
// trigram indexes on PostgreSQL (SHUSHU_TEST_DB=postgres; skipped on SQLite):
// audit_log, change_log and xapi_statement are range-partitioned by the month of
// their time column with a DEFAULT partition and the months of now and the next two;
// a row of a month without a partition lands in DEFAULT and moves into its own
// month's partition on the next process's first write; an xAPI statement id stays
// unique across months (the API answers 409, the store refuses it); the audit chain
// verifies; the pg_trgm indexes of the point and stem searches exist and are used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  startServer, cli, demoAccounts, signIn, call, sql, usePostgres, assertNoSanitizerReport,
} from './harness.mjs';

const skip = usePostgres ? false : 'PostgreSQL store only (SHUSHU_TEST_DB=postgres)';
const EVENT_TABLES = { audit_log: 'ts', change_log: 'at', xapi_statement: 'stored_ms' };
const MAY_2031 = Date.UTC(2031, 4, 7); // a month no partition was made for
const JAN_2025 = Date.UTC(2025, 0, 15);
let srv;
let client;
const ctx = {};

function basic(c) { return `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`; }
const xapiHeaders = () => ({
  authorization: basic(client), 'x-experience-api-version': '1.0.3', 'content-type': 'application/json',
});
const statement = (id, verb = 'completed') => ({
  id,
  actor: { objectType: 'Agent', mbox: 'mailto:learner@example.org' },
  verb: { id: `http://adlnet.gov/expapi/verbs/${verb}`, display: { 'zh-CN': verb } },
  object: { objectType: 'Activity', id: 'http://example.org/activities/partition' },
});

// `_yYYYYmMM` of the UTC month `ahead` months after now
function monthSuffix(ahead) {
  const d = new Date();
  const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + ahead, 1));
  return `_y${m.getUTCFullYear()}m${String(m.getUTCMonth() + 1).padStart(2, '0')}`;
}

before(async () => {
  if (skip) return;
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  const city = await signIn(srv.url, accounts.city_admin);
  const head = await signIn(srv.url, accounts.head_teacher);
  const cls = head.me.roles.find((r) => r.role === 'head_teacher').org.id;
  ctx.school = (await city.get(`/api/v1/orgs/${cls}/path`)).body.items.find((o) => o.kind === 'school').id;
  const made = await city.post('/api/v1/xapi/clients', { name: '分区测试平台', org: ctx.school, read: true, write: true, external_agents: true });
  assert.equal(made.status, 201, made.text);
  client = made.body;
  ctx.city = city;
});

after(async () => { if (srv) await srv.stop(); });

test('the event tables are partitioned by month, with DEFAULT and now plus two months ahead', { skip }, () => {
  const keys = sql(srv.db, "SELECT c.relname || ':' || p.partstrat::text || ':' || a.attname FROM pg_partitioned_table p"
    + ' JOIN pg_class c ON c.oid = p.partrelid JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]'
    + ' ORDER BY 1').split('\n');
  assert.deepEqual(keys, Object.entries(EVENT_TABLES).map(([t, k]) => `${t}:r:${k}`));
  for (const t of Object.keys(EVENT_TABLES)) {
    const parts = sql(srv.db, `SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = '${t}'::regclass ORDER BY 1`).split('\n');
    for (const p of [`${t}_default`, `${t}${monthSuffix(0)}`, `${t}${monthSuffix(1)}`, `${t}${monthSuffix(2)}`]) {
      assert.ok(parts.includes(p), `${t} has ${p} (has ${parts.join(', ')})`);
    }
    assert.equal(sql(srv.db, `SELECT count(*) FROM ${t}_default`), '0', `${t}: nothing waits in DEFAULT`);
  }
  // the demo's rows are in this month's partitions, read through the parent
  const now = sql(srv.db, `SELECT count(*) FROM change_log${monthSuffix(0)}`);
  assert.ok(Number(now) > 100);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM change_log'), now);
  // the keys hold the partition key; the change feed's version is one sequence
  assert.equal(sql(srv.db, "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'change_log_pkey'"), 'PRIMARY KEY (version, at)');
  assert.equal(sql(srv.db, "SELECT pg_get_serial_sequence('change_log', 'version')"), 'public.change_log_version_seq');
});

test('a row of a month without a partition lands in DEFAULT, then in its own month', { skip }, async () => {
  sql(srv.db, "INSERT INTO change_log (entity, row_uid, op, fields, source, at)"
    + ` VALUES ('student', 'partition-test', 'update', '[]', 'system', ${MAY_2031})`);
  assert.equal(sql(srv.db, "SELECT tableoid::regclass FROM change_log WHERE row_uid = 'partition-test'"), 'change_log_default');
  const version = Number(sql(srv.db, "SELECT version FROM change_log WHERE row_uid = 'partition-test'"));
  // the feed reads it where it is
  const feed = await ctx.city.get(`/api/v1/changes?since=${version - 1}&limit=1`);
  assert.equal(feed.status, 200, feed.text);
  assert.equal(feed.body.items[0].id, 'partition-test');
  assert.equal(feed.body.items[0].at, '2031-05-07T00:00:00.000Z');
  // a new process makes the partition on its first write (a sign-in) and moves the row
  await srv.stop();
  srv = await startServer({ dir: srv.dir, db: srv.db });
  ctx.city = await signIn(srv.url, demoAccounts(srv.db).city_admin);
  assert.equal(sql(srv.db, "SELECT tableoid::regclass FROM change_log WHERE row_uid = 'partition-test'"), 'change_log_y2031m05');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM change_log_default'), '0');
  assert.equal(Number(sql(srv.db, "SELECT version FROM change_log WHERE row_uid = 'partition-test'")), version);
  // the feed serves it from there, in its place in the one sequence
  const moved = await ctx.city.get(`/api/v1/changes?since=${version - 1}&limit=1`);
  assert.equal(moved.status, 200, moved.text);
  assert.deepEqual([moved.body.items[0].id, moved.body.next_since], ['partition-test', version]);
});

test('an xAPI statement id is unique across months: 409 from the API, refused by the store', { skip }, async () => {
  const id = crypto.randomUUID();
  const first = await call(`${srv.url}/xapi/statements`, { method: 'POST', body: JSON.stringify([statement(id)]), headers: xapiHeaders() });
  assert.equal(first.status, 200, first.text);
  assert.equal(sql(srv.db, `SELECT count(*) FROM xapi_statement_key WHERE statement_id = '${id}'`), '1');
  // the stored statement is moved to January 2025 (an older month, DEFAULT: no partition)
  sql(srv.db, `UPDATE xapi_statement SET stored_ms = ${JAN_2025} WHERE statement_id = '${id}'`);
  assert.equal(sql(srv.db, `SELECT tableoid::regclass FROM xapi_statement WHERE statement_id = '${id}'`), 'xapi_statement_default');
  assert.equal(sql(srv.db, `SELECT count(*) FROM xapi_statement_key WHERE statement_id = '${id}'`), '1');
  // the same id with other content, written this month: a conflict
  const again = await call(`${srv.url}/xapi/statements`, { method: 'POST', body: JSON.stringify([statement(id, 'failed')]), headers: xapiHeaders() });
  assert.equal(again.status, 409, again.text);
  const put = await call(`${srv.url}/xapi/statements?statementId=${id}`, { method: 'PUT', body: JSON.stringify(statement(id, 'failed')), headers: xapiHeaders() });
  assert.equal(put.status, 409, put.text);
  // and below the API: a second row under that id in this month's partition is refused
  assert.throws(() => sql(srv.db, 'INSERT INTO xapi_statement (statement_id, org_id, client_id, verb_id, stored_ms, body)'
    + ` SELECT statement_id, org_id, client_id, verb_id, ${Date.now()}, body FROM xapi_statement WHERE statement_id = '${id}'`),
  /duplicate key value violates unique constraint "xapi_statement_key_pkey"/);
  assert.equal(sql(srv.db, `SELECT count(*) FROM xapi_statement WHERE statement_id = '${id}'`), '1');
  // the statement is still served, once
  const read = await call(`${srv.url}/xapi/statements?statementId=${id}`, { headers: xapiHeaders() });
  assert.equal(read.status, 200, read.text);
  assert.equal(JSON.parse(read.text).verb.id, 'http://adlnet.gov/expapi/verbs/completed');
  assert.equal(sql(srv.db, 'SELECT count(*) FROM xapi_statement_key'), sql(srv.db, 'SELECT count(*) FROM xapi_statement'));
});

test('the audit chain verifies across the partitioned audit log, which stays append-only', { skip }, () => {
  const r = cli(['verify', 'audit', '--db', srv.db]);
  assert.equal(r.status, 0, r.stderr);
  assertNoSanitizerReport(r.stderr);
  const entries = sql(srv.db, 'SELECT count(*) FROM audit_log');
  assert.match(r.stdout, new RegExp(`${entries} 条记录的摘要链校验通过`));
  assert.throws(() => sql(srv.db, "UPDATE audit_log SET actor = 'x' WHERE id = 1"), /append-only/);
  assert.throws(() => sql(srv.db, `DELETE FROM audit_log${monthSuffix(0)} WHERE id = 1`), /append-only/);
});

test('the trigram indexes of the point and stem searches exist and serve the searches', { skip }, async () => {
  const defs = sql(srv.db, "SELECT indexname || ' ' || indexdef FROM pg_indexes WHERE indexname LIKE '%_trgm' ORDER BY 1").split('\n');
  assert.deepEqual(defs.map((d) => d.split(' ')[0]), ['item_version_stem_trgm', 'kg_point_code_trgm', 'kg_point_name_trgm']);
  for (const d of defs) assert.match(d, /USING gin \(\w+ gin_trgm_ops\)/);
  // the planner can answer the searches' predicates from them (seq scans priced out)
  const plan = (q) => sql(srv.db, `SET enable_seqscan = off; EXPLAIN ${q}`);
  assert.match(plan("SELECT id FROM kg_point t WHERE (t.name LIKE '%' || '一元二次' || '%' OR t.code LIKE '一元二次' || '%')"),
    /Bitmap Index Scan on kg_point_name_trgm[\s\S]*Bitmap Index Scan on kg_point_code_trgm/);
  assert.match(plan("SELECT id FROM item_version v WHERE v.stem LIKE '%' || '下列说法' || '%'"), /Bitmap Index Scan on item_version_stem_trgm/);
  // and the search answers what it did before
  const name = sql(srv.db, 'SELECT name FROM kg_point ORDER BY id LIMIT 1');
  const found = await ctx.city.get(`/api/v1/kg/points?q=${encodeURIComponent(name.slice(1, 4))}`);
  assert.equal(found.status, 200, found.text);
  assert.ok(found.body.items.some((p) => p.name === name), `${name} found by ${name.slice(1, 4)}`);
});
