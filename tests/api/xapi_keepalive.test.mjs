// xapi_keepalive.test.mjs — many keep-alive connections posting batches to one
// worker thread. A worker answers several requests before it writes their replies;
// each request used to keep its store connection until its reply was sent, so the
// pool (threads + 4 connections, one held by the xAPI committer) ran dry and the
// worker waited for a connection forever. The server now gives the connection back
// when the handler returns, and an xAPI write waits for its commit suspended
// (sh_req_defer) rather than in the worker thread; a conflict set by the committer
// is answered from the deferred reply.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { startServer, call, demoAccounts, signIn } from './harness.mjs';

let srv;
let client;
const basic = (c) => `Basic ${Buffer.from(`${c.key}:${c.secret}`).toString('base64')}`;

before(async () => {
  srv = await startServer({ extraArgs: ['--threads', '1'] });
  const city = await signIn(srv.url, demoAccounts(srv.db).city_admin);
  const school = (await city.get('/api/v1/orgs?kind=school&limit=1')).body.items[0].id;
  const r = await city.post('/api/v1/xapi/clients', { name: '长连接测试', org: school, read: true, write: true, external_agents: true });
  assert.equal(r.status, 201, r.text);
  client = r.body;
});
after(async () => { if (srv) await srv.stop(); });

test('48 keep-alive connections × 3 batches of 100 on one worker thread: every batch stored, no stall', async () => {
  const headers = { authorization: basic(client), 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' };
  const registration = crypto.randomUUID();
  const statuses = [];
  await Promise.all(Array.from({ length: 48 }, async (_, c) => {
    for (let i = 0; i < 3; i++) {
      const body = JSON.stringify(Array.from({ length: 100 }, (__, k) => ({
        actor: { mbox: `mailto:conn${c}-${k}@example.org` },
        verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
        object: { id: `http://example.org/keepalive/${i}` },
        context: { registration },
      })));
      const r = await call(`${srv.url}/xapi/statements`, { method: 'POST', headers, body, signal: AbortSignal.timeout(60000) });
      statuses.push(r.status);
    }
  }));
  assert.deepEqual([...new Set(statuses)], [200]);
  let n = 0;
  let path = `/xapi/statements?registration=${registration}&limit=500&format=ids`;
  while (path) {
    const r = await call(`${srv.url}${path}`, { headers });
    assert.equal(r.status, 200, r.text);
    n += r.body.statements.length;
    path = r.body.more;
  }
  assert.equal(n, 48 * 3 * 100);
  // and the server still answers other requests
  assert.equal((await call(`${srv.url}/healthz`)).status, 200);
});

test('single statements on 64 connections to one worker thread: each request waits for its commit suspended, not in the thread', async () => {
  const headers = { authorization: basic(client), 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' };
  const registration = crypto.randomUUID();
  const ids = [];
  const started = Date.now();
  await Promise.all(Array.from({ length: 64 }, async (_, c) => {
    for (let i = 0; i < 5; i++) {
      const id = crypto.randomUUID();
      const r = await call(`${srv.url}/xapi/statements?statementId=${id}`, {
        method: 'PUT', headers, signal: AbortSignal.timeout(60000),
        body: JSON.stringify({ actor: { mbox: `mailto:single${c}@example.org` }, verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' }, object: { id: `http://example.org/single/${i}` }, context: { registration } }),
      });
      assert.equal(r.status, 204, r.text);
      ids.push(id);
    }
  }));
  const got = new Set();
  let path = `/xapi/statements?registration=${registration}&limit=500&format=ids`;
  while (path) {
    const r = await call(`${srv.url}${path}`, { headers });
    for (const s of r.body.statements) got.add(s.id);
    path = r.body.more;
  }
  assert.equal(got.size, 320);
  assert.ok(ids.every((id) => got.has(id)), 'every acknowledged statement is stored');
  // a conflicting PUT is answered from the deferred reply with its own 409
  const r = await call(`${srv.url}/xapi/statements?statementId=${ids[0]}`, {
    method: 'PUT', headers, body: JSON.stringify({ actor: { mbox: 'mailto:other@example.org' }, verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' }, object: { id: 'http://example.org/other' } }),
  });
  assert.equal(r.status, 409, r.text);
  assert.match(r.body.error.message, /[\u4e00-\u9fff]/);
  assert.ok(Date.now() - started < 60000);
});

test('conflicting PUTs among batches on 64 connections: each answered 409 from its deferred reply, the server stays up', async () => {
  // The committer sets a request's error (the conflict) before it goes on with
  // the other requests of its group (here batches of 100) and resumes them all.
  // The worker that handed the request over must wait for that resume rather
  // than answer the error itself, which freed the request under the committer.
  const headers = { authorization: basic(client), 'x-experience-api-version': '1.0.3', 'content-type': 'application/json' };
  const statement = (who, obj) => ({ actor: { mbox: `mailto:${who}@example.org` }, verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' }, object: { id: `http://example.org/clash/${obj}` } });
  const id = crypto.randomUUID();
  const first = await call(`${srv.url}/xapi/statements?statementId=${id}`, { method: 'PUT', headers, body: JSON.stringify(statement('first', 0)) });
  assert.equal(first.status, 204, first.text);
  const conflicts = [];
  const batches = [];
  await Promise.all(Array.from({ length: 64 }, async (_, c) => {
    for (let i = 0; i < 5; i++) {
      if (c % 2) {
        const r = await call(`${srv.url}/xapi/statements?statementId=${id}`, { method: 'PUT', headers, body: JSON.stringify(statement(`clash${c}`, i)), signal: AbortSignal.timeout(60000) });
        conflicts.push(r.status);
      } else {
        const body = JSON.stringify(Array.from({ length: 100 }, (__, k) => statement(`batch${c}-${k}`, i)));
        const r = await call(`${srv.url}/xapi/statements`, { method: 'POST', headers, body, signal: AbortSignal.timeout(60000) });
        batches.push(r.status);
      }
    }
  }));
  assert.deepEqual([...new Set(conflicts)], [409]);
  assert.deepEqual([...new Set(batches)], [200]);
  assert.equal(conflicts.length + batches.length, 320);
  const stored = await call(`${srv.url}/xapi/statements?statementId=${id}`, { headers });
  assert.equal(stored.status, 200, stored.text);
  assert.equal(stored.body.actor.mbox, 'mailto:first@example.org');
  assert.equal((await call(`${srv.url}/healthz`)).status, 200);
});
