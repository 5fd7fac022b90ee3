// assign.test.mjs — assignments (作业) on a demo database: a teacher builds a task
// for a class from chosen items and by automatic selection over knowledge points,
// edits the draft, publishes it (one submission per enrolled student); the student
// opens, saves and submits answers in the portal (objective items graded at once,
// the subjective one left to the teacher), sees verdicts and explanations only
// after submitting; the teacher scores against the rubric and the submission
// becomes scored; xAPI statements of the attempt are in the LRS. Hostile input
// and other people's tasks get clear errors and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, assertError, demoAccounts, signIn, sql } from './harness.mjs';

let srv;
let accounts;
const as = {};
const ctx = {};
const count = (table) => Number(sql(srv.db, `SELECT COUNT(*) FROM ${table}`));
const snapshot = () => ['assign_task', 'assign_task_item', 'assign_submission', 'assign_answer']
  .map((t) => `${t}:${count(t)}:${sql(srv.db, `SELECT COALESCE(MAX(version), 0) FROM ${t}`)}`).join(' ');

before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
  for (const role of ['teacher', 'head_teacher', 'student', 'guardian', 'school_admin', 'city_admin', 'district_admin']) {
    as[role] = await signIn(srv.url, accounts[role]);
  }
  const classes = as.teacher.me.roles.filter((r) => r.role === 'teacher').map((r) => r.org.id);
  ctx.headClass = as.head_teacher.me.roles.find((r) => r.role === 'head_teacher').org.id;
  ctx.class = ctx.headClass; // the demo student's class, taught by the teacher too
  ctx.otherClass = classes.find((c) => c !== ctx.class);
  const path = (await as.city_admin.get(`/api/v1/orgs/${ctx.class}/path`)).body.items;
  const district = path.find((o) => o.kind === 'district').id;
  const other = (await as.city_admin.get('/api/v1/orgs?kind=district')).body.items.find((d) => d.id !== district).id;
  const school = (await as.city_admin.get(`/api/v1/orgs?parent=${other}&kind=school`)).body.items[0].id;
  const grade = (await as.city_admin.get(`/api/v1/orgs?parent=${school}&kind=grade`)).body.items[0].id;
  ctx.foreignClass = (await as.city_admin.get(`/api/v1/orgs?parent=${grade}&kind=class`)).body.items[0].id;
  ctx.enrolled = Number(sql(srv.db, `SELECT COUNT(DISTINCT e.student_id) FROM enrollment e JOIN org_unit k ON k.id = e.class_id WHERE k.uid = '${ctx.class}' AND e.exit_date IS NULL`));
  ctx.studentUid = (await as.student.get('/api/v1/my/students')).body.items[0].id;
});
after(async () => { await srv?.stop(); });

const ITEMS = ['RJM-I-01-001', 'RJM-I-01-007', 'RJM-I-01-010', 'RJM-I-01-008', 'RJM-I-01-015'];

