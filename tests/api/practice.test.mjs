// practice.test.mjs — 自主练习 over HTTP on the demo city: the next best item follows the
// rule (a case small enough to compute by hand: two weak points, their prerequisites
// mastered, the item whose Elo prediction σ(θ − d) is nearest the middle of the tier's
// band, an item inside the band first, then the earlier pass), answering moves P(known) by exactly the BKT step and offers the next
// item (an item just answered is not offered again), a double tap is counted once,
// an xAPI statement is recorded. Hostile input changes nothing; a guardian reads but
// does not answer; another student's practice answers 404; practice stays out of the
// teacher's task list, the class report's tasks and 我的作业.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, assertError, demoAccounts, signIn, sql } from './harness.mjs';

let srv;
let accounts;
const as = {};
let me; // { id, uid, cls, clsUid, school }
let A; // { id, code, items: [uid…] } the weaker point
let B; // the point nearer the target

// BKT by hand with the defaults (prior 0.3, learn 0.15, forget 0, guess 0.2, slip 0.1).
const predict = (p) => p * 0.9 + (1 - p) * 0.2;
function step(p, right) {
  const post = right ? (p * 0.9) / predict(p) : (p * 0.1) / (1 - predict(p));
  return post + (1 - post) * 0.15;
}
const r4 = (v) => Math.round(v * 10000) / 10000;
// Elo: the chance of a right answer, ability θ against difficulty d (bank 1–5 → (bank − 3) / 2).
const sigma = (x) => 1 / (1 + Math.exp(-x));

// The objective published items whose main point is the point, oldest first, with how
// many knowledge points each is tagged with.
function objectiveItems(point) {
  return sql(srv.db, `SELECT i.uid, (SELECT COUNT(*) FROM item_kp k2 WHERE k2.version_id = iv.id) FROM item i
    JOIN item_version iv ON iv.item_id = i.id AND iv.no = i.published AND iv.status = 'published'
    JOIN item_kp k ON k.version_id = iv.id AND k.ordinal = 1
    WHERE k.point_id = ${point} AND iv.type <> 'subjective' ORDER BY i.id`).split('\n').filter(Boolean).map((l) => l.split('|'));
}

// A state of the student on a point, with the diagnostic event it came from.
function setState(point, p) {
  const now = Date.now();
  sql(srv.db, `INSERT INTO mastery_state (uid, school_id, student_id, point_id, p_known, answers, rights, source, ability, version, created_at, updated_at)
    VALUES ('pst${point}', ${me.school}, ${me.id}, ${point}, ${p}, 0, 0, 'diagnostic', 0, 1, ${now}, ${now})`);
  sql(srv.db, `INSERT INTO mastery_event (school_id, student_id, point_id, answer_id, kind, correct, p_correct, p_known, at)
    VALUES (${me.school}, ${me.id}, ${point}, NULL, 'diagnostic', NULL, NULL, ${p}, ${now})`);
}

// A response of the right form that is wrong (or right) for an item as the reply shows it.
function response(item, right) {
  const a = item.answer;
  switch (item.type) {
    case 'single': return right ? a : item.options.map((o) => o.key).find((k) => k !== a);
    case 'multiple': return right ? a : [item.options.map((o) => o.key).find((k) => !a.includes(k))];
    case 'truefalse': return right ? a : !a;
    default: return right ? a.value : a.value + 1000;
  }
}
function answerOf(itemUid) {
  const content = JSON.parse(sql(srv.db, `SELECT iv.content FROM item i JOIN item_version iv ON iv.item_id = i.id
    AND iv.no = i.published WHERE i.uid = '${itemUid}'`));
  return content;
}

