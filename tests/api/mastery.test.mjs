// mastery.test.mjs — the 学情 report routes over HTTP on the demo city: a
// teacher reads their class's report (values from the mastery tables), its
// CSV/XLSX download and a student's report; a student and a guardian read
// only their own (GET /api/v1/my/mastery). Hostile input gets a clear Chinese
// error: a missing or unknown subject, an unknown task, a bad format; another
// school's class or student answers 404, roles without the permission 403.
// `shushu mastery fit` stores fitted parameters and refuses bad options. The states are
// written by SQL here: the answering flow lives in src/assign/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, call, assertError, demoAccounts, signIn, sql, cli } from './harness.mjs';

let srv;
let accounts;
let cls; // { id, uid, school } of the demo student's class
let student; // { id, uid } the demo student
let point; // { id, code }
let task; // uid
let other; // { cls, student } uids in another school

before(async () => {
  srv = await startServer();
  accounts = demoAccounts(srv.db);
  const [sid, suid, cid, cuid, school] = sql(srv.db,
    "SELECT s.id, s.uid, o.id, o.uid, o.school_id FROM account a JOIN student s ON s.person_id = a.person_id"
    + " JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL JOIN org_unit o ON o.id = e.class_id"
    + " WHERE a.login = 'student'").split('|');
  student = { id: sid, uid: suid };
  cls = { id: cid, uid: cuid, school };
  const [pid, code, vid] = sql(srv.db,
    "SELECT p.id, p.code, iv.id FROM item_version iv JOIN item_kp k ON k.version_id = iv.id"
    + " JOIN kg_point p ON p.id = k.point_id WHERE iv.status = 'published' AND iv.type = 'single'"
    + ' ORDER BY iv.id LIMIT 1').split('|');
  point = { id: pid, code };
  const now = Date.now();
  sql(srv.db, `INSERT INTO assign_task (uid, school_id, class_id, subject, kind, title, status, version, created_at, updated_at)
    VALUES ('mtask1', ${school}, ${cid}, '14', 'homework', '有理数作业', 'published', 1, ${now}, ${now})`);
  task = 'mtask1';
  sql(srv.db, `INSERT INTO assign_task_item (uid, school_id, task_id, item_version_id, ordinal, score, version, created_at, updated_at)
    SELECT 'mti1', ${school}, id, ${vid}, 1, 3, 1, ${now}, ${now} FROM assign_task WHERE uid = 'mtask1'`);
  sql(srv.db, `INSERT INTO mastery_state (uid, school_id, student_id, point_id, p_known, answers, rights, source, ability, version, created_at, updated_at)
    VALUES ('mst1', ${school}, ${sid}, ${pid}, 0.25, 2, 0, 'bkt', -0.4, 2, ${now}, ${now})`);
  sql(srv.db, `INSERT INTO mastery_event (school_id, student_id, point_id, answer_id, kind, correct, p_correct, p_known, at)
    VALUES (${school}, ${sid}, ${pid}, NULL, 'diagnostic', NULL, NULL, 0.3, ${now - 2000}),
           (${school}, ${sid}, ${pid}, NULL, 'answer', 0, 0.41, 0.25, ${now - 1000})`);
  const [ocls, ostu] = sql(srv.db,
    `SELECT o.uid, s.uid FROM enrollment e JOIN org_unit o ON o.id = e.class_id JOIN student s ON s.id = e.student_id
     WHERE e.school_id <> ${school} AND e.exit_date IS NULL LIMIT 1`).split('|');
  other = { cls: ocls, student: ostu };
});
after(async () => { await srv.stop(); });

// The teacher (or head teacher) of the demo student's class.
async function classTeacher() {
  for (const role of ['teacher', 'head_teacher']) {
    const n = sql(srv.db, `SELECT COUNT(*) FROM role_assignment r JOIN account a ON a.id = r.account_id
      WHERE a.login = '${accounts[role].login}' AND r.org_id = ${cls.id}`);
    if (n !== '0') return signIn(srv.url, accounts[role]);
  }
  throw new Error('no demo teacher of the student class');
}

