// http_core.test.mjs — the server core seen from a client: /healthz, security
// headers, request ids, /metrics, ETags, keep-alive, and the documented error body
// for unknown routes, wrong methods, bad cursors and limits, unknown parameters,
// malformed JSON, wrong content types, oversized and unexpected bodies.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startServer, call, assertError, usePostgres } from './harness.mjs';

let s;
before(async () => { s = await startServer(); });
after(async () => { await s.stop(); });

test('healthz reports version, store, demo and schema versions', async () => {
  const r = await call(`${s.url}/healthz`);
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'ok');
  assert.equal(r.body.version, '0.1.0');
  assert.equal(r.body.store, usePostgres ? 'postgres' : 'sqlite');
  assert.equal(r.body.demo, true);
  for (const m of ['system', 'audit', 'codes', 'org']) assert.ok(r.body.schema[m] >= 1, m);
});

test('API replies carry the security headers and a request id', async () => {
  const r = await call(`${s.url}/api/v1/codes?limit=1`);
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.match(r.headers.get('x-request-id'), /^[0-9a-f]{18}$/);
  const again = await call(`${s.url}/api/v1/codes?limit=1`);
  assert.notEqual(again.headers.get('x-request-id'), r.headers.get('x-request-id'));
});

test('GET replies carry an ETag and If-None-Match gives 304', async () => {
  const r = await call(`${s.url}/api/v1/codes/gb2261_1_sex/items`);
  const etag = r.headers.get('etag');
  assert.match(etag, /^"[0-9a-f]{32}"$/);
  const again = await call(`${s.url}/api/v1/codes/gb2261_1_sex/items`, { headers: { 'If-None-Match': etag } });
  assert.equal(again.status, 304);
  assert.equal(again.text, '');
});

test('unknown route: 404 not_found', async () => {
  assertError(await call(`${s.url}/api/v1/nothing-here`), 404, 'not_found');
  assertError(await call(`${s.url}/api/v1/codes/`), 404, 'not_found');
  assertError(await call(`${s.url}/api/v1/codes/gb2260_region/items/extra`), 404, 'not_found');
});

test('wrong method: 405 with Allow', async () => {
  const r = await call(`${s.url}/api/v1/codes`, { method: 'DELETE' });
  assertError(r, 405, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET, HEAD');
  assertError(await call(`${s.url}/healthz`, { method: 'POST', body: '' }), 405, 'method_not_allowed');
});

test('bad cursors: 400 invalid_cursor naming the field', async () => {
  const long = 'a'.repeat(5000);
  for (const c of ['zzz', 'YWJj', '', 'azEuMA', 'azIuMw', long, '%00', 'azEu%00MQ', '../../etc/passwd']) {
    const r = await call(`${s.url}/api/v1/codes?cursor=${c}`);
    assertError(r, 400, 'invalid_cursor', 'cursor');
  }
});

test('bad limits: 400 invalid_limit', async () => {
  for (const q of ['limit=0', 'limit=501', 'limit=-1', 'limit=abc', 'limit=1e3', 'limit=5&limit=6', 'limit=']) {
    assertError(await call(`${s.url}/api/v1/codes?${q}`), 400, 'invalid_limit', 'limit');
  }
});

test('unknown query parameter: 400 naming it', async () => {
  const r = await call(`${s.url}/api/v1/codes?colour=red`);
  assertError(r, 400, 'unknown_parameter', 'colour');
  assert.match(r.body.error.message, /colour/);
});

test('several problems are reported together', async () => {
  const r = await call(`${s.url}/api/v1/codes?limit=0&cursor=x&bogus=1`);
  assert.equal(r.status, 400);
  assert.deepEqual(r.body.error.details.map((d) => d.field).sort(), ['bogus', 'cursor', 'limit']);
});

const validate = `/api/v1/dictionary/org_unit/validate`;
const json = { 'Content-Type': 'application/json' };

test('malformed JSON: 400 invalid_json with the position', async () => {
  for (const body of ['{"a":', '{', '[1,2', 'nul', '{"a":1}}', '{"a":"\\u0000"}', '\u00ff\u00fe']) {
    const r = await call(`${s.url}${validate}`, { method: 'POST', headers: json, body });
    assert.equal(r.status, 400, `${body}: ${r.text}`);
    assert.ok(['invalid_json', 'invalid_body'].includes(r.body.error.code), r.text);
  }
  const r = await call(`${s.url}${validate}`, { method: 'POST', headers: json, body: '{"name":"x",' });
  assertError(r, 400, 'invalid_json');
  assert.match(r.body.error.message, /第 1 行/);
  assertError(await call(`${s.url}${validate}`, { method: 'POST', headers: json, body: '[1]' }), 400, 'invalid_body');
  assertError(await call(`${s.url}${validate}`, { method: 'POST', headers: json, body: '{"a":1,"a":2}' }), 400,
    'invalid_json');
});

test('wrong content type: 415', async () => {
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx', 'multipart/form-data']) {
    const r = await call(`${s.url}${validate}`, { method: 'POST', headers: { 'Content-Type': ct }, body: '{}' });
    assertError(r, 415, 'unsupported_media_type');
  }
  const ok = await call(`${s.url}${validate}?mode=update`, {
    method: 'POST', headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: '{}',
  });
  assert.equal(ok.status, 200, ok.text);
});