before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
  for (const role of ['student', 'guardian', 'head_teacher']) as[role] = await signIn(srv.url, accounts[role]);
  const [sid, suid, cid, cuid, school] = sql(srv.db,
    "SELECT s.id, s.uid, o.id, o.uid, o.school_id FROM account a JOIN student s ON s.person_id = a.person_id"
    + " JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL JOIN org_unit o ON o.id = e.class_id"
    + " WHERE a.login = 'student'").split('|');
  me = { id: sid, uid: suid, cls: cid, clsUid: cuid, school };
  // two points of 数学 with prerequisites, not prerequisites of each other, whose two
  // oldest objective items are tagged with that point alone (so an answer moves one point)
  const rows = sql(srv.db, `SELECT p.id, p.code FROM kg_point p WHERE p.subject = '14'
    AND EXISTS (SELECT 1 FROM kg_edge e WHERE e.point_id = p.id) ORDER BY p.grade, p.semester, p.ordinal`)
    .split('\n').map((l) => l.split('|'));
  const picked = [];
  for (const [id, code] of rows) {
    const found = objectiveItems(id);
    if (found.length < 2 || found[0][1] !== '1' || found[1][1] !== '1') continue;
    const items = found.map(([uid]) => uid);
    if (picked.some((q) => sql(srv.db, `SELECT COUNT(*) FROM kg_edge WHERE (point_id = ${q.id} AND prereq_id = ${id})
      OR (point_id = ${id} AND prereq_id = ${q.id})`) !== '0')) continue;
    picked.push({ id, code, items });
    if (picked.length === 2) break;
  }
  [A, B] = picked;
  assert.ok(A && B, 'two points to practise');
  // their prerequisites mastered; A 0.45, B 0.6, both at Elo ability 0. Item difficulties
  // (bank 1–5, no Elo row yet): A's first two 2 (d −0.5), B's first 1 (d −1), the others 5 (d 1)
  const bank = (uid, d) => sql(srv.db, `UPDATE item_version SET difficulty = ${d} WHERE id = (SELECT iv.id FROM item i
    JOIN item_version iv ON iv.item_id = i.id AND iv.no = i.published WHERE i.uid = '${uid}')`);
  A.items.forEach((uid, i) => bank(uid, i < 2 ? 2 : 5));
  B.items.forEach((uid, i) => bank(uid, i < 1 ? 1 : 5));
  sql(srv.db, `DELETE FROM mastery_item WHERE item_id IN (SELECT id FROM item WHERE uid IN ('${[...A.items, ...B.items].join("','")}'))`);
  const prereqs = sql(srv.db, `SELECT DISTINCT prereq_id FROM kg_edge WHERE point_id IN (${A.id}, ${B.id})`).split('\n');
  for (const p of prereqs) setState(p, 0.9);
  setState(A.id, 0.45);
  setState(B.id, 0.6);
});
after(async () => { await srv?.stop(); });

const next = (client, q = '') => client.get(`/api/v1/my/practice/next?subject=14&points=${A.code},${B.code}${q}`);