test('a teacher reads the class report: heat map, at-risk with reason, download', async () => {
  const t = await classTeacher();
  const r = await t.get(`/api/v1/classes/${cls.uid}/mastery?subject=14`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.points.length, 1);
  assert.equal(r.body.points[0].code, point.code);
  const i = r.body.students.findIndex((s) => s.id === student.uid);
  assert.ok(i >= 0, 'the demo student is in the class');
  assert.deepEqual(r.body.cells[i][0], { p_known: 0.25, answers: 2, rights: 0 });
  assert.equal(r.body.points[0].mean, 0.25);
  assert.equal(r.body.points[0].weak, true);
  const risk = r.body.at_risk.find((s) => s.id === student.uid);
  assert.ok(risk, 'mean 0.25 < 0.4 puts the student at risk');
  assert.match(risk.reasons[0], /平均掌握概率 0\.25/);
  // one task only
  const one = await t.get(`/api/v1/classes/${cls.uid}/mastery?subject=14&task=${task}`);
  assert.equal(one.status, 200, one.text);
  assert.equal(one.body.points.length, 1);
  // the download: a row per student and the class mean
  const csv = await t.get(`/api/v1/classes/${cls.uid}/mastery?subject=14&format=csv`);
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type'), /csv/);
  assert.match(csv.text, /全班平均/);
  assert.match(csv.text, /0\.25/);
  const xlsx = await t.get(`/api/v1/classes/${cls.uid}/mastery?subject=14&format=xlsx`);
  assert.equal(xlsx.status, 200);
  assert.match(xlsx.headers.get('content-type'), /spreadsheet/);
});

test('hostile input to the class report: clear Chinese errors, nothing leaks', async () => {
  const t = await classTeacher();
  const base = `/api/v1/classes/${cls.uid}/mastery`;
  assertError(await t.get(base), 400, 'required', 'subject');
  assertError(await t.get(`${base}?subject=99x`), 400, 'invalid_code', 'subject');
  assertError(await t.get(`${base}?subject=${encodeURIComponent("14' OR 1=1 --")}`), 400, 'invalid_code', 'subject');
  assertError(await t.get(`${base}?subject=14&task=nope`), 404, 'task_not_found', 'task');
  assertError(await t.get(`${base}?subject=14&format=pdf`), 400, 'invalid_format', 'format');
  assertError(await t.get(`/api/v1/classes/nope/mastery?subject=14`), 404, 'not_found');
  assertError(await t.get(`/api/v1/classes/${cls.school}/mastery?subject=14`), 404, 'not_found');
  // another school's class and student answer like missing ones
  assertError(await t.get(`/api/v1/classes/${other.cls}/mastery?subject=14`), 404, 'not_found');
  assertError(await t.get(`/api/v1/students/${other.student}/mastery`), 404, 'not_found');
  const r = await t.get(`/api/v1/classes/${other.cls}/mastery?subject=14`);
  assert.doesNotMatch(r.text, /students|cells/);
  // a student or guardian holds no mastery.read
  for (const role of ['student', 'guardian']) {
    const c = await signIn(srv.url, accounts[role]);
    assertError(await c.get(`${base}?subject=14`), 403, 'forbidden');
  }
  assertError(await call(`${srv.url}${base}?subject=14`), 401, 'unauthenticated');
});

test('a student report for the teacher; the student and guardian see only their own', async () => {
  const t = await classTeacher();
  const r = await t.get(`/api/v1/students/${student.uid}/mastery?subject=14`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.student.id, student.uid);
  const p = r.body.points.find((x) => x.code === point.code);
  assert.equal(p.p_known, 0.25);
  assert.deepEqual(p.history.map((h) => [h.kind, h.p_known]), [['diagnostic', 0.3], ['answer', 0.25]]);
  assert.ok(r.body.weak_points.some((w) => w.code === point.code));
  assert.ok(r.body.next_steps.some((s) => s.point.code === point.code));
  assertError(await t.get(`/api/v1/students/${student.uid}/mastery?subject=abc`), 400, 'invalid_code', 'subject');
  const s = await signIn(srv.url, accounts.student);
  const mine = await s.get('/api/v1/my/mastery');
  assert.equal(mine.status, 200, mine.text);
  assert.equal(mine.body.student.id, student.uid);
  assert.equal(mine.body.points.find((x) => x.code === point.code).p_known, 0.25);
  assertError(await s.get(`/api/v1/my/mastery?student=${other.student}`), 404, 'not_found');
  assertError(await s.get(`/api/v1/students/${student.uid}/mastery`), 403, 'forbidden');
  const g = await signIn(srv.url, accounts.guardian);
  const child = await g.get(`/api/v1/my/mastery?student=${student.uid}`);
  assert.equal(child.status, 200, child.text);
  assert.equal(child.body.student.id, student.uid);
  assertError(await g.get(`/api/v1/my/mastery?student=${other.student}`), 404, 'not_found');
  assertError(await t.get('/api/v1/my/mastery'), 403, 'forbidden');
});

test('mastery fit stores BKT parameters from the counted answers; bad options are refused', async () => {
  const r = cli(['mastery', 'fit', '--db', srv.db, '--threads', '1']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /拟合完成：1 个知识点，1 条作答/);
  const [responses, prior] = sql(srv.db, `SELECT responses, prior FROM mastery_param WHERE point_id = ${point.id}`).split('|');
  assert.equal(responses, '1');
  assert.ok(Number(prior) >= 0 && Number(prior) <= 1);
  const noDb = cli(['mastery', 'fit']);
  assert.equal(noDb.status, 2);
  assert.match(noDb.stderr, /需要 --db/);
  const bad = cli(['mastery', 'fit', '--db', srv.db, '--threads', 'x']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--threads 应为 1 到 256 之间的整数/);
  assert.equal(cli(['mastery', 'nope']).status, 2);
});

