// mastery_flow.test.mjs — 学情 through the real flow: a teacher publishes a homework of
// two single-choice items, the demo student answers one right and one wrong in the portal
// and submits; the class report, the student report and the portal's own report then show
// P(known) equal to the BKT steps computed here by hand from the defaults, the wrong
// option with its misconception, and the answers counted once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, signIn, sql } from './harness.mjs';

let srv;
const as = {};
before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  for (const role of ['head_teacher', 'student']) as[role] = await signIn(srv.url, accounts[role]);
});
after(async () => { await srv?.stop(); });

// BKT by hand with the defaults (prior 0.3, learn 0.15, forget 0, guess 0.2, slip 0.1).
function step(p, right) {
  const post = right ? (p * 0.9) / (p * 0.9 + (1 - p) * 0.2) : (p * 0.1) / (p * 0.1 + (1 - p) * 0.8);
  return post + (1 - post) * 0.15;
}

test('answers submitted in the portal move the reports by the BKT formula', async () => {
  const cls = as.head_teacher.me.roles.find((r) => r.role === 'head_teacher').org.id;
  const t = await as.head_teacher.post('/api/v1/assign/tasks', {
    class: cls, kind: 'homework', title: '正负数练习', subject: '14', items: ['RJM-I-01-001', 'RJM-I-01-002'],
  });
  assert.equal(t.status, 201, t.text);
  const items = t.body.items;
  assert.equal((await as.head_teacher.post(`/api/v1/assign/tasks/${t.body.id}/publish`)).status, 200);
  const mine = (await as.student.get('/api/v1/my/tasks')).body.items.find((x) => x.task === t.body.id);
  const open = await as.student.get(`/api/v1/my/tasks/${mine.id}`);
  assert.equal(open.status, 200, open.text);
  // the first right, the second wrong (the first option that is not the answer)
  const wrongKey = items[1].options.map((o) => o.key).find((k) => k !== items[1].answer);
  const wrongOption = items[1].options.find((o) => o.key === wrongKey);
  for (const [i, response] of [[0, items[0].answer], [1, wrongKey]]) {
    const r = await as.student.put(`/api/v1/my/tasks/${mine.id}/answers/${open.body.items[i].id}`, { response });
    assert.equal(r.status, 200, r.text);
  }
  const s = await as.student.post(`/api/v1/my/tasks/${mine.id}/submit`);
  assert.equal(s.status, 200, s.text);
  // the hand values per point, answers in order
  const expect = {};
  items.forEach((it, i) => {
    for (const kp of it.knowledge_points) {
      const e = expect[kp.code] || { p: 0.3, answers: 0, rights: 0 };
      e.p = step(e.p, i === 0);
      e.answers += 1;
      e.rights += i === 0 ? 1 : 0;
      expect[kp.code] = e;
    }
  });
  const me = (await as.student.get('/api/v1/my/students')).body.items[0].id;
  const r = await as.head_teacher.get(`/api/v1/classes/${cls}/mastery?subject=14&task=${t.body.id}`);
  assert.equal(r.status, 200, r.text);
  const row = r.body.students.findIndex((x) => x.id === me);
  assert.ok(row >= 0);
  assert.deepEqual(r.body.points.map((p) => p.code).sort(), Object.keys(expect).sort());
  r.body.points.forEach((p, k) => {
    const cell = r.body.cells[row][k];
    assert.equal(cell.p_known, Math.round(expect[p.code].p * 10000) / 10000, p.code);
    assert.equal(cell.answers, expect[p.code].answers);
    assert.equal(cell.rights, expect[p.code].rights);
  });
  const wrong = r.body.wrong_options.find((w) => w.option === wrongKey && w.chosen === 1);
  assert.ok(wrong, JSON.stringify(r.body.wrong_options));
  assert.equal(wrong.misconception ?? null, wrongOption.misconception ?? null);
  // the portal's own report agrees, with the history of each point
  const own = await as.student.get('/api/v1/my/mastery?subject=14');
  assert.equal(own.status, 200, own.text);
  for (const [code, e] of Object.entries(expect)) {
    const p = own.body.points.find((x) => x.code === code);
    assert.equal(p.p_known, Math.round(e.p * 10000) / 10000);
    assert.equal(p.history.length, e.answers);
  }
  // counted once: one event per answer and point
  const events = Number(sql(srv.db, `SELECT COUNT(*) FROM mastery_event ev JOIN student st ON st.id = ev.student_id WHERE st.uid = '${me}'`));
  assert.equal(events, Object.values(expect).reduce((n, e) => n + e.answers, 0));
});