test('the next item follows the rule, and answering moves P(known) by the BKT step', async () => {
  // mean (0.45 + 0.6) / 2 = 0.525 → tier B, band 0.60–0.85, target 0.725; both weak;
  // A's first σ(0.5) 0.622, B's first σ(1) 0.731: B's is nearer the target
  const r = await next(as.student);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.tier, 'B');
  assert.equal(r.body.band.target, 0.725);
  assert.equal(r.body.point.code, B.code);
  assert.equal(r.body.item.item.id, B.items[0]);
  assert.equal(r.body.predicted, r4(sigma(1)));
  assert.equal(r.body.in_band, true);
  assert.equal(r.body.p_known, 0.6);
  assert.equal(r.body.reason, '薄弱知识点');
  assert.equal(r.body.practised, 0);
  for (const hidden of ['answer', 'explanation', 'rubric']) assert.equal(r.body.item[hidden], undefined, hidden);
  assert.ok(r.body.item.id, 'the offer has an id to answer');
  // asking again offers the same item (no skipping by reloading)
  const again = await next(as.student);
  assert.equal(again.body.item.id, r.body.item.id);
  const stored = sql(srv.db, `SELECT ti.predicted, ti.student_id, t.kind, t.status FROM assign_task_item ti
    JOIN assign_task t ON t.id = ti.task_id WHERE ti.uid = '${r.body.item.id}'`).split('|');
  assert.equal(Number(stored[0]).toFixed(4), r4(sigma(1)).toFixed(4));
  assert.deepEqual(stored.slice(1), [me.id, 'practice', 'published']);

  // right: B 0.6 → the BKT step; then B is mastered (its ability 1 − σ(1), its first item
  // just practised, the others σ(1 − σ(1) − 1) 0.33, outside) and A (weak, σ(0.5) inside) comes next
  const itemB = answerOf(B.items[0]);
  const a1 = await as.student.post('/api/v1/my/practice/answers',
    { item: r.body.item.id, response: response(itemB, true), points: [A.code, B.code] });
  assert.equal(a1.status, 200, a1.text);
  assert.equal(a1.body.verdict, 'right');
  assert.equal(a1.body.repeated, false);
  assert.deepEqual(a1.body.item.answer, itemB.answer);
  assert.equal(a1.body.mastery[0].point.code, B.code);
  assert.equal(a1.body.mastery[0].before, 0.6);
  assert.equal(a1.body.mastery[0].after, r4(step(0.6, true)));
  assert.ok(step(0.6, true) >= 0.8);
  assert.equal(a1.body.next.point.code, A.code);
  assert.equal(a1.body.next.item.item.id, A.items[0]);
  assert.equal(a1.body.next.predicted, r4(sigma(0.5)));
  assert.equal(a1.body.next.in_band, true);
  assert.equal(a1.body.next.practised, 1);
  assert.equal(a1.body.next.right, 1);

  // wrong on A: 0.45 → the BKT step down, its ability 0 − σ(0.5); nothing is inside the band
  // now, so the earlier pass wins: A's item nearest the band, its second (the first was just
  // answered), σ(0.5 − σ(0.5))
  const itemA = answerOf(A.items[0]);
  const a2 = await as.student.post('/api/v1/my/practice/answers',
    { item: a1.body.next.item.id, response: response(itemA, false), points: [A.code, B.code] });
  assert.equal(a2.status, 200, a2.text);
  assert.equal(a2.body.verdict, 'wrong');
  assert.equal(a2.body.mastery[0].before, 0.45);
  assert.equal(a2.body.mastery[0].after, r4(step(0.45, false)));
  assert.equal(a2.body.next.point.code, A.code);
  assert.equal(a2.body.next.item.item.id, A.items[1]);
  assert.equal(a2.body.next.p_known, r4(step(0.45, false)));
  assert.equal(a2.body.next.predicted, r4(sigma(0.5 - sigma(0.5))));
  assert.equal(a2.body.next.in_band, false);
  // the class report reads the same state; the practice is not one of its tasks
  const report = await as.head_teacher.get(`/api/v1/students/${me.uid}/mastery?subject=14`);
  assert.equal(report.status, 200, report.text);
  assert.equal(report.body.points.find((p) => p.code === A.code).p_known, r4(step(0.45, false)));
  // an answered statement in the LRS with the practice's registration
  const reg = sql(srv.db, `SELECT sub.registration FROM assign_submission sub JOIN assign_task t ON t.id = sub.task_id
    WHERE t.kind = 'practice' AND sub.student_id = ${me.id}`);
  let n = '0';
  for (let i = 0; i < 50 && n !== '2'; i++) {
    n = sql(srv.db, `SELECT COUNT(*) FROM xapi_statement WHERE registration = '${reg}' AND verb_id LIKE '%answered'`);
    if (n !== '2') await new Promise((res) => setTimeout(res, 100));
  }
  assert.equal(n, '2');
});

