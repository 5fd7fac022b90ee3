// xapi_ingest.test.mjs — durable, bounded statement ingest: concurrent batches
// go through the group committer; a full queue answers 503 with Retry-After and
// stores nothing of the refused batch; killing the server with SIGKILL in the
// middle of a load loses no statement that was acknowledged.
//
// The queue is made small (SHUSHU_XAPI_QUEUE_MAX, read by the server from its
// environment) so that concurrent batches overflow it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';

process.env.SHUSHU_XAPI_QUEUE_MAX = '60';
const { startServer, call, demoAccounts, signIn } = await import('./harness.mjs');

let srv;
let client;

function basic(c) { return `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`; }
function headers() {
  return { authorization: basic(client), 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' };
}
function batch(n) {
  return Array.from({ length: n }, () => ({
    id: crypto.randomUUID(),
    actor: { mbox: `mailto:load${crypto.randomInt(1e9)}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: `http://example.org/load/${crypto.randomInt(100)}` },
  }));
}
async function storedIds(url) {
  const ids = new Set();
  let path = '/xapi/statements?limit=500';
  for (;;) {
    const r = await call(`${url}${path}`, { headers: headers() });
    assert.equal(r.status, 200, r.text);
    for (const s of r.body.statements) ids.add(s.id);
    if (!r.body.more) return ids;
    path = r.body.more;
  }
}

before(async () => {
  srv = await startServer({ extraArgs: ['--threads', '8'] });
  const city = await signIn(srv.url, demoAccounts(srv.db).city_admin);
  const school = (await city.get('/api/v1/orgs?kind=school&limit=1')).body.items[0].id;
  const r = await city.post('/api/v1/xapi/clients', { name: '压力测试', org: school, read: true, write: true, external_agents: true });
  assert.equal(r.status, 201, r.text);
  client = r.body;
});
after(async () => { if (srv) await srv.stop(); });

test('concurrent batches: all acknowledged stored, a full queue answers 503 with Retry-After and stores nothing', async () => {
  const acked = [];
  const refused = [];
  let retryAfter = null;
  await Promise.all(Array.from({ length: 12 }, async () => {
    for (let i = 0; i < 6; i++) {
      const b = batch(25);
      const r = await call(`${srv.url}/xapi/statements`, { method: 'POST', headers: headers(), body: JSON.stringify(b) });
      if (r.status === 200) {
        assert.deepEqual(r.body, b.map((s) => s.id));
        acked.push(...r.body);
      } else {
        assert.equal(r.status, 503, r.text);
        assert.equal(r.body.error.code, 'queue_full');
        retryAfter = r.headers.get('retry-after');
        refused.push(...b.map((s) => s.id));
      }
    }
  }));
  assert.ok(acked.length > 0, 'some batches get through');
  assert.ok(refused.length > 0, 'the small queue overflows under 12 concurrent writers');
  assert.equal(retryAfter, '1');
  const ids = await storedIds(srv.url);
  for (const id of acked) assert.ok(ids.has(id), `acknowledged ${id} is stored`);
  for (const id of refused) assert.ok(!ids.has(id), `refused ${id} is not stored`);
});

test('SIGKILL during a batch load loses no acknowledged statement', async () => {
  const acked = [];
  let killed = false;
  const writers = Array.from({ length: 8 }, async () => {
    while (!killed) {
      const b = batch(20);
      try {
        const r = await call(`${srv.url}/xapi/statements`, { method: 'POST', headers: headers(), body: JSON.stringify(b) });
        if (r.status === 200) acked.push(...r.body);
      } catch { /* the server is gone */ }
    }
  });
  await new Promise((r) => setTimeout(r, 1500));
  killed = true;
  srv.proc.kill('SIGKILL');
  await Promise.all(writers);
  assert.ok(acked.length > 0);
  srv = await startServer({ dir: srv.dir, extraArgs: ['--threads', '8'] });
  const ids = await storedIds(srv.url);
  const lost = acked.filter((id) => !ids.has(id));
  assert.deepEqual(lost, [], `${lost.length} of ${acked.length} acknowledged statements lost`);
});