test('a teacher builds a draft from chosen items, edits it and publishes it to every enrolled student', async () => {
  const r = await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'diagnostic', title: '有理数 课前问学', subject: '14', due_at: '2030-01-10T12:00:00Z',
    items: [ITEMS[0], { item: ITEMS[1], score: 4 }, ITEMS[2]],
  });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.body.status, r.body.kind, r.body.kind_name, r.body.item_count], ['draft', 'diagnostic', '课前问学', 3]);
  assert.equal(r.body.items[1].score, 4);
  assert.equal(r.body.items[0].item.code, ITEMS[0]);
  assert.ok(r.body.items[0].answer, 'the teacher sees the answer');
  assert.equal(r.body.items[0].knowledge_points[0].code, 'RJM-1.1');
  ctx.task = r.body.id;
  // the draft is not the students' yet
  assert.equal((await as.student.get('/api/v1/my/tasks')).body.items.length, 0);
  const e = await as.teacher.put(`/api/v1/assign/tasks/${ctx.task}`, { title: '有理数 课前问学（一）', items: ITEMS });
  assert.equal(e.status, 200, e.text);
  assert.deepEqual([e.body.title, e.body.item_count], ['有理数 课前问学（一）', 5]);
  assert.equal(e.body.items[4].type, 'subjective');
  const p = await as.teacher.post(`/api/v1/assign/tasks/${ctx.task}/publish`);
  assert.equal(p.status, 200, p.text);
  assert.deepEqual([p.body.status, p.body.assigned, p.body.submitted], ['published', ctx.enrolled, 0]);
  assert.ok(ctx.enrolled > 10);
  assertError(await as.teacher.put(`/api/v1/assign/tasks/${ctx.task}`, { title: 'x' }), 409, 'invalid_state');
  assertError(await as.teacher.post(`/api/v1/assign/tasks/${ctx.task}/publish`), 409, 'invalid_state');
  const list = await as.head_teacher.get(`/api/v1/assign/tasks?class=${ctx.class}`);
  assert.equal(list.status, 200, list.text);
  assert.equal(list.body.items[0].id, ctx.task);
  const maxScore = Number(sql(srv.db, `SELECT DISTINCT max_score FROM assign_submission s JOIN assign_task t ON t.id = s.task_id WHERE t.uid = '${ctx.task}'`));
  assert.equal(maxScore, e.body.items.reduce((s, it) => s + it.score, 0));
  ctx.items = e.body.items;
});

test('the student answers in the portal: no answers before submitting, saved answers kept, wrong shapes refused', async () => {
  const mine = await as.student.get('/api/v1/my/tasks');
  assert.equal(mine.status, 200, mine.text);
  const t = mine.body.items.find((x) => x.task === ctx.task);
  assert.deepEqual([t.status, t.open, t.item_count, t.answered, t.kind_name], ['assigned', true, 5, 0, '课前问学']);
  ctx.sub = t.id;
  const open = await as.student.get(`/api/v1/my/tasks/${ctx.sub}`);
  assert.equal(open.status, 200, open.text);
  assert.equal(open.body.status, 'started');
  assert.equal(open.body.items.length, 5);
  for (const it of open.body.items) {
    assert.equal(it.answer, undefined);
    assert.equal(it.explanation, undefined);
    assert.equal(it.rubric, undefined);
    for (const o of it.options || []) assert.equal(o.misconception, undefined);
  }
  const byCode = Object.fromEntries(ctx.items.map((it, i) => [it.item.code, { ...it, sid: open.body.items[i].id }]));
  ctx.byCode = byCode;
  const save = (code, response) => as.student.put(`/api/v1/my/tasks/${ctx.sub}/answers/${byCode[code].sid}`, { response });
  const before = snapshot();
  assertError(await save(ITEMS[0], ['A']), 400, 'invalid_response', 'response');
  assertError(await save(ITEMS[1], 'B'), 400, 'invalid_response');
  assertError(await save(ITEMS[2], 'abc'), 400, 'invalid_response');
  assertError(await save(ITEMS[3], 'yes'), 400, 'invalid_response');
  assertError(await save(ITEMS[4], 'x'.repeat(30000)), 400, 'too_long');
  assertError(await as.student.put(`/api/v1/my/tasks/${ctx.sub}/answers/${ctx.sub}`, { response: 'A' }), 404, 'not_found');
  assertError(await as.student.put(`/api/v1/my/tasks/${ctx.sub}/answers/${byCode[ITEMS[0]].sid}`, '{"response":'), 400, 'invalid_json');
  assert.equal(snapshot(), before, 'nothing changed');
  // the guardian sees the task, read only
  const g = await as.guardian.get('/api/v1/my/tasks');
  assert.ok(g.body.items.some((x) => x.id === ctx.sub && x.own === false));
  assertError(await as.guardian.put(`/api/v1/my/tasks/${ctx.sub}/answers/${byCode[ITEMS[0]].sid}`, { response: 'A' }), 403, 'not_own');
  assertError(await as.guardian.post(`/api/v1/my/tasks/${ctx.sub}/submit`), 403, 'not_own');
  // right answers for the objective items but the multiple one, text for the subjective one
  const right = byCode[ITEMS[0]].answer;
  assert.equal((await save(ITEMS[0], right === 'A' ? 'B' : 'A')).status, 200); // changed below
  assert.equal((await save(ITEMS[0], right)).status, 200);
  assert.equal((await save(ITEMS[1], ['B'])).status, 200);
  assert.equal((await save(ITEMS[2], -10)).status, 200);
  assert.equal((await save(ITEMS[4], '(1) 1/6 (2) -13')).status, 200);
  const again = await as.student.get(`/api/v1/my/tasks/${ctx.sub}`);
  assert.equal(again.body.items[0].student_answer.response, right);
  assert.equal(again.body.items[0].student_answer.verdict, 'pending');
  assert.equal(again.body.items[3].student_answer, null);
  assert.equal(again.body.score, null);
});