test('a double tap is counted once; a different answer to an answered item is refused', async () => {
  const r = await next(as.student);
  const item = answerOf(r.body.item.item.id);
  const body = { item: r.body.item.id, response: response(item, true), points: [A.code, B.code] };
  const [x, y] = await Promise.all([as.student.post('/api/v1/my/practice/answers', body), as.student.post('/api/v1/my/practice/answers', body)]);
  assert.equal(x.status, 200, x.text);
  assert.equal(y.status, 200, y.text);
  assert.deepEqual([x.body.repeated, y.body.repeated].sort(), [false, true]);
  assert.equal(x.body.verdict, 'right');
  assert.deepEqual(x.body.mastery, y.body.mastery);
  assert.equal(x.body.next.item.id, y.body.next.item.id);
  assert.equal(sql(srv.db, `SELECT COUNT(*) FROM assign_answer a JOIN assign_task_item ti ON ti.id = a.task_item_id WHERE ti.uid = '${r.body.item.id}'`), '1');
  assert.equal(sql(srv.db, `SELECT COUNT(*) FROM mastery_event ev JOIN assign_answer a ON a.id = ev.answer_id
    JOIN assign_task_item ti ON ti.id = a.task_item_id WHERE ti.uid = '${r.body.item.id}'`),
  sql(srv.db, `SELECT COUNT(*) FROM item_kp k JOIN assign_task_item ti ON ti.item_version_id = k.version_id WHERE ti.uid = '${r.body.item.id}'`));
  assertError(await as.student.post('/api/v1/my/practice/answers', { ...body, response: response(item, false) }), 409, 'already_answered', 'item');
});

test('hostile input gets a clear error and changes nothing', async () => {
  const r = await next(as.student);
  const offer = r.body.item.id;
  const count = () => sql(srv.db, 'SELECT COUNT(*) FROM assign_answer');
  const before = count();
  const post = (b) => as.student.post('/api/v1/my/practice/answers', b);
  assertError(await post({ item: 'nope', response: 'A' }), 404, 'not_found', 'item');
  assertError(await post({ item: A.items[0], response: 'A' }), 404, 'not_found', 'item'); // a bank item, never offered
  assertError(await post({ item: offer, response: {} }), 400, 'invalid_response', 'response');
  assertError(await post({ item: offer }), 400, 'required', 'response');
  assertError(await post({ response: 'A' }), 400, 'required', 'item');
  assertError(await post([offer]), 400, 'invalid_body');
  assertError(await post({ item: offer, response: 'A', points: 'x' }), 400, 'invalid_points', 'points');
  assertError(await post({ item: offer, response: 'A', points: ['NOPE-1'] }), 400, 'unknown_point', 'points');
  assertError(await as.student.get('/api/v1/my/practice/next'), 400, 'required', 'subject');
  assertError(await as.student.get('/api/v1/my/practice/next?subject=9x'), 400, 'invalid_code', 'subject');
  assertError(await as.student.get(`/api/v1/my/practice/next?subject=14&points=NOPE-1`), 400, 'unknown_point', 'points');
  assertError(await as.student.get(`/api/v1/my/practice/next?subject=14&points=${Array(60).fill(A.code).join(',')}`), 400, 'too_many', 'points');
  assertError(await as.student.get(`/api/v1/my/practice/next?subject=13&points=${A.code}`), 400, 'wrong_subject', 'points');
  assert.equal(count(), before);
  // the offer is still the one to answer
  assert.equal((await next(as.student)).body.item.id, offer);
  // practising other points replaces the offer: the old one can no longer be answered
  const C = sql(srv.db, `SELECT p.code FROM kg_point p JOIN item_kp k ON k.point_id = p.id AND k.ordinal = 1
    JOIN item_version iv ON iv.id = k.version_id AND iv.status = 'published' AND iv.type <> 'subjective'
    WHERE p.id NOT IN (${A.id}, ${B.id}) ORDER BY p.id LIMIT 1`);
  const other = await as.student.get(`/api/v1/my/practice/next?subject=14&points=${C}`);
  assert.equal(other.status, 200, other.text);
  assert.notEqual(other.body.item.id, offer);
  assertError(await post({ item: offer, response: 'A' }), 404, 'not_found', 'item');
  assert.equal(count(), before);
  // a point without objective items: nothing to practise, and why
  const now = Date.now();
  sql(srv.db, `INSERT INTO kg_point (uid, subject, code, name, edition, grade, semester, chapter, ordinal, version, created_at, updated_at)
    VALUES ('pempty', '14', 'TEST-EMPTY', '空知识点', '人教版', 9, '下', '测试', 99, 1, ${now}, ${now})`);
  const none = await as.student.get('/api/v1/my/practice/next?subject=14&points=TEST-EMPTY');
  assert.equal(none.status, 200, none.text);
  assert.equal(none.body.item, null);
  assert.match(none.body.reason, /[\u4e00-\u9fff]/);
});

