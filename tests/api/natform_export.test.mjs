// natform_export.test.mjs — any scoped list of students as the national
// registry form (XLSX, or CSV): masked for the reader unless unmasked with the
// permission and a reason (audited); the file imported into another database
// with the same organisation tree (and no people) gives identical records —
// every student field, every family member, and the same form exported again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, demoAccounts, signIn, sql, cli, newDatabase, tmpdir, httpFetch, assertError, call } from './harness.mjs';

let src;
let dst;
const as = {};

before(async () => {
  src = await startServer();
  const dir = tmpdir();
  const made = cli(['demo', '--db', await newDatabase(dir), '--people', 'none']);
  assert.equal(made.status, 0, made.stderr);
  dst = await startServer({ dir });
  as.admin = await signIn(src.url, demoAccounts(src.db).school_admin);
  as.head = await signIn(src.url, demoAccounts(src.db).head_teacher);
  as.dstAdmin = await signIn(dst.url, demoAccounts(dst.db).school_admin);
  as.school = as.admin.me.roles.find((r) => r.role === 'school_admin').org.id;
});
after(async () => { await src.stop(); await dst.stop(); });

const REASON = encodeURIComponent('向全国学籍系统报送');
async function download(client, base, query) {
  const r = await httpFetch(`${base}/api/v1/students?${query}`, { headers: { cookie: client.cookie } });
  return { status: r.status, type: r.headers.get('content-type'), bytes: Buffer.from(await r.arrayBuffer()) };
}
const rowsOf = (bytes) => bytes.toString('utf8').replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));

test('the form export is masked by default; clear only with the permission and a reason, audited', async () => {
  const masked = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national`);
  assert.equal(masked.status, 200);
  const [head, first] = rowsOf(masked.bytes);
  assert.equal(head[0], '学校标识码');
  assert.ok(head.includes('家庭成员或监护人一身份证件号'));
  const id = first[head.indexOf('身份证件号')];
  assert.match(id, /^\d{6}\*{8}\d{3}[\dX]$/);
  assert.equal(first[head.indexOf('户口性质')], ''); // hidden without unmasking
  assert.match(first[head.indexOf('姓名')], /^.\*+$/);
  const denied = await download(as.head, src.url, `format=csv&template=national&unmask_reason=${REASON}`);
  assert.equal(denied.status, 403);
  const before = Number(sql(src.db, "SELECT count(*) FROM audit_log WHERE event = 'export'"));
  const clear = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national&unmask_reason=${REASON}`);
  assert.equal(clear.status, 200);
  const [, row] = rowsOf(clear.bytes);
  assert.match(row[head.indexOf('身份证件号')], /^\d{17}[\dX]$/);
  assert.match(row[head.indexOf('户口性质')], /^[12]$/);
  assert.equal(Number(sql(src.db, "SELECT count(*) FROM audit_log WHERE event = 'export'")), before + 1);
  assert.match(sql(src.db, "SELECT detail FROM audit_log WHERE event = 'export' ORDER BY id DESC LIMIT 1"), /csv national exported: \d+ rows, unmasked/);
  const bad = await httpFetch(`${src.url}/api/v1/students?format=csv&template=oneroster2`, { headers: { cookie: as.admin.cookie } });
  assertError({ status: bad.status, body: await bad.json() }, 400, 'unknown_template', 'template');
});

test('export → import into an empty database → identical records, and the same form again', async () => {
  const query = `school=${as.school}&format=xlsx&template=national&unmask_reason=${REASON}`;
  const xlsx = await download(as.admin, src.url, query);
  assert.equal(xlsx.status, 200);
  assert.match(xlsx.type, /spreadsheetml/);
  const file = path.join(dst.dir, 'form.xlsx');
  fs.writeFileSync(file, xlsx.bytes);
  const up = await call(`${dst.url}/api/v1/imports/students`, {
    method: 'POST', body: xlsx.bytes, headers: { cookie: as.dstAdmin.cookie, 'x-csrf-token': as.dstAdmin.csrf, 'content-type': 'application/octet-stream' },
  });
  assert.equal(up.status, 201, up.text);
  assert.equal(up.body.template, 'national');
  assert.equal(up.body.error_count, 0);
  const n = Number(sql(src.db, `SELECT count(*) FROM student s JOIN org_unit o ON o.id = s.school_id WHERE o.uid = '${as.school}'`));
  assert.equal(up.body.created, n, JSON.stringify({ ...up.body, errors: undefined }));

  // every field of every student, read in clear on both sides (学生类别 is not a field of the form)
  const dstSchool = as.dstAdmin.me.roles.find((r) => r.role === 'school_admin').org.id;
  const records = async (client, school) => {
    const ids = [];
    let cursor = '';
    for (;;) {
      const r = await client.get(`/api/v1/students?school=${school}&limit=500${cursor}`);
      assert.equal(r.status, 200, r.text);
      ids.push(...r.body.items.map((x) => x.id));
      if (!r.body.next_cursor) break;
      cursor = `&cursor=${r.body.next_cursor}`;
    }
    const out = [];
    for (const id of ids) {
      const r = await client.get(`/api/v1/students/${id}?unmask_reason=${REASON}`);
      assert.equal(r.status, 200, r.text);
      const { id: _i, person, school: _s, version, created_at, updated_at, category, ...rest } = r.body;
      out.push(rest);
    }
    return out.sort((a, b) => a.student_number.localeCompare(b.student_number));
  };
  const mine = await records(as.admin, as.school);
  assert.ok(mine.every((r) => !String(r.student_number).includes('*')) && mine.some((r) => r.hukou_type));
  assert.deepEqual(await records(as.dstAdmin, dstSchool), mine);

  // profiles, documents and family members: the form exported again is the same, cell for cell
  const again = await download(as.dstAdmin, dst.url, `school=${dstSchool}&format=csv&template=national&unmask_reason=${REASON}`);
  const first = await download(as.admin, src.url, `school=${as.school}&format=csv&template=national&unmask_reason=${REASON}`);
  const sortRows = (rows) => [rows[0], ...rows.slice(1).sort((a, b) => a.join().localeCompare(b.join()))];
  assert.deepEqual(sortRows(rowsOf(again.bytes)), sortRows(rowsOf(first.bytes)));
  assert.equal(rowsOf(again.bytes).length, n + 1);
});