test('submitting grades objective items at once; the subjective one waits for the teacher', async () => {
  // a double tap: two submits at once, one is taken and the other refused
  const both = await Promise.all([1, 2].map(() => as.student.post(`/api/v1/my/tasks/${ctx.sub}/submit`)));
  const s = both.find((r) => r.status === 200);
  assert.ok(s, both.map((r) => r.text).join('\n'));
  assertError(both.find((r) => r !== s), 409, 'submitted');
  assert.equal(s.body.status, 'submitted');
  const v = Object.fromEntries(s.body.items.map((it) => [it.id, it]));
  const b = ctx.byCode;
  assert.equal(v[b[ITEMS[0]].sid].student_answer.verdict, 'right');
  assert.equal(v[b[ITEMS[0]].sid].student_answer.score, b[ITEMS[0]].score);
  assert.equal(v[b[ITEMS[1]].sid].student_answer.verdict, 'wrong');
  assert.equal(v[b[ITEMS[2]].sid].student_answer.verdict, 'right');
  assert.equal(v[b[ITEMS[3]].sid].student_answer.verdict, 'wrong', 'unanswered is wrong');
  assert.equal(v[b[ITEMS[3]].sid].student_answer.score, 0);
  assert.equal(v[b[ITEMS[4]].sid].student_answer.verdict, 'needs_scoring');
  assert.ok(v[b[ITEMS[0]].sid].explanation, 'explanations after submitting');
  assert.ok(v[b[ITEMS[4]].sid].rubric.length > 0);
  const expected = b[ITEMS[0]].score + b[ITEMS[2]].score;
  assert.equal(s.body.score, expected);
  ctx.partial = expected;
  // once only
  const before = snapshot();
  assertError(await as.student.post(`/api/v1/my/tasks/${ctx.sub}/submit`), 409, 'submitted');
  assertError(await as.student.put(`/api/v1/my/tasks/${ctx.sub}/answers/${b[ITEMS[3]].sid}`, { response: false }), 409, 'submitted');
  assert.equal(snapshot(), before);
  const list = await as.teacher.get(`/api/v1/assign/tasks?class=${ctx.class}`);
  const t = list.body.items.find((x) => x.id === ctx.task);
  assert.deepEqual([t.submitted, t.scored, t.average_score], [1, 0, expected]);
});

