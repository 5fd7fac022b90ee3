// items.test.mjs — the item bank API on a demo database (which loads the shipped
// graph and item bank): search by knowledge point (with its dependants), the draft
// → review → published life of an item, published versions never changing,
// validation errors per field, answer checking, JSONL import with line numbers
// (all or nothing) and export, and who may do what.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, assertError, demoAccounts, signIn, cli } from './harness.mjs';

let srv;
let teacher; // items.write
let head; // another writer
let researcher; // items.review
let guardian; // none
const jsonl = { 'content-type': 'application/x-ndjson' };

const draft = (over = {}) => ({
  type: 'single', stem: '若 $a=-3$，则 $-a$ 等于（　　）',
  options: [{ key: 'A', text: '$-3$', misconception: '没有改变符号' }, { key: 'B', text: '$3$' },
    { key: 'C', text: '$\\frac{1}{3}$', misconception: '与倒数混淆' }, { key: 'D', text: '$0$' }],
  answer: 'B', explanation: '$-a=-(-3)=3$。', knowledge_points: ['RJM-1.2.3'], difficulty: 1, source: '数枢原创', score: 3,
  ...over,
});

before(async () => {
  srv = await startServer();
  const a = demoAccounts(srv.db);
  teacher = await signIn(srv.url, a.teacher);
  head = await signIn(srv.url, a.head_teacher);
  researcher = await signIn(srv.url, a.researcher);
  guardian = await signIn(srv.url, a.guardian);
});
after(() => srv?.stop());

test('the demo item bank is published and searchable by knowledge point, type, difficulty and text', async () => {
  const r = await teacher.get('/api/v1/items?knowledge_point=RJM-1.1&limit=200');
  assert.equal(r.status, 200, r.text);
  assert.ok(r.body.items.length >= 1);
  for (const it of r.body.items) {
    assert.equal(it.status, 'published');
    assert.ok(it.knowledge_points.some((k) => k.code === 'RJM-1.1'));
  }
  const first = await teacher.get('/api/v1/items/RJM-I-01-001');
  assert.equal(first.body.type, 'single');
  assert.equal(first.body.knowledge_points[0].code, 'RJM-1.1');
  assert.equal(first.body.knowledge_points[0].name, '正数和负数');
  const wide = await teacher.get('/api/v1/items?knowledge_point=RJM-1.1&include=dependants&limit=200');
  assert.ok(wide.body.items.length > r.body.items.length, 'dependants add items');
  const subj = await teacher.get('/api/v1/items?type=subjective&difficulty=3&limit=200');
  assert.ok(subj.body.items.length > 0);
  assert.ok(subj.body.items.every((it) => it.type === 'subjective' && it.difficulty === 3 && it.rubric.length > 0));
  const q = await teacher.get(`/api/v1/items?q=${encodeURIComponent('数轴')}`);
  assert.ok(q.body.items.every((it) => it.stem.includes('数轴')));
  const page = await teacher.get('/api/v1/items?limit=5');
  assert.equal(page.body.items.length, 5);
  const next = await teacher.get(`/api/v1/items?limit=5&cursor=${page.body.next_cursor}`);
  assert.notEqual(next.body.items[0].id, page.body.items[0].id);
  assertError(await teacher.get('/api/v1/items?knowledge_point=NOPE'), 400, 'unknown_reference');
  assertError(await teacher.get('/api/v1/items?difficulty=9'), 400, 'invalid_query');
  assertError(await guardian.get('/api/v1/items'), 403, 'forbidden');
});