test('scope: a guardian reads but does not answer; another student is 404; practice stays out of task lists', async () => {
  const mine = await next(as.student);
  const child = await next(as.guardian, `&student=${me.uid}`);
  assert.equal(child.status, 200, child.text);
  assert.equal(child.body.own, false);
  assert.equal(child.body.item.item.id, mine.body.item.item.id);
  assert.equal(child.body.item.id, null, 'a guardian gets no offer to answer');
  assertError(await as.guardian.post('/api/v1/my/practice/answers', { item: mine.body.item.id, response: 'A' }), 403, 'not_own');
  // another student: their practice and their offers answer 404
  const [osid, ouid, oschool, ocls] = sql(srv.db, `SELECT s.id, s.uid, s.school_id, e.class_id FROM student s
    JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL WHERE s.id <> ${me.id} ORDER BY s.id LIMIT 1`).split('|');
  assertError(await as.student.get(`/api/v1/my/practice/next?subject=14&student=${ouid}`), 404, 'not_found');
  assertError(await as.guardian.get(`/api/v1/my/practice/next?subject=14&student=${ouid}`), 404, 'not_found');
  const now = Date.now();
  const vid = sql(srv.db, `SELECT iv.id FROM item i JOIN item_version iv ON iv.item_id = i.id AND iv.no = i.published WHERE i.uid = '${A.items[0]}'`);
  sql(srv.db, `INSERT INTO assign_task (uid, school_id, class_id, subject, kind, title, status, tiered, version, created_at, updated_at)
    VALUES ('optask', ${oschool}, ${ocls}, '14', 'practice', '自主练习', 'published', 1, 1, ${now}, ${now})`);
  sql(srv.db, `INSERT INTO assign_submission (uid, school_id, task_id, student_id, status, registration, version, created_at, updated_at)
    SELECT 'opsub', ${oschool}, id, ${osid}, 'started', 'r', 1, ${now}, ${now} FROM assign_task WHERE uid = 'optask'`);
  sql(srv.db, `INSERT INTO assign_task_item (uid, school_id, task_id, item_version_id, ordinal, score, student_id, version, created_at, updated_at)
    SELECT 'opitem', ${oschool}, id, ${vid}, 1, 3, ${osid}, 1, ${now}, ${now} FROM assign_task WHERE uid = 'optask'`);
  assertError(await as.student.post('/api/v1/my/practice/answers', { item: 'opitem', response: 'A' }), 404, 'not_found', 'item');
  assertError(await as.head_teacher.get('/api/v1/my/practice/next?subject=14'), 403, 'forbidden');
  // the practice task: not in the teacher's list, not a task of the class report, not in 我的作业
  const task = sql(srv.db, `SELECT t.uid FROM assign_task t JOIN assign_submission sub ON sub.task_id = t.id
    WHERE t.kind = 'practice' AND sub.student_id = ${me.id}`);
  const list = await as.head_teacher.get(`/api/v1/assign/tasks?class=${me.clsUid}`);
  assert.equal(list.status, 200, list.text);
  assert.ok(!list.body.items.some((t) => t.id === task));
  assertError(await as.head_teacher.get(`/api/v1/classes/${me.clsUid}/mastery?subject=14&task=${task}`), 404, 'task_not_found', 'task');
  assertError(await as.head_teacher.post(`/api/v1/assign/tasks/${task}/close`), 409, 'practice', 'kind');
  const tasks = await as.student.get('/api/v1/my/tasks');
  assert.ok(!tasks.body.items.some((t) => t.task === task));
});