// Elo: the chance of a right answer, ability θ against an item's difficulty (its Elo row,
// else the bank's 1–5 mapped to (bank − 3) / 2).
const sigma = (x) => 1 / (1 + Math.exp(-x));
function difficulty(code) {
  const [bank, elo] = sql(srv.db, `SELECT iv.difficulty, mi.difficulty FROM item i JOIN item_version iv
    ON iv.item_id = i.id AND iv.no = i.published LEFT JOIN mastery_item mi ON mi.item_id = i.id
    WHERE i.code = '${code}'`).split('|');
  return elo !== '' && elo !== undefined ? Number(elo) : (Number(bank) - 3) / 2;
}

test('tiers: a tier per student from mastery and items by their Elo prediction; bad points refused', async () => {
  const t = await classTeacher();
  const r = await t.get(`/api/v1/classes/${cls.uid}/tiers?subject=14&points=${point.code}`);
  assert.equal(r.status, 200, r.text);
  const me = r.body.students.find((s) => s.id === student.uid);
  assert.equal(me.mean, 0.25);
  assert.equal(me.tier, 'C');
  // never without a suggestion; each item's prediction is σ(θ − d): θ −0.4 on the point
  // (its state), 0 on a prerequisite never met
  const band = r.body.bands.C;
  assert.ok(me.items.length >= 1, 'a suggestion for the C student');
  for (const it of me.items) {
    const ability = it.point.code === point.code ? -0.4 : 0;
    assert.equal(it.ability, ability);
    assert.equal(it.predicted, Math.round(sigma(ability - difficulty(it.item)) * 10000) / 10000, it.item);
    assert.equal(r.body.difficulty[it.item], Math.round(difficulty(it.item) * 10000) / 10000);
    assert.equal(it.in_band, it.predicted >= band.predicted_min && it.predicted <= band.predicted_max);
  }
  // the nearest-the-band items only when nothing lies inside the band
  assert.ok(me.items.every((it) => it.in_band) || me.items.every((it) => !it.in_band));
  // on the point: its item whose prediction is nearest the band's middle (0.81), the older on a tie
  const mid = (band.predicted_min + band.predicted_max) / 2;
  const candidates = sql(srv.db, `SELECT i.code FROM item i JOIN item_version iv ON iv.item_id = i.id AND iv.no = i.published
    JOIN item_kp k ON k.version_id = iv.id AND k.ordinal = 1 WHERE i.published > 0 AND k.point_id = ${point.id}
    ORDER BY i.id`).split('\n').filter(Boolean);
  const gap = (code) => Math.abs(sigma(-0.4 - difficulty(code)) - mid);
  const best = candidates.reduce((a, b) => (gap(b) < gap(a) - 1e-12 ? b : a));
  const onPoint = me.items.find((it) => it.point.code === point.code);
  if (onPoint) assert.equal(onPoint.item, best);
  else assert.ok(me.items.length === 3, 'the point comes after three prerequisites');
  // a classmate who never met the point: θ 0, so an easy item (bank 1, d −1) predicts σ(1) 0.73,
  // inside band C
  const fresh = r.body.students.find((s) => s.id !== student.uid);
  assert.equal(fresh.tier, 'C');
  assert.ok(fresh.items.length >= 1);
  for (const it of fresh.items) {
    assert.equal(it.ability, 0);
    assert.equal(it.predicted, Math.round(sigma(-difficulty(it.item)) * 10000) / 10000);
  }
  assert.ok(candidates.some((code) => difficulty(code) === -1), 'the point has an easy item');
  assert.ok(fresh.items.every((it) => it.in_band), JSON.stringify(fresh.items.map((it) => it.predicted)));
  // without points: the points of the class's tasks of the subject
  const all = await t.get(`/api/v1/classes/${cls.uid}/tiers?subject=14`);
  assert.equal(all.status, 200, all.text);
  assert.equal(all.body.students.find((s) => s.id === student.uid).tier, 'C');
  assertError(await t.get(`/api/v1/classes/${cls.uid}/tiers?subject=14&points=NOPE-9`), 400, 'unknown_point', 'points');
  assertError(await t.get(`/api/v1/classes/${cls.uid}/tiers?subject=14&points=${Array(60).fill(point.code).join(',')}`), 400, 'too_many', 'points');
  assertError(await t.get(`/api/v1/classes/${cls.uid}/tiers`), 400, 'required', 'subject');
  assertError(await t.get(`/api/v1/classes/${other.cls}/tiers?subject=14`), 404, 'not_found');
});
