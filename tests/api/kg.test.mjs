// kg.test.mjs — the knowledge graph API on a demo database: CSV import (dry run,
// errors with row and column and nothing written, re-import changes nothing),
// export → import round trip, points and prerequisite edges, cycles refused with
// the cycle named, transitive prerequisites and dependants with depth, renames in
// the history, and who may read and write.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, assertError, demoAccounts, signIn, root, cli } from './harness.mjs';

let srv;
let researcher; // kg.write
let teacher; // kg.read only
let guardian; // neither
const fixture = fs.readFileSync(path.join(root, 'tests/api/fixtures/kg_small.csv'), 'utf8');
const csv = { 'content-type': 'text/csv' };

before(async () => {
  srv = await startServer();
  const a = demoAccounts(srv.db);
  researcher = await signIn(srv.url, a.researcher);
  teacher = await signIn(srv.url, a.teacher);
  guardian = await signIn(srv.url, a.guardian);
});
after(() => srv?.stop());

const point = async (ref) => {
  const r = await teacher.get(`/api/v1/kg/points/${encodeURIComponent(ref)}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
};

test('CSV import: a dry run writes nothing, the import writes the graph, a second import changes nothing', async () => {
  const dry = await researcher.post('/api/v1/kg/imports?dry_run=true', fixture, csv);
  assert.equal(dry.status, 200, dry.text);
  assert.deepEqual([dry.body.rows, dry.body.created, dry.body.edges_added], [6, 6, 6]);
  assertError(await teacher.get('/api/v1/kg/points/T-1.1'), 404, 'not_found');

  const r = await researcher.post('/api/v1/kg/imports', fixture, csv);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.body.created, r.body.updated, r.body.edges_added], [6, 0, 6]);
  const abs = await point('T-1.2.4');
  assert.equal(abs.name, '绝对值');
  assert.equal(abs.subject, '14');
  assert.equal(abs.grade, 7);
  assert.equal(abs.semester, '上');
  assert.deepEqual(abs.prerequisites.map((p) => p.code), ['T-1.2.2', 'T-1.2.3']);
  assert.deepEqual(abs.dependants.map((p) => p.code), ['T-1.3.1']);

  const again = await researcher.post('/api/v1/kg/imports', fixture, csv);
  assert.deepEqual([again.body.created, again.body.updated, again.body.unchanged, again.body.edges_added,
    again.body.edges_removed], [0, 0, 6, 0, 0]);
  assert.equal((await point('T-1.2.4')).version, abs.version, 're-import must not touch the row');
});

test('CSV import errors name row and column; nothing is written when any row is wrong', async () => {
  const bad = [
    'code,name,subject,edition,grade,semester,chapter,section,prerequisites,description',
    'T-9.1,新点,数学,人教版（2012）,7,上,第九章,9.1,,说明',
    'T-9.2,,数学,人教版（2012）,13,中,第九章,9.2,T-404,说明',
    'T 9.3,错码,物理学,人教版（2012）,7,上,第九章,9.3,,说明',
    'T-9.1,重复,数学,人教版（2012）,7,上,第九章,9.1,,说明',
  ].join('\n');
  const r = await researcher.post('/api/v1/kg/imports', bad, csv);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.committed, false);
  const at = (row, col) => r.body.errors.find((e) => e.row === row && e.column === col);
  assert.ok(at(3, 2), 'missing name'); // row 3 is the second data row
  assert.match(at(3, 5).message, /年级/);
  assert.match(at(3, 6).message, /上.*下/);
  assert.match(at(3, 9).message, /T-404/);
  assert.ok(at(4, 1), 'code with a space');
  assert.match(at(4, 3).message, /学科/);
  assert.match(at(5, 1).message, /重复/);
  for (const e of r.body.errors) assert.match(e.message, /[\u4e00-\u9fff]/);
  assertError(await teacher.get('/api/v1/kg/points/T-9.1'), 404, 'not_found');

  const header = await researcher.post('/api/v1/kg/imports', 'code,name,colour\nA,B,C\n', csv);
  assert.equal(header.body.committed, false);
  assert.ok(header.body.errors.some((e) => /colour/.test(e.message)));
  assert.ok(header.body.errors.some((e) => /缺少列“subject”/.test(e.message)));
  const binary = await researcher.post('/api/v1/kg/imports', Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x00]), csv);
  assert.ok(binary.status === 400 || binary.body.committed === false, binary.text);
});

test('a cycle is refused with the cycle named, from the API and from a file', async () => {
  const r = await researcher.post('/api/v1/kg/points/T-1.1/prerequisites', { prerequisite: 'T-1.3.1' });
  assertError(r, 409, 'kg_cycle');
  assert.match(r.body.error.message, /T-1\.1 正数和负数 → T-1\.3\.1 有理数的加法 → .*T-1\.1 正数和负数/);
  assert.equal((await point('T-1.1')).prerequisites.length, 0);
  assertError(await researcher.post('/api/v1/kg/points/T-1.1/prerequisites', { prerequisite: 'T-1.1' }), 409, 'kg_cycle');

  const cyclic = fixture.replace('T-1.1,正数和负数,数学,人教版（2012）,7,上,第一章 有理数,1.1 正数和负数,,',
    'T-1.1,正数和负数,数学,人教版（2012）,7,上,第一章 有理数,1.1 正数和负数,T-1.2.2,');
  const f = await researcher.post('/api/v1/kg/imports', cyclic, csv);
  assert.equal(f.body.committed, false, f.text);
  assert.equal(f.body.errors[0].code, 'kg_cycle');
  assert.equal(f.body.errors[0].column, 9);
  assert.match(f.body.errors[0].message, /循环.*T-1\.1.*T-1\.2\.2/);
  assert.equal((await point('T-1.1')).prerequisites.length, 0, 'nothing written');
});

test('points: create, rename (kept in the history), edges, transitive walks, delete', async () => {
  const c = await researcher.post('/api/v1/kg/points', {
    subject: '14', code: 'T-1.3.2', name: '有理数的减法', edition: '人教版（2012）', grade: 7, semester: '上',
    chapter: '第一章 有理数', section: '1.3 有理数的加减法', prerequisites: ['T-1.3.1'],
  });
  assert.equal(c.status, 201, c.text);
  assert.deepEqual(c.body.prerequisites.map((p) => p.code), ['T-1.3.1']);
  assert.ok(c.body.ordinal > 6, 'placed after the imported points');
  assertError(await researcher.post('/api/v1/kg/points', { ...c.body, id: undefined, prerequisites: undefined,
    ordinal: undefined, version: undefined, created_at: undefined, updated_at: undefined, dependants: undefined }),
  409, 'conflict', 'code');
  const bad = await researcher.post('/api/v1/kg/points', { subject: '99', code: '坏 码', grade: 20, semester: 'x',
    prerequisites: ['NOPE'] });
  assert.equal(bad.status, 400, bad.text);
  const fields = bad.body.error.details.map((d) => d.field);
  assert.ok(fields.includes('prerequisites'));

  const ren = await researcher.patch(`/api/v1/kg/points/${c.body.id}`, { name: '有理数减法' });
  assert.equal(ren.status, 200, ren.text);
  assert.equal(ren.body.name, '有理数减法');
  const h = await teacher.get(`/api/v1/kg/points/${c.body.id}/history`);
  assert.equal(h.status, 200, h.text);
  assert.ok(JSON.stringify(h.body).includes('有理数的减法'), 'the old name stays in the history');

  const up = await teacher.get('/api/v1/kg/points/T-1.3.2/prerequisites?transitive=true');
  assert.deepEqual(up.body.items.map((p) => [p.code, p.depth]),
    [['T-1.3.1', 1], ['T-1.2.4', 2], ['T-1.2.2', 3], ['T-1.2.3', 3], ['T-1.2.1', 4], ['T-1.1', 5]]);
  const direct = await teacher.get('/api/v1/kg/points/T-1.3.2/prerequisites');
  assert.deepEqual(direct.body.items.map((p) => p.code), ['T-1.3.1']);
  const down = await teacher.get('/api/v1/kg/points/T-1.2.2/dependants?transitive=true');
  assert.deepEqual(down.body.items.map((p) => [p.code, p.depth]),
    [['T-1.2.3', 1], ['T-1.2.4', 1], ['T-1.3.1', 2], ['T-1.3.2', 3]]);

  assertError(await researcher.del('/api/v1/kg/points/T-1.3.1'), 409, 'kg_in_use');
  const rm = await researcher.del('/api/v1/kg/points/T-1.3.2/prerequisites/T-1.3.1');
  assert.equal(rm.status, 200, rm.text);
  assert.equal(rm.body.prerequisites.length, 0);
  assertError(await researcher.del('/api/v1/kg/points/T-1.3.2/prerequisites/T-1.3.1'), 404, 'not_found');
  assert.equal((await researcher.del('/api/v1/kg/points/T-1.3.2')).status, 204);
  assertError(await teacher.get('/api/v1/kg/points/T-1.3.2'), 404, 'not_found');
});

test('lists filter and search; subjects; who may read and write', async () => {
  const l = await teacher.get('/api/v1/kg/points?grade=7&semester=上&limit=500');
  assert.equal(l.status, 200, l.text);
  assert.ok(l.body.items.some((p) => p.code === 'T-1.2.2'));
  const q = await teacher.get(`/api/v1/kg/points?q=${encodeURIComponent('数轴')}`);
  assert.ok(q.body.items.every((p) => p.name.includes('数轴') || p.code.startsWith('数轴')));
  assert.ok(q.body.items.some((p) => p.code === 'T-1.2.2'));
  const s = await teacher.get('/api/v1/kg/subjects');
  assert.ok(s.body.items.some((x) => x.code === '14' && x.name === '数学' && x.points >= 6));

  assertError(await teacher.post('/api/v1/kg/imports', fixture, csv), 403, 'forbidden');
  assertError(await teacher.patch('/api/v1/kg/points/T-1.1', { name: 'x' }), 403, 'forbidden');
  assertError(await guardian.get('/api/v1/kg/points'), 403, 'forbidden');
});

test('export → import round trip is identical; the command line imports and exports the same layout', async () => {
  const e1 = await teacher.get('/api/v1/kg/export');
  assert.equal(e1.status, 200);
  assert.match(e1.headers.get('content-type'), /text\/csv/);
  assert.match(e1.text, /^\uFEFF?code,name,subject,edition,grade,semester,chapter,section,prerequisites,description\r\n/);
  assert.match(e1.text, /T-1\.2\.4,绝对值,数学,人教版（2012）,7,上,第一章 有理数,1\.2 有理数,T-1\.2\.2;T-1\.2\.3,/);
  const re = await researcher.post('/api/v1/kg/imports', e1.text, csv);
  assert.equal(re.status, 200, re.text);
  assert.equal(re.body.created + re.body.updated + re.body.edges_added + re.body.edges_removed, 0);
  const e2 = await teacher.get('/api/v1/kg/export');
  assert.equal(e2.text, e1.text);

  const file = path.join(srv.dir, 'kg.csv');
  fs.writeFileSync(file, fixture.replace('T-1.1,', 'T-1.1x,').replace(',T-1.1,', ',T-1.1x,'));
  const dry = cli(['kg', 'import', file, '--db', srv.db, '--dry-run']);
  assert.equal(dry.status, 0, dry.stderr);
  assert.match(dry.stdout, /校验通过.*新建 1/);
  const broken = path.join(srv.dir, 'broken.csv');
  fs.writeFileSync(broken, 'code,name,subject,edition,grade,semester,chapter,section,prerequisites,description\nX-1,,数学,人教版,7,上,第一章,,,\n');
  const b = cli(['kg', 'import', broken, '--db', srv.db]);
  assert.equal(b.status, 1);
  assert.match(b.stderr, /第 2 行第 2 列/);
  const out = cli(['kg', 'export', '--db', srv.db, '--subject', '14']);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout.replace(/^\uFEFF/, ''), e2.text);
});