test('field errors name every field, in Chinese, and normalise what is fine', async () => {
  const bad = await call(`${s.url}${validate}`, {
    method: 'POST', headers: json,
    body: JSON.stringify({ kind: 'palace', name: '', school_code: '1234', region_code: '999999', colour: 1 }),
  });
  assert.equal(bad.status, 400);
  const fields = Object.fromEntries(bad.body.error.details.map((d) => [d.field, d.code]));
  assert.deepEqual(fields, { kind: 'invalid_kind', name: 'required', school_code: 'invalid_school_code',
    region_code: 'invalid_code', colour: 'unknown_field' });
  const good = await call(`${s.url}${validate}`, {
    method: 'POST', headers: json,
    body: JSON.stringify({ kind: 'school', name: ' 示范市第一中学（东校区） ', school_code: '３４３７０００００１', region_code: '370702' }),
  });
  assert.equal(good.status, 200, good.text);
  assert.deepEqual(good.body.normalised, { kind: 'school', name: '示范市第一中学（东校区）', school_code: '3437000001',
    region_code: '370702' });
});

// raw HTTP over a socket: write `request`, collect the reply until the server closes or `done` holds
function raw(port, request, done = () => false) {
  return new Promise((resolve, reject) => {
    let data = '';
    const sock = net.connect(port, '127.0.0.1', () => sock.write(request));
    sock.on('data', (d) => { data += d; if (done(data)) { sock.destroy(); resolve(data); } });
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
    setTimeout(() => reject(new Error(`timeout: ${data}`)), 5000);
  });
}

test('oversized body announced by Content-Length: 413 at once, without reading it', async () => {
  const port = new URL(s.url).port;
  // only the headers are sent: the server must answer without waiting for 2 GB
  const reply = await raw(port, `POST ${validate} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
    'Content-Length: 2147483648\r\n\r\n{', (d) => d.includes('}}'));
  assert.match(reply, /^HTTP\/1\.1 413/);
  assert.match(reply, /"code":"body_too_large"/);
  assert.match(reply, /Connection: close/i);
});

test('oversized chunked body: 413', async () => {
  const chunks = async function* () { for (let i = 0; i < 40; i++) yield new Uint8Array(64 * 1024).fill(32); };
  const r = await call(`${s.url}${validate}`, { method: 'POST', headers: json, body: chunks(), duplex: 'half' });
  assertError(r, 413, 'body_too_large');
});

test('a body on GET: 400 unexpected_body', async () => {
  const r = await new Promise((resolve) => {
    const sock = net.connect(new URL(s.url).port, '127.0.0.1', () => {
      sock.write('GET /api/v1/codes HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}');
    });
    let data = '';
    sock.on('data', (d) => { data += d; if (data.includes('}}')) { sock.end(); resolve(data); } });
  });
  assert.match(r, /^HTTP\/1\.1 400/);
  assert.match(r, /unexpected_body/);
});

test('protected routes: 401 until signed in', async () => {
  assertError(await call(`${s.url}/api/v1/orgs`), 401, 'unauthenticated');
  assertError(await call(`${s.url}/api/v1/orgs/whatever`), 401, 'unauthenticated');
});

test('keep-alive: two requests on one connection, no Connection: close', async () => {
  const replies = await new Promise((resolve, reject) => {
    const sock = net.connect(new URL(s.url).port, '127.0.0.1', () => {
      sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    let data = '';
    sock.on('data', (d) => {
      data += d;
      if ((data.match(/HTTP\/1\.1 200/g) || []).length === 2 && data.trim().endsWith('}')) { sock.end(); resolve(data); }
    });
    sock.on('error', reject);
    setTimeout(() => reject(new Error(`timeout: ${data}`)), 5000);
  });
  assert.equal((replies.match(/HTTP\/1\.1 200 OK/g) || []).length, 2);
  assert.doesNotMatch(replies, /Connection: close/i);
});

test('metrics: requests by route and status, latency, store time, connections', async () => {
  for (let i = 0; i < 3; i++) await call(`${s.url}/healthz`);
  const r = await call(`${s.url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain/);
  const m = r.text.match(/shushu_http_requests_total\{route="\/healthz",method="GET",status="200"\} (\d+)/);
  assert.ok(m && Number(m[1]) >= 4, r.text);
  assert.match(r.text, /shushu_http_requests_total\{route="\/api\/v1\/codes",method="GET",status="400"\} \d+/);
  assert.match(r.text, /shushu_http_request_duration_seconds_bucket\{le="\+Inf"\} \d+/);
  assert.match(r.text, /shushu_store_seconds_total [0-9.]+/);
  assert.match(r.text, /shushu_http_open_connections \d+/);
});

test('the server still answers after all of the above', async () => {
  assert.equal((await call(`${s.url}/healthz`)).status, 200);
});
