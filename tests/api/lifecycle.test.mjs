// lifecycle.test.mjs — 学籍异动 through the one approval flow engine, on a demo
// database: class changes, suspension, resumption and withdrawal decided by the
// district above the school, transfers decided by the sending and then the
// receiving school, the year-end promotion with graduation. Wrong approvers are
// refused (out of reach: 404), rejections and cancellations change nothing, an
// approval that no longer fits fails and changes nothing, the histories and the
// change feed show every step, and every decision is audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, assertError, demoAccounts, signIn, sql, idNumber, usePostgres } from './harness.mjs';

let srv;
let school; // the demo school administrator, school A
let district; // the district administrator above school A and school B
let city;
let tokB; // an approver of school B (an API token held at B)
let tokC; // an administrator of school C, in another district
const ctx = {};
let seq = 0;
const today = new Date(Date.now() + 8 * 3600000).toISOString().slice(0, 10);

function bearer(token) {
  const send = (method, path, body) => call(`${srv.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { get: (p) => send('GET', p), post: (p, b) => send('POST', p, b) };
}

const items = async (client, path) => {
  const r = await client.get(path);
  assert.equal(r.status, 200, r.text);
  return r.body.items;
};

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  school = await signIn(srv.url, accounts.school_admin);
  district = await signIn(srv.url, accounts.district_admin);
  city = await signIn(srv.url, accounts.city_admin);
  ctx.schoolA = school.me.roles.find((r) => r.role === 'school_admin').org.id;
  ctx.district = district.me.roles.find((r) => r.role === 'district_admin').org.id;
  const schools = await items(city, `/api/v1/orgs?parent=${ctx.district}&kind=school&limit=100`);
  ctx.schoolB = schools.find((s) => s.id !== ctx.schoolA).id;
  const districts = await items(city, '/api/v1/orgs?kind=district');
  const other = districts.find((d) => d.id !== ctx.district).id;
  ctx.schoolC = (await items(city, `/api/v1/orgs?parent=${other}&kind=school`))[0].id;
  ctx.gradesA = {};
  for (const g of await items(city, `/api/v1/orgs?parent=${ctx.schoolA}&kind=grade`)) {
    ctx.gradesA[g.name] = { id: g.id, classes: await items(city, `/api/v1/orgs?parent=${g.id}&kind=class`) };
  }
  const gradeB = (await items(city, `/api/v1/orgs?parent=${ctx.schoolB}&kind=grade`))[0].id;
  ctx.classB = (await items(city, `/api/v1/orgs?parent=${gradeB}&kind=class`))[0].id;
  const gradeC = (await items(city, `/api/v1/orgs?parent=${ctx.schoolC}&kind=grade`))[0].id;
  ctx.classC = (await items(city, `/api/v1/orgs?parent=${gradeC}&kind=class`))[0].id;
  const perms = ['flow.use', 'roster.approve', 'roster.read', 'roster.change'];
  tokB = bearer((await city.post('/api/v1/tokens', { name: '乙校学籍审核', org: ctx.schoolB, permissions: perms })).body.token);
  tokC = bearer((await city.post('/api/v1/tokens', { name: '丙校学籍管理', org: ctx.schoolC, permissions: perms })).body.token);
  ctx.since = (await city.get('/api/v1/changes?since=0&limit=1000')).body.next_since;
  while ((await city.get(`/api/v1/changes?since=${ctx.since}&limit=1000`)).body.items.length) {
    ctx.since = (await city.get(`/api/v1/changes?since=${ctx.since}&limit=1000`)).body.next_since;
  }
});
after(async () => { await srv.stop(); });

const classA = (grade, i = 0) => ctx.gradesA[grade].classes[i].id;

// A student of school A enrolled in a class since 2025-09-01 (or not enrolled).
async function newStudent(cls, name = `学生${'甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥'[seq % 22]}`) {
  seq++;
  const id = idNumber('370702', `2010-05-${String(1 + (seq % 28)).padStart(2, '0')}`, 100 + seq);
  const p = await school.post('/api/v1/persons', { name, id_number: id });
  assert.equal(p.status, 201, p.text);
  const s = await school.post('/api/v1/students', { school: ctx.schoolA, person: p.body.person, name, student_number: `G${id}`, status: '01' });
  assert.equal(s.status, 201, s.text);
  const out = { id: s.body.id, person: p.body.person, number: `G${id}` };
  if (cls) {
    const e = await school.post('/api/v1/enrollments', { school: ctx.schoolA, student: out.id, class: cls, entry_date: '2025-09-01' });
    assert.equal(e.status, 201, e.text);
    out.enrollment = e.body.id;
  }
  return out;
}

const openEnrollments = async (student) => (await items(city, `/api/v1/enrollments?student=${student}`)).filter((e) => !e.exit_date);
const counts = () => sql(srv.db, 'SELECT (SELECT count(*) FROM student_change) || \'/\' || (SELECT count(*) FROM flow_request) || \'/\' || (SELECT count(*) FROM enrollment)');

test('bad change requests name the field in Chinese and write nothing', async () => {
  const st = await newStudent(classA('高一'));
  const idle = await newStudent(null);
  const before = counts();
  const base = { student: st.id, change_type: '29', to_class: classA('高一', 1), effective_date: today };
  assertError(await school.post('/api/v1/student-changes', { ...base, change_type: '88' }), 400, 'invalid_code', 'change_type');
  assertError(await school.post('/api/v1/student-changes', { ...base, change_type: '02' }), 400, 'unsupported_change_type', 'change_type');
  assertError(await school.post('/api/v1/student-changes', { ...base, reason: '98' }), 400, 'invalid_code', 'reason');
  assertError(await school.post('/api/v1/student-changes', { ...base, to_class: ctx.classB }), 400, 'wrong_school', 'to_class');
  assertError(await school.post('/api/v1/student-changes', { ...base, to_class: classA('高一') }), 400, 'same_class', 'to_class');
  assertError(await school.post('/api/v1/student-changes', { ...base, effective_date: '2025-08-01' }), 400, 'date_out_of_range', 'effective_date');
  assertError(await school.post('/api/v1/student-changes', { ...base, effective_date: '2030-01-01' }), 400, 'date_out_of_range', 'effective_date');
  assertError(await school.post('/api/v1/student-changes', { ...base, effective_date: '2026-02-30' }), 400, 'invalid_date', 'effective_date');
  assertError(await school.post('/api/v1/student-changes', { ...base, student: idle.id }), 400, 'not_enrolled', 'student');
  assertError(await school.post('/api/v1/student-changes', { ...base, to_school: ctx.schoolB }), 400, 'not_applicable', 'to_school');
  assertError(await school.post('/api/v1/student-changes', { ...base, to_class: undefined }), 400, 'required', 'to_class');
  assertError(await school.post('/api/v1/student-changes', { ...base, change_type: '11', to_class: undefined }), 400, 'required', 'reason');
  assertError(await school.post('/api/v1/student-changes', { ...base, state: 'approved' }), 400, 'read_only', 'state');
  assertError(await school.post('/api/v1/student-changes', { ...base, change_type: '21', to_class: ctx.classB, to_school: ctx.schoolA }), 400, 'same_school', 'to_school');
  assertError(await school.post('/api/v1/student-changes', { ...base, change_type: '21', to_class: classA('高二'), to_school: ctx.schoolB }), 400, 'wrong_school', 'to_class');
  assertError(await school.post('/api/v1/student-changes', { ...base, student: 'nosuchstudent' }), 400, 'unknown_reference', 'student');
  // another school's administrator cannot reach the student: it looks missing
  assertError(await tokC.post('/api/v1/student-changes', base), 404, 'not_found', 'student');
  assertError(await school.post('/api/v1/student-changes', '{"student":'), 400, 'invalid_json');
  assert.equal(counts(), before);
});

// Submit a change as the school administrator; returns {change, request}.
async function submit(body, client = school) {
  const r = await client.post('/api/v1/student-changes', body);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.state, 'pending');
  return { change: r.body.id, request: r.body.request, body: r.body };
}

test('class change: the submitter and other schools cannot approve, the district does, and the enrolments show it', async () => {
  const st = await newStudent(classA('高一'));
  const { change, request, body } = await submit({ student: st.id, change_type: '29', to_class: classA('高一', 1), effective_date: today, document_number: '示范一中〔2026〕12号' });
  assert.equal(body.kind, 'class_change');
  assert.equal(body.from_class, classA('高一'));
  assert.equal(body.school, ctx.schoolA);
  assertError(await school.post('/api/v1/student-changes', { student: st.id, change_type: '11', reason: '10', effective_date: today }), 409, 'pending_change', 'student');
  // what the district sees: a pending request it may decide
  const pending = await items(district, '/api/v1/approvals?state=pending');
  assert.ok(pending.some((p) => p.id === request && p.flow === 'student_class_change' && p.step_label === '学校审核'));
  const seen = await district.get(`/api/v1/approvals/${request}`);
  assert.equal(seen.status, 200, seen.text);
  assert.equal(seen.body.may_decide, true);
  assert.equal(seen.body.submitted_by, 'school.admin');
  assert.equal(seen.body.payload.change, change);
  assert.deepEqual(seen.body.steps.map((s) => [s.label, s.state, s.org]), [['学校审核', 'current', ctx.schoolA]]);
  assert.doesNotMatch(seen.text, new RegExp(st.number.slice(1)), 'no ID number in the request');
  // wrong approvers
  assertError(await school.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 403, 'own_request');
  assertError(await tokC.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 404, 'not_found');
  assertError(await tokC.get(`/api/v1/approvals/${request}`), 404, 'not_found');
  assertError(await tokB.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 404, 'not_found');
  assert.deepEqual(await items(tokC, '/api/v1/approvals'), []);
  // bad decisions
  assertError(await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'maybe' }), 400, 'invalid_decision', 'decision');
  assertError(await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'reject' }), 400, 'required', 'comment');
  assertError(await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve', sign: 'x' }), 400, 'unknown_field', 'sign');
  assertError(await district.post('/api/v1/approvals/nosuchrequest/decisions', { decision: 'approve' }), 404, 'not_found');
  const ok = await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve', comment: '同意调班' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.state, 'approved');
  assert.deepEqual(ok.body.decisions.map((d) => [d.decider, d.decision, d.comment]), [['district.admin', 'approve', '同意调班']]);
  assertError(await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 409, 'not_pending');
  // the record, the enrolments and their histories
  const rec = (await city.get(`/api/v1/student-changes/${change}`)).body;
  assert.equal(rec.state, 'approved');
  assert.equal(rec.approval_date, today);
  assert.equal(rec.document_number, '示范一中〔2026〕12号');
  const all = await items(city, `/api/v1/enrollments?student=${st.id}`);
  const old = all.find((e) => e.id === st.enrollment);
  assert.equal(old.exit_date, today);
  assert.equal(old.exit_type, '29');
  const open = all.filter((e) => !e.exit_date);
  assert.deepEqual(open.map((e) => [e.class, e.entry_date, e.entry_type]), [[classA('高一', 1), today, '29']]);
  const h = (await city.get(`/api/v1/enrollments/${st.enrollment}/history`)).body.items;
  assert.deepEqual(h.map((i) => i.op), ['create', 'update']);
  assert.deepEqual(h[1].fields, [{ field: 'exit_date', from: null, to: today }, { field: 'exit_type', from: null, to: '29' }]);
  assert.equal(h[1].actor, 'district.admin');
  const ch = (await city.get(`/api/v1/student-changes/${change}/history`)).body.items;
  assert.deepEqual(ch.map((i) => i.op), ['create', 'update']);
  assert.equal(sql(srv.db, `SELECT count(*) FROM audit_log WHERE event = 'flow_decision' AND object = 'flow_request:${request}' AND result = 'success'`), '1');
});

test('suspension, resumption and withdrawal change the status through the write path', async () => {
  const st = await newStudent(classA('高二'));
  const susp = await submit({ student: st.id, change_type: '11', reason: '10', effective_date: today });
  // the reason (illness) is sensitive: hidden unless unmasked with a reason, and that is audited
  assert.equal((await school.get(`/api/v1/student-changes/${susp.change}`)).body.reason, undefined);
  const clear = await school.get(`/api/v1/student-changes/${susp.change}?unmask_reason=${encodeURIComponent('核对休学原因')}`);
  assert.equal(clear.body.reason, '10');
  assert.match(sql(srv.db, "SELECT detail FROM audit_log WHERE event = 'unmask' ORDER BY id DESC LIMIT 1"), /核对休学原因/);
  assert.equal((await district.post(`/api/v1/approvals/${susp.request}/decisions`, { decision: 'approve' })).status, 200);
  let me = (await city.get(`/api/v1/students/${st.id}`)).body;
  assert.equal(me.status, '02');
  assert.deepEqual(await openEnrollments(st.id), []);
  // resumption: only of a suspended student, into a class of the school
  assertError(await school.post('/api/v1/student-changes', { student: st.id, change_type: '12', to_class: ctx.classB, effective_date: today }), 400, 'wrong_school', 'to_class');
  const res = await submit({ student: st.id, change_type: '12', to_class: classA('高二', 1), effective_date: today });
  assert.equal((await district.post(`/api/v1/approvals/${res.request}/decisions`, { decision: 'approve' })).status, 200);
  me = (await city.get(`/api/v1/students/${st.id}`)).body;
  assert.equal(me.status, '01');
  assert.deepEqual((await openEnrollments(st.id)).map((e) => [e.class, e.entry_type]), [[classA('高二', 1), '12']]);
  // withdrawal
  const wd = await submit({ student: st.id, change_type: '31', reason: '21', effective_date: today });
  assert.equal((await district.post(`/api/v1/approvals/${wd.request}/decisions`, { decision: 'approve', comment: '家长申请' })).status, 200);
  assert.equal((await city.get(`/api/v1/students/${st.id}`)).body.status, '03');
  assert.deepEqual(await openEnrollments(st.id), []);
  const hist = (await city.get(`/api/v1/students/${st.id}/history`)).body.items;
  const statuses = hist.filter((i) => i.op === 'update').map((i) => i.fields.find((f) => f.field === 'status'));
  assert.deepEqual(statuses.map((f) => [f.from, f.to]), [['01', '02'], ['02', '01'], ['01', '03']]);
  assert.ok(hist.every((i) => i.op === 'create' || i.actor === 'district.admin'));
  assertError(await school.post('/api/v1/student-changes', { student: st.id, change_type: '12', to_class: classA('高二'), effective_date: today }), 400, 'not_suspended', 'student');
});

test('transfer: the sending school decides step 1, the receiving school step 2, and the student moves', async () => {
  const st = await newStudent(classA('高二'), '转学生甲');
  ctx.transferred = st;
  const { change, request } = await submit({ student: st.id, change_type: '21', reason: '99', to_school: ctx.schoolB, to_class: ctx.classB, effective_date: today });
  // the receiving school cannot decide the sending school's step (nor see it yet)
  assertError(await tokB.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 404, 'not_found');
  assertError(await tokC.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 404, 'not_found');
  // the change record is visible at both schools, not at a third
  assert.equal((await tokB.get(`/api/v1/student-changes/${change}`)).status, 200);
  assertError(await tokC.get(`/api/v1/student-changes/${change}`), 404, 'not_found');
  const step1 = await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve', comment: '同意转出' });
  assert.equal(step1.status, 200, step1.text);
  assert.equal(step1.body.state, 'pending');
  assert.equal(step1.body.step, 2);
  assert.equal(step1.body.step_label, '转入学校审核');
  assert.deepEqual(step1.body.steps.map((s) => [s.state, s.org]), [['approved', ctx.schoolA], ['current', ctx.schoolB]]);
  // nothing moved yet
  assert.equal((await city.get(`/api/v1/students/${st.id}`)).body.status, '01');
  // the sending school (the submitter) may not decide the receiving school's step
  assertError(await school.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' }), 403, 'not_decider');
  const waiting = await items(tokB, '/api/v1/approvals?state=pending');
  assert.ok(waiting.some((p) => p.id === request));
  const step2 = await tokB.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve', comment: '同意转入' });
  assert.equal(step2.status, 200, step2.text);
  assert.equal(step2.body.state, 'approved');
  assert.deepEqual(step2.body.decisions.map((d) => [d.step, d.decision]), [[1, 'approve'], [2, 'approve']]);
  // sending school: enrolment ended as 转出, status 10
  const sent = (await city.get(`/api/v1/students/${st.id}`)).body;
  assert.equal(sent.status, '10');
  const oldE = (await city.get(`/api/v1/enrollments/${st.enrollment}`)).body;
  assert.deepEqual([oldE.exit_date, oldE.exit_type], [today, '21']);
  // receiving school: the same person with the same 学籍号, in the chosen class as 转入
  const there = await items(city, `/api/v1/students?school=${ctx.schoolB}`);
  const row = there.find((s) => s.person === st.person);
  assert.ok(row, JSON.stringify(there));
  assert.equal(row.status, '01');
  ctx.transferredB = row.id;
  const clear = await city.get(`/api/v1/students/${row.id}?unmask_reason=${encodeURIComponent('核对转入学籍号')}`);
  assert.equal(clear.body.student_number, st.number);
  assert.equal(clear.body.name, '转学生甲');
  assert.deepEqual((await openEnrollments(row.id)).map((e) => [e.school, e.class, e.entry_date, e.entry_type]), [[ctx.schoolB, ctx.classB, today, '22']]);
  assert.equal(sql(srv.db, `SELECT count(*) FROM audit_log WHERE event = 'flow_decision' AND object = 'flow_request:${request}'`), '2');
});

test('rejection at either step and cancellation change nothing but the request', async () => {
  const st = await newStudent(classA('高二'));
  const snapshot = async () => JSON.stringify([(await city.get(`/api/v1/students/${st.id}`)).body, await items(city, `/api/v1/enrollments?student=${st.id}`)]);
  const before = await snapshot();
  const studentsB = sql(srv.db, 'SELECT count(*) FROM student');
  // rejected by the receiving school at step 2
  const t1 = await submit({ student: st.id, change_type: '21', to_school: ctx.schoolB, to_class: ctx.classB, effective_date: today });
  assert.equal((await district.post(`/api/v1/approvals/${t1.request}/decisions`, { decision: 'approve' })).status, 200);
  const no = await tokB.post(`/api/v1/approvals/${t1.request}/decisions`, { decision: 'reject', comment: '学位已满' });
  assert.equal(no.status, 200, no.text);
  assert.equal(no.body.state, 'rejected');
  assert.equal((await city.get(`/api/v1/student-changes/${t1.change}`)).body.state, 'rejected');
  // rejected by the sending side at step 1
  const t2 = await submit({ student: st.id, change_type: '21', to_school: ctx.schoolB, to_class: ctx.classB, effective_date: today });
  const no2 = await district.post(`/api/v1/approvals/${t2.request}/decisions`, { decision: 'reject', comment: '材料不全' });
  assert.equal(no2.body.state, 'rejected');
  assert.deepEqual(no2.body.steps.map((s) => s.state), ['rejected', 'skipped']);
  // cancelled by its submitter (only)
  const c = await submit({ student: st.id, change_type: '29', to_class: classA('高二', 1), effective_date: today });
  assertError(await district.post(`/api/v1/approvals/${c.request}/cancel`), 403, 'not_submitter');
  assertError(await tokC.post(`/api/v1/approvals/${c.request}/cancel`), 404, 'not_found');
  const gone = await school.post(`/api/v1/approvals/${c.request}/cancel`);
  assert.equal(gone.status, 200, gone.text);
  assert.equal(gone.body.state, 'cancelled');
  assertError(await school.post(`/api/v1/approvals/${c.request}/cancel`), 409, 'not_pending');
  assert.equal((await city.get(`/api/v1/student-changes/${c.change}`)).body.state, 'cancelled');
  assert.equal(await snapshot(), before);
  assert.equal(sql(srv.db, 'SELECT count(*) FROM student'), studentsB);
  assert.equal(sql(srv.db, `SELECT count(*) FROM audit_log WHERE event = 'flow_cancel' AND object = 'flow_request:${c.request}'`), '1');
});

test('an approval that no longer fits fails with a Chinese error and leaves the request pending', async () => {
  const st = await newStudent(classA('高一'));
  const { request } = await submit({ student: st.id, change_type: '29', to_class: classA('高一', 1), effective_date: today });
  // meanwhile the student left the class
  assert.equal((await school.patch(`/api/v1/enrollments/${st.enrollment}`, { exit_date: today })).status, 200);
  const before = counts();
  const r = await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'approve' });
  assertError(r, 409, 'student_not_in_class', 'student');
  assert.equal(counts(), before);
  const still = (await district.get(`/api/v1/approvals/${request}`)).body;
  assert.equal(still.state, 'pending');
  assert.deepEqual(still.decisions, []);
  assert.equal((await district.post(`/api/v1/approvals/${request}/decisions`, { decision: 'reject', comment: '学生已离班' })).body.state, 'rejected');
});

test('year-end promotion: checked, decided by the district, each grade moves up and the last graduates', async () => {
  const g1 = await newStudent(classA('高一'), '升级生甲');
  const g3 = await newStudent(classA('高三'), '毕业生乙');
  // a class with no counterpart in the next grade yet
  const extra = await city.post('/api/v1/orgs', { kind: 'class', name: '高一（9）班', parent: ctx.gradesA['高一'].id });
  assert.equal(extra.status, 201, extra.text);
  const g1b = await newStudent(extra.body.id, '升级生丙');
  const before = counts();
  const base = { school: ctx.schoolA, school_year: '2025-2026', effective_date: '2026-08-31', document_number: '示范一中〔2026〕30号' };
  assertError(await school.post('/api/v1/promotions', { ...base, school_year: '2025-2027' }), 400, 'invalid_school_year', 'school_year');
  assertError(await school.post('/api/v1/promotions', { ...base, effective_date: '2026-03-01' }), 400, 'date_out_of_range', 'effective_date');
  assertError(await school.post('/api/v1/promotions', { ...base, school: ctx.schoolC }), 404, 'not_found', 'school');
  assertError(await school.post('/api/v1/promotions', { ...base, grade: '高一' }), 400, 'unknown_field', 'grade');
  assertError(await school.post('/api/v1/promotions', { school: ctx.schoolA }), 400, 'required', 'school_year');
  assert.equal(counts(), before);
  const r = await school.post('/api/v1/promotions', base);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.kind, 'promotion');
  assertError(await school.post('/api/v1/promotions', base), 409, 'already_promoted', 'school_year');
  // decided by the district above the school, not by the school itself
  assertError(await school.post(`/api/v1/approvals/${r.body.request}/decisions`, { decision: 'approve' }), 403, 'not_decider');
  assertError(await tokB.post(`/api/v1/approvals/${r.body.request}/decisions`, { decision: 'approve' }), 404, 'not_found');
  const ok = await district.post(`/api/v1/approvals/${r.body.request}/decisions`, { decision: 'approve', comment: '同意升级' });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.body.state, 'approved');
  const rec = (await city.get(`/api/v1/student-changes/${r.body.id}`)).body;
  assert.equal(rec.state, 'approved');
  assert.ok(rec.promoted >= 2 && rec.graduated >= 1, JSON.stringify(rec));
  assert.equal(rec.classes_created, 1);
  // 高一（1）班 → 高二（1）班; 高一（9）班 → the new 高二（9）班; 高三 graduates
  const gradesNow = await items(city, `/api/v1/orgs?parent=${ctx.schoolA}&kind=grade`);
  const g2 = gradesNow.find((g) => g.name === '高二').id;
  const classes2 = await items(city, `/api/v1/orgs?parent=${g2}&kind=class&limit=100`);
  const c29 = classes2.find((c) => c.name === '高二（9）班');
  assert.ok(c29, JSON.stringify(classes2));
  ctx.promoted = [[g1.id, classA('高二')], [g1b.id, c29.id]];
  assert.deepEqual((await openEnrollments(g1.id)).map((e) => [e.class, e.entry_date, e.entry_type ?? null]), [[classA('高二'), '2026-08-31', null]]);
  assert.deepEqual((await openEnrollments(g1b.id)).map((e) => e.class), [c29.id]);
  assert.deepEqual(await openEnrollments(g3.id), []);
  assert.equal((await city.get(`/api/v1/students/${g3.id}`)).body.status, '07');
  const ended = (await city.get(`/api/v1/enrollments/${g3.enrollment}`)).body;
  assert.equal(ended.exit_date, '2026-08-31');
  ctx.graduated = g3.id;
  // the same school year cannot be promoted twice
  assertError(await school.post('/api/v1/promotions', base), 409, 'already_promoted', 'school_year');
  assert.equal(sql(srv.db, `SELECT count(*) FROM audit_log WHERE event = 'create' AND detail LIKE '学年升级新建班级%'`), '1');
});

test('a consumer of the change feed reconstructs who is in which class, in order', async () => {
  const changes = [];
  let since = ctx.since;
  for (;;) {
    const page = await city.get(`/api/v1/changes?since=${since}&limit=1000`);
    assert.equal(page.status, 200, page.text);
    changes.push(...page.body.items);
    since = page.body.next_since;
    if (!page.body.has_more) break;
  }
  const versions = changes.map((c) => c.version);
  assert.deepEqual(versions, [...versions].sort((a, b) => a - b));
  // replay enrolments and students from the feed alone
  const enrol = new Map();
  const status = new Map();
  for (const c of changes) {
    const value = (f) => c.fields.find((x) => x.field === f)?.to;
    if (c.entity === 'enrollment') {
      const e = enrol.get(c.id) ?? {};
      for (const f of c.fields) e[f.field] = f.to;
      enrol.set(c.id, e);
    } else if (c.entity === 'student' && value('status') !== undefined) {
      status.set(c.id, value('status'));
    }
  }
  const classOf = (student) => [...enrol.values()].filter((e) => e.student === student && !e.exit_date).map((e) => e.class);
  for (const [student, cls] of ctx.promoted) assert.deepEqual(classOf(student), [cls]);
  assert.deepEqual(classOf(ctx.graduated), []);
  assert.equal(status.get(ctx.graduated), '07');
  assert.deepEqual(classOf(ctx.transferred.id), []);
  assert.equal(status.get(ctx.transferred.id), '10');
  assert.deepEqual(classOf(ctx.transferredB), [ctx.classB]);
  // every student the feed names is where the API says, now
  for (const student of new Set([...enrol.values()].map((e) => e.student))) {
    assert.deepEqual(classOf(student).sort(), (await openEnrollments(student)).map((e) => e.class).sort(), student);
  }
  // order: the transfer ends the enrolment at A before it starts the one at B;
  // the promotion ends each enrolment before the next begins
  const at = (pred) => changes.findIndex(pred);
  const endA = at((c) => c.entity === 'enrollment' && c.id === ctx.transferred.enrollment && c.op === 'update');
  const startB = at((c) => c.entity === 'enrollment' && c.op === 'create' && c.fields.some((f) => f.field === 'student' && f.to === ctx.transferredB));
  assert.ok(endA >= 0 && startB > endA, `${endA} ${startB}`);
  const grad = at((c) => c.entity === 'student' && c.id === ctx.graduated && c.fields.some((f) => f.to === '07'));
  const transferDone = at((c) => c.entity === 'student' && c.id === ctx.transferred.id && c.fields.some((f) => f.to === '10'));
  assert.ok(transferDone >= 0 && grad > transferDone, 'the transfer came before the year-end graduation');
});

test('every decision is in the audit log, in the same number as the decisions', async () => {
  const decisions = sql(srv.db, 'SELECT count(*) FROM flow_decision');
  assert.ok(Number(decisions) >= 10, decisions);
  assert.equal(sql(srv.db, "SELECT count(*) FROM audit_log WHERE event = 'flow_decision' AND result = 'success'"), decisions);
  // and the requests hold no ID numbers
  assert.equal(sql(srv.db, `SELECT count(*) FROM flow_request WHERE payload ${usePostgres ? "~ '[0-9]{14}'"
    : "GLOB '*[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]*'"}`), '0');
});