test('the teacher scores the subjective answer against the rubric; the submission becomes scored', async () => {
  const subs = await as.teacher.get(`/api/v1/assign/tasks/${ctx.task}/submissions`);
  assert.equal(subs.status, 200, subs.text);
  assert.equal(subs.body.items.length, ctx.enrolled);
  const mine = subs.body.items.find((x) => x.id === ctx.sub);
  assert.deepEqual([mine.status, mine.needs_scoring, mine.student.id], ['submitted', 1, ctx.studentUid]);
  const one = await as.teacher.get(`/api/v1/assign/submissions/${ctx.sub}`);
  assert.equal(one.status, 200, one.text);
  const subj = one.body.items.find((it) => it.type === 'subjective');
  const answer = subj.student_answer.id;
  const before = snapshot();
  assertError(await as.teacher.post(`/api/v1/assign/answers/${answer}/score`, { score: subj.score + 1 }), 400, 'out_of_range', 'score');
  assertError(await as.teacher.post(`/api/v1/assign/answers/${answer}/score`, { score: -1 }), 400, 'out_of_range');
  assertError(await as.teacher.post(`/api/v1/assign/answers/${answer}/score`, { score: '3' }), 400, 'out_of_range');
  assertError(await as.teacher.post(`/api/v1/assign/answers/${answer}/score`, { score: 1, comment: '长'.repeat(600) }), 400, 'too_long');
  const objective = one.body.items.find((it) => it.type === 'single').student_answer.id;
  assertError(await as.teacher.post(`/api/v1/assign/answers/${objective}/score`, { score: 0 }), 409, 'not_subjective');
  assertError(await as.student.post(`/api/v1/assign/answers/${answer}/score`, { score: 1 }), 403, 'forbidden');
  assert.equal(snapshot(), before);
  const sc = await as.teacher.post(`/api/v1/assign/answers/${answer}/score`, { score: 3, comment: '第 (2) 小题步骤不完整' });
  assert.equal(sc.status, 200, sc.text);
  assert.equal(sc.body.status, 'scored');
  assert.equal(sc.body.score, ctx.partial + 3);
  const a = sc.body.items.find((it) => it.type === 'subjective').student_answer;
  assert.deepEqual([a.verdict, a.score, a.comment], ['scored', 3, '第 (2) 小题步骤不完整']);
  const task = await as.teacher.get(`/api/v1/assign/tasks/${ctx.task}`);
  assert.deepEqual([task.body.submitted, task.body.scored], [1, 1]);
  const first = task.body.items.find((it) => it.item.code === ITEMS[0]);
  assert.deepEqual([first.graded, first.right, first.right_rate], [1, 1, 1]);
  const multi = task.body.items.find((it) => it.item.code === ITEMS[1]);
  assert.equal(multi.right_rate, 0);
  // the student sees the result and the comment
  const st = await as.student.get(`/api/v1/my/tasks/${ctx.sub}`);
  assert.equal(st.body.score, ctx.partial + 3);
  assert.equal(st.body.status_name, '已评分');
  // closing: no more answers from the others
  const cl = await as.teacher.post(`/api/v1/assign/tasks/${ctx.task}/close`);
  assert.equal(cl.body.status, 'closed');
});

test('the attempt is in the LRS: started, answered with result, submitted with a scaled score, one registration', async () => {
  const school = (await as.city_admin.get(`/api/v1/orgs/${ctx.class}/path`)).body.items.find((o) => o.kind === 'school').id;
  const client = await as.city_admin.post('/api/v1/xapi/clients', { name: '作业测试', org: school, read: true });
  assert.equal(client.status, 201, client.text);
  const reg = sql(srv.db, `SELECT registration FROM assign_submission WHERE uid = '${ctx.sub}'`);
  const auth = `Basic ${Buffer.from(`${client.body.key}:${client.body.secret}`).toString('base64')}`;
  let st = [];
  for (let i = 0; i < 50 && st.length < 7; i++) {
    const r = await call(`${srv.url}/xapi/statements?registration=${reg}&limit=50`, { headers: { authorization: auth, 'x-experience-api-version': '1.0.3' } });
    assert.equal(r.status, 200, r.text);
    st = r.body.statements;
    if (st.length < 7) await new Promise((res) => setTimeout(res, 100));
  }
  const verbs = st.map((s) => s.verb.id.split('/').pop()).sort();
  assert.deepEqual(verbs, ['answered', 'answered', 'answered', 'answered', 'answered', 'attempted', 'submit']);
  const submitted = st.find((s) => s.verb.id.endsWith('/submit'));
  assert.equal(submitted.result.score.raw, ctx.partial);
  assert.ok(Math.abs(submitted.result.score.scaled - ctx.partial / submitted.result.score.max) < 1e-9);
  assert.ok(submitted.object.id.endsWith(`/assignment/${ctx.task}`));
  const answered = st.filter((s) => s.verb.id.endsWith('/answered'));
  assert.equal(answered.filter((s) => s.result.success === true).length, 2);
  assert.equal(answered.filter((s) => s.result.success === undefined).length, 1, 'the subjective one has no success yet');
});