test('draft → review → published; a published version never changes, an edit makes version 2', async () => {
  const c = await teacher.post('/api/v1/items', draft());
  assert.equal(c.status, 201, c.text);
  assert.deepEqual([c.body.status, c.body.version, c.body.answer], ['draft', 1, 'B']);
  const id = c.body.id;
  assertError(await head.get(`/api/v1/items/${id}`), 404, 'not_found'); // someone else's draft
  assertError(await head.put(`/api/v1/items/${id}`, draft()), 404, 'not_found');

  assertError(await researcher.post(`/api/v1/items/${id}/review`, { decision: 'approve' }), 409, 'invalid_state');
  assert.equal((await teacher.post(`/api/v1/items/${id}/submit`)).body.status, 'in_review');
  assertError(await teacher.post(`/api/v1/items/${id}/review`, { decision: 'approve' }), 403, 'forbidden');
  assertError(await researcher.post(`/api/v1/items/${id}/review`, { decision: 'reject' }), 400, 'required', 'note');
  const back = await researcher.post(`/api/v1/items/${id}/review`, { decision: 'reject', note: '选项 D 太容易排除' });
  assert.equal(back.status, 200, back.text);
  assert.deepEqual([back.body.status, back.body.review_note], ['draft', '选项 D 太容易排除']);
  const fixed = await teacher.put(`/api/v1/items/${id}`, draft({ options: [...draft().options.slice(0, 3), { key: 'D', text: '$-\\frac{1}{3}$' }] }));
  assert.equal(fixed.status, 200, fixed.text);
  assert.equal(fixed.body.version, 1, 'a draft changes in place');
  await teacher.post(`/api/v1/items/${id}/submit`);
  const pub = await researcher.post(`/api/v1/items/${id}/review`, { decision: 'approve' });
  assert.equal(pub.status, 200, pub.text);
  assert.deepEqual([pub.body.status, pub.body.published_version], ['published', 1]);
  assert.equal((await head.get(`/api/v1/items/${id}`)).body.status, 'published');

  const v2 = await teacher.put(`/api/v1/items/${id}`, draft({ stem: '若 $a=-5$，则 $-a$ 等于（　　）', answer: 'B' }));
  assert.deepEqual([v2.body.version, v2.body.status], [2, 'draft']);
  const seen = await head.get(`/api/v1/items/${id}`);
  assert.deepEqual([seen.body.version, seen.body.stem], [1, '若 $a=-3$，则 $-a$ 等于（　　）']);
  const v1 = await teacher.get(`/api/v1/items/${id}?version=1`);
  assert.equal(v1.body.stem, '若 $a=-3$，则 $-a$ 等于（　　）');
  assert.equal(v1.body.options[3].text, '$-\\frac{1}{3}$');
  const versions = await teacher.get(`/api/v1/items/${id}/versions`);
  assert.deepEqual(versions.body.items.map((v) => [v.version, v.status]), [[1, 'published'], [2, 'draft']]);
  assertError(await teacher.put(`/api/v1/items/${id}`, draft({ code: 'OTHER-1' })), 400, 'immutable', 'code');

  const check = async (response) => (await head.post(`/api/v1/items/${id}/check`, { response })).body;
  assert.equal((await check('B')).verdict, 'right');
  assert.equal((await check('A')).verdict, 'wrong');
  assertError(await head.post(`/api/v1/items/${id}/check`, { response: ['B'] }), 400, 'invalid_response');

  assert.equal((await researcher.post(`/api/v1/items/${id}/retire`)).status, 409); // latest is the v2 draft
});

test('field errors in Chinese, unknown knowledge points, hostile bodies', async () => {
  const r = await teacher.post('/api/v1/items', draft({ type: 'subjective', options: undefined, answer: '略', score: 6,
    rubric: [{ points: 2, criterion: 'a' }, { points: 2, criterion: 'b' }] }));
  assertError(r, 400, 'rubric_sum', 'rubric');
  const bad = await teacher.post('/api/v1/items', draft({ difficulty: 9, answer: 'Z', knowledge_points: [] }));
  assert.equal(bad.status, 400);
  const fields = bad.body.error.details.map((d) => d.field);
  for (const f of ['difficulty', 'answer', 'knowledge_points']) assert.ok(fields.includes(f), `${f}: ${bad.text}`);
  for (const d of bad.body.error.details) assert.match(d.message, /[\u4e00-\u9fff]/);
  assertError(await teacher.post('/api/v1/items', draft({ knowledge_points: ['RJM-99.9'] })), 400, 'unknown_reference', 'knowledge_points');
  assertError(await teacher.post('/api/v1/items', draft({ stem: 'x'.repeat(200000) })), 400, 'too_long', 'stem');
  const many = Array.from({ length: 10000 }, () => ({ key: 'A', text: 'x' }));
  assertError(await teacher.post('/api/v1/items', draft({ options: many })), 400, 'invalid_options', 'options');
  const broken = await teacher.post('/api/v1/items', '{"type": "single", "stem": ');
  assert.equal(broken.status, 400);
  assertError(await teacher.post('/api/v1/items', draft({ code: 'RJM-I-01-001' })), 409, 'conflict', 'code');
});

