// codes_and_docs.test.mjs — public reference data and documents: code tables with
// key-set paging and filters, the data dictionary, the OpenAPI document, and the
// built console served with its caching rules and SPA fallback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, call, assertError, root } from './harness.mjs';

let s;
before(async () => { s = await startServer(); });
after(async () => { await s.stop(); });

test('code tables page through all 47 with the cursor, no duplicates', async () => {
  const ids = [];
  let cursor = null;
  let pages = 0;
  do {
    const r = await call(`${s.url}/api/v1/codes?limit=7${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.items.length <= 7);
    ids.push(...r.body.items.map((t) => t.id));
    cursor = r.body.next_cursor;
    pages++;
  } while (cursor && pages < 20);
  assert.equal(ids.length, 47);
  assert.equal(new Set(ids).size, 47);
  assert.ok(ids.includes('gb2260_region') && ids.includes('jyt_student_status'));
});

test('a code table lists its codes, filtered by parent or code', async () => {
  const r = await call(`${s.url}/api/v1/codes/gb2260_region/items?parent=370700&limit=100`);
  assert.equal(r.status, 200);
  assert.equal(r.body.items.length, 13);
  assert.deepEqual(r.body.items.find((i) => i.code === '370702'), { code: '370702', name: '潍城区', parent: '370700', note: null });
  const one = await call(`${s.url}/api/v1/codes/gb2260_region/items?code=110101`);
  assert.deepEqual(one.body.items.map((i) => i.name), ['东城区']);
  const meta = await call(`${s.url}/api/v1/codes/gb3304_ethnicity`);
  assert.equal(meta.body.title, '民族');
  assert.equal(meta.body.item_count, 58);
  assertError(await call(`${s.url}/api/v1/codes/no_such_table/items`), 404, 'not_found');
  assertError(await call(`${s.url}/api/v1/codes/no_such_table`), 404, 'not_found');
});

test('key-set pages joined equal one big page', async () => {
  const big = await call(`${s.url}/api/v1/codes/gb2260_region/items?limit=120`);
  const p1 = await call(`${s.url}/api/v1/codes/gb2260_region/items?limit=60`);
  const p2 = await call(`${s.url}/api/v1/codes/gb2260_region/items?limit=60&cursor=${p1.body.next_cursor}`);
  assert.deepEqual([...p1.body.items, ...p2.body.items], big.body.items);
});

test('the data dictionary describes fields with their grades', async () => {
  const list = await call(`${s.url}/api/v1/dictionary`);
  assert.ok(list.body.items.some((e) => e.name === 'org_unit' && e.label === '机构'));
  assert.ok(!list.body.items.some((e) => e.name === 'org_closure'), 'internal tables stay out');
  const org = await call(`${s.url}/api/v1/dictionary/org_unit`);
  const code = org.body.fields.find((f) => f.name === 'region_code');
  assert.equal(code.code_table, 'gb2260_region');
  assert.equal(code.grade, 'L1');
  assert.ok(!org.body.fields.some((f) => f.name === '_key' || f.name === '_school'), 'internal fields stay out');
  assertError(await call(`${s.url}/api/v1/dictionary/org_closure`), 404, 'not_found');
});

test('OpenAPI 3.1 document lists every route with its permission', async () => {
  const r = await call(`${s.url}/api/openapi.json`);
  assert.equal(r.body.openapi, '3.1.0');
  const op = r.body.paths['/api/v1/codes/{table}/items'].get;
  assert.equal(op['x-permission'], 'public');
  assert.ok(op.parameters.some((p) => p.name === 'cursor'));
  assert.equal(r.body.paths['/api/v1/orgs'].get['x-permission'], 'org.read');
  assert.equal(r.body.components.schemas.org_unit.properties.name['x-grade'], 'L1');
  const docs = await call(`${s.url}/api/docs`);
  assert.equal(docs.status, 302);
  assert.equal(docs.headers.get('location'), '/developer/api');
});

const built = fs.existsSync(path.join(root, 'web/dist/index.html'));

test('the console: index, hashed assets cached a year, SPA fallback, 404 for missing files',
  { skip: !built && 'web/dist is not built (make web)' }, async () => {
    const index = await call(`${s.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy'), /script-src 'self'/);
    assert.equal(index.headers.get('x-frame-options'), 'DENY');
    assert.equal((await call(`${s.url}/`, { headers: { 'If-None-Match': index.headers.get('etag') } })).status, 304);
    const js = index.text.match(/src="(\/assets\/[^"]+\.js)"/)[1];
    const asset = await call(`${s.url}${js}`);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type'), /^text\/javascript/);
    assert.match(asset.headers.get('cache-control'), /max-age=31536000/);
    assert.match(asset.headers.get('cache-control'), /immutable/);
    const css = index.text.match(/href="(\/assets\/[^"]+\.css)"/);
    if (css) assert.match((await call(`${s.url}${css[1]}`)).headers.get('content-type'), /^text\/css/);
    const spa = await call(`${s.url}/developer/api`);
    assert.equal(spa.status, 200);
    assert.equal(spa.text, index.text);
    assertError(await call(`${s.url}/assets/missing.js`), 404, 'not_found');
    assertError(await call(`${s.url}/api/v1/unknown`), 404, 'not_found');
  });