test('automatic selection covers each knowledge point, spreads difficulty and skips items the class had', async () => {
  const kps = ['RJM-1.2.4', 'RJM-2.2'];
  const r = await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'diagnostic', title: '自动选题', select: { knowledge_points: kps, count: 4 },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.items.length, 4);
  for (const kp of kps) assert.ok(r.body.items.some((it) => it.knowledge_points.some((k) => k.code === kp)), kp);
  const used = new Set(ctx.items.map((it) => it.item.id));
  assert.ok(r.body.items.every((it) => !used.has(it.item.id)), 'not the items of the class\'s other task');
  assert.ok(new Set(r.body.items.map((it) => it.difficulty)).size >= 2, 'more than one difficulty');
  const again = await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'homework', title: '自动选题二', select: { knowledge_points: ['RJM-1.1'], count: 50 },
  });
  assertError(again, 400, 'too_few', 'select.count');
  assertError(await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'diagnostic', title: 'x', select: { knowledge_points: kps, count: 1 },
  }), 400, 'too_few');
  assertError(await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'diagnostic', title: 'x', select: { knowledge_points: ['NOPE'], count: 1 },
  }), 400, 'unknown_reference');
});

test('tiered homework: per-student items and tiers; each student gets the common items and their own', async () => {
  const r = await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'homework', title: '分层作业',
    items: [{ item: 'RJM-I-01-002' }, { item: 'RJM-I-01-003', student: ctx.studentUid }],
    tiers: { [ctx.studentUid]: 'A' },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.body.tiered, true);
  assert.equal(r.body.assigned, 0, 'a draft is assigned to nobody yet');
  assert.equal(r.body.items[1].student.id, ctx.studentUid);
  // the draft shows its tiers to the teacher (the students are not assigned yet)
  assert.deepEqual(r.body.tiers.map((x) => [x.student.id, x.tier]), [[ctx.studentUid, 'A']]);
  assert.deepEqual((await as.teacher.get(`/api/v1/assign/tasks/${r.body.id}`)).body.tiers.map((x) => x.tier), ['A']);
  assert.equal((await as.teacher.post(`/api/v1/assign/tasks/${r.body.id}/publish`)).status, 200);
  assert.deepEqual((await as.teacher.get(`/api/v1/assign/tasks/${r.body.id}`)).body.tiers.map((x) => x.tier), ['A']);
  const mine = (await as.student.get('/api/v1/my/tasks')).body.items.find((x) => x.task === r.body.id);
  assert.equal(mine.item_count, 2);
  const subs = (await as.teacher.get(`/api/v1/assign/tasks/${r.body.id}/submissions`)).body.items;
  assert.equal(subs.find((s) => s.student.id === ctx.studentUid).tier, 'A');
  assert.ok(subs.filter((s) => s.student.id !== ctx.studentUid).every((s) => s.tier === null));
  assertError(await as.teacher.post('/api/v1/assign/tasks', {
    class: ctx.class, kind: 'homework', title: 'x', items: ['RJM-I-01-002'], tiers: { [ctx.studentUid]: 'D' },
  }), 400, 'invalid_tier');
});