test('JSONL import: line-numbered errors and nothing written; publish needs review rights; export round trip', async () => {
  const ok = JSON.stringify({ code: 'T-I-90-001', ...draft() });
  const lines = [ok, '{"code": "T-I-90-002", "type": ', JSON.stringify({ code: 'T-I-90-003', ...draft({ knowledge_points: ['NOPE'] }) }),
    JSON.stringify({ code: 'T-I-90-001', ...draft() })].join('\n');
  const r = await researcher.post('/api/v1/items/imports', lines, jsonl);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  assert.deepEqual(r.body.errors.map((e) => e.row), [2, 3, 4]);
  assert.match(r.body.errors[0].message, /第 2 行.*JSON/);
  assert.match(r.body.errors[1].message, /NOPE/);
  assert.match(r.body.errors[2].message, /重复/);
  assertError(await researcher.get('/api/v1/items/T-I-90-001'), 404, 'not_found');

  assertError(await teacher.post('/api/v1/items/imports?publish=true', ok, jsonl), 403, 'forbidden');
  const dry = await researcher.post('/api/v1/items/imports?publish=true&dry_run=true', ok, jsonl);
  assert.deepEqual([dry.body.created, dry.body.committed], [1, false]);
  const done = await researcher.post('/api/v1/items/imports?publish=true', ok, jsonl);
  assert.deepEqual([done.body.created, done.body.published, done.body.committed], [1, 1, true]);
  assert.equal((await head.get('/api/v1/items/T-I-90-001')).body.status, 'published');

  const e1 = await teacher.get('/api/v1/items/export');
  assert.equal(e1.status, 200);
  fs.writeFileSync(path.join(srv.dir, 'export.jsonl'), e1.text);
  const rows = e1.text.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(rows.length >= 400);
  const first = rows.find((x) => x.code === 'RJM-I-01-001');
  assert.deepEqual(first.knowledge_points, ['RJM-1.1']);
  const again = await researcher.post('/api/v1/items/imports?publish=true', e1.text, jsonl);
  // unchanged, except the item of the test above whose latest version is a draft that differs from its export
  assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged], [0, 1, rows.length - 1]);
  const e2 = await teacher.get('/api/v1/items/export');
  assert.equal(e2.text, e1.text);

  const dir = path.join(srv.dir, 'bank');
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'a.jsonl'), `${JSON.stringify({ code: 'T-I-91-001', ...draft() })}\n`);
  fs.writeFileSync(path.join(dir, 'b.jsonl'), '\n{"code": "T-I-91-002"}\n');
  const bad = cli(['items', 'import', dir, '--db', srv.db]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /b\.jsonl 第 2 行/);
  fs.unlinkSync(path.join(dir, 'b.jsonl'));
  const good = cli(['items', 'import', dir, '--db', srv.db, '--publish']);
  assert.equal(good.status, 0, good.stderr);
  assert.match(good.stdout, /新建 1/);
  assert.equal((await head.get('/api/v1/items/T-I-91-001')).body.status, 'published');
  assert.equal((await researcher.post('/api/v1/items/T-I-91-001/retire')).body.status, 'retired');
});