test('hostile and malformed input: clear Chinese errors, nothing written', async () => {
  const before = snapshot();
  const post = (body) => as.teacher.post('/api/v1/assign/tasks', body);
  const base = { class: ctx.class, kind: 'homework', title: '作业' };
  assertError(await post({ ...base, class: ctx.foreignClass }), 404, 'not_found');
  assertError(await post({ ...base, class: 'nope' }), 404, 'not_found');
  assertError(await as.head_teacher.post('/api/v1/assign/tasks', { ...base, class: ctx.otherClass }), 404, 'not_found');
  assertError(await as.school_admin.post('/api/v1/assign/tasks', { ...base, class: ctx.foreignClass }), 404, 'not_found');
  assertError(await post({ ...base, kind: 'exam' }), 400, 'invalid_kind', 'kind');
  assertError(await post({ ...base, title: '  ' }), 400, 'required', 'title');
  assertError(await post({ ...base, subject: '99x' }), 400, 'invalid_code', 'subject');
  assertError(await post({ ...base, due_at: 'tomorrow' }), 400, 'invalid_time', 'due_at');
  assertError(await post({ ...base, items: ['RJM-I-NOPE'] }), 400, 'unknown_reference', 'items[0].item');
  assertError(await post({ ...base, items: [{ item: ITEMS[0], score: 1000 }] }), 400, 'out_of_range', 'items[0].score');
  assertError(await post({ ...base, items: [ITEMS[0], ITEMS[0]] }), 400, 'duplicate', 'items[1].item');
  assertError(await post({ ...base, items: [{ item: ITEMS[0], student: 'someone' }] }), 400, 'unknown_reference', 'items[0].student');
  assertError(await post({ ...base, items: Array.from({ length: 301 }, () => ITEMS[0]) }), 400, 'too_many');
  assertError(await post({ ...base, items: 'RJM-I-01-001' }), 400, 'invalid_type');
  const huge = await post({ ...base, title: 'x'.repeat(600000) });
  assert.ok([400, 413].includes(huge.status), huge.text);
  assertError(await post('[1,2'), 400, 'invalid_json');
  // a draft item is never in a task
  const draft = await as.teacher.post('/api/v1/items', {
    type: 'truefalse', stem: '$0$ 是正数。', answer: false, explanation: '$0$ 既不是正数也不是负数。', knowledge_points: ['RJM-1.1'],
    difficulty: 1, source: '数枢原创', score: 2,
  });
  assert.equal(draft.status, 201, draft.text);
  assertError(await post({ ...base, items: [draft.body.id] }), 400, 'unknown_reference', 'items[0].item');
  assert.equal(snapshot(), before, 'nothing written');
  // an empty draft cannot be published; a draft is nobody's to answer
  const empty = await post(base);
  assert.equal(empty.status, 201, empty.text);
  assertError(await as.teacher.post(`/api/v1/assign/tasks/${empty.body.id}/publish`), 409, 'empty_task');
  assertError(await as.teacher.post(`/api/v1/assign/tasks/${empty.body.id}/close`), 409, 'invalid_state');
});

test('scope: another class\'s teacher, another school and the other roles see nothing of a task', async () => {
  const r = await as.teacher.post('/api/v1/assign/tasks', { class: ctx.otherClass, kind: 'homework', title: '二班作业', items: ['RJM-I-01-004'] });
  assert.equal(r.status, 201, r.text);
  const id = r.body.id;
  assertError(await as.head_teacher.get(`/api/v1/assign/tasks/${id}`), 404, 'not_found');
  assertError(await as.head_teacher.get(`/api/v1/assign/tasks/${id}/submissions`), 404, 'not_found');
  assertError(await as.head_teacher.post(`/api/v1/assign/tasks/${id}/publish`), 404, 'not_found');
  assertError(await as.head_teacher.get(`/api/v1/assign/tasks?class=${ctx.otherClass}`), 404, 'not_found');
  assert.equal((await as.school_admin.get(`/api/v1/assign/tasks/${id}`)).status, 200);
  assert.equal((await as.district_admin.get(`/api/v1/assign/tasks/${id}`)).status, 200);
  assertError(await as.guardian.post(`/api/v1/assign/tasks/${id}/publish`), 403, 'forbidden');
  assertError(await as.student.get(`/api/v1/assign/tasks/${id}`), 403, 'forbidden');
  assertError(await as.teacher.get('/api/v1/assign/tasks'), 400, 'required', 'class');
  // a student never reaches another student's submission, nor a teacher the "my" routes' data
  const other = sql(srv.db, `SELECT s.uid FROM assign_submission s JOIN student st ON st.id = s.student_id JOIN assign_task t ON t.id = s.task_id WHERE t.uid = '${ctx.task}' AND st.uid <> '${ctx.studentUid}' LIMIT 1`);
  assertError(await as.student.get(`/api/v1/my/tasks/${other}`), 404, 'not_found');
  assertError(await as.student.post(`/api/v1/my/tasks/${other}/submit`), 404, 'not_found');
  assertError(await as.teacher.get(`/api/v1/my/tasks/${other}`), 403, 'forbidden');
  // a closed task takes no answers
  const closed = (await as.student.get('/api/v1/my/tasks')).body.items.find((x) => x.task === ctx.task);
  assert.equal(closed.open, false);
});
