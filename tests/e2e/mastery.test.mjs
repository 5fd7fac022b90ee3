// mastery.test.mjs — 学情报告 in a real browser on the demo city: a teacher opens the report
// of their class (a homework and mastery written by SQL here, as the answering flow lives in
// src/assign/), sees the heat map, the students at risk with their reasons, the wrong options
// with their misconceptions and the prerequisite gaps, drills into a student (mastery over
// time, next steps), prints it (no navigation on the page) and at 375 px nothing scrolls
// sideways; a student sees their 学习情况 card in the portal. Screenshots of each.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, demoAccounts, sql } from '../api/harness.mjs';
import { launch, openPage, shot, signInAt } from './browser.mjs';

let server;
let browser;
let accounts;
let weakest; // name of the student seeded weakest
before(async () => {
  server = await startServer();
  accounts = demoAccounts(server.db);
  browser = await launch();
  seed();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// The demo student's class: a homework over four items of points with a prerequisite, every
// student's answers, and mastery states and events for six points.
function seed() {
  const db = server.db;
  const [cid, school] = sql(db, `SELECT e.class_id, e.school_id FROM account a JOIN student s ON s.person_id = a.person_id
    JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL WHERE a.login = 'student'`).split('|');
  const students = sql(db, `SELECT s.id || ':' || s.name FROM enrollment e JOIN student s ON s.id = e.student_id
    WHERE e.class_id = ${cid} AND e.exit_date IS NULL ORDER BY s.id`).split('\n').map((l) => l.split(':'));
  // points with a prerequisite among them: the first edges of the graph in textbook order
  const points = sql(db, `SELECT p.id FROM kg_point p WHERE p.id IN (SELECT point_id FROM kg_edge UNION SELECT prereq_id FROM kg_edge)
    ORDER BY p.grade, p.semester, p.ordinal LIMIT 6`).split('\n');
  const items = sql(db, `SELECT iv.id || '|' || json_extract(iv.content, '$.answer') FROM item_version iv JOIN item_kp k ON k.version_id = iv.id
    WHERE iv.status = 'published' AND iv.type = 'single' AND k.point_id IN (${points.join(',')}) ORDER BY iv.id LIMIT 4`)
    .split('\n').map((l) => l.split('|'));
  const now = Date.now();
  const stmts = [`INSERT INTO assign_task (uid, school_id, class_id, subject, kind, title, status, version, created_at, updated_at)
    VALUES ('e2etask', ${school}, ${cid}, '14', 'homework', '有理数练习', 'published', 1, ${now}, ${now});`];
  items.forEach(([vid], j) => stmts.push(`INSERT INTO assign_task_item (uid, school_id, task_id, item_version_id, ordinal, score, version, created_at, updated_at)
    SELECT 'e2eti${j}', ${school}, id, ${vid}, ${j + 1}, 3, 1, ${now}, ${now} FROM assign_task WHERE uid = 'e2etask';`));
  students.forEach(([sid], i) => {
    stmts.push(`INSERT INTO assign_submission (uid, school_id, task_id, student_id, status, registration, version, created_at, updated_at)
      SELECT 'e2esub${i}', ${school}, id, ${sid}, 'submitted', 'r${i}', 1, ${now}, ${now} FROM assign_task WHERE uid = 'e2etask';`);
    items.forEach(([vid, key], j) => {
      const right = (i * 7 + j * 3) % 5 > 1;
      const pick = right ? key : ['A', 'B', 'C', 'D'].filter((k) => k !== key)[(i + j) % 3];
      stmts.push(`INSERT INTO assign_answer (uid, school_id, submission_id, task_item_id, item_version_id, response, verdict, score, answered_at, version, created_at, updated_at)
        SELECT 'e2ea${i}-${j}', ${school}, sub.id, ti.id, ${vid}, '"${pick}"', '${right ? 'right' : 'wrong'}', ${right ? 3 : 0}, ${now}, 1, ${now}, ${now}
        FROM assign_submission sub, assign_task_item ti WHERE sub.uid = 'e2esub${i}' AND ti.uid = 'e2eti${j}';`);
    });
    points.forEach((pid, k) => {
      const p = Math.min(0.97, Math.max(0.05, ((i * 37 + k * 53) % 100) / 100 * (i === 1 ? 0.3 : 1)));
      stmts.push(`INSERT INTO mastery_state (uid, school_id, student_id, point_id, p_known, answers, rights, source, ability, version, created_at, updated_at)
        VALUES ('e2est${i}-${k}', ${school}, ${sid}, ${pid}, ${p}, 3, ${Math.round(p * 3)}, 'bkt', 0, 1, ${now}, ${now});`);
      for (let t = 0; t < 3; t++) {
        stmts.push(`INSERT INTO mastery_event (school_id, student_id, point_id, answer_id, kind, correct, p_correct, p_known, at)
          VALUES (${school}, ${sid}, ${pid}, NULL, '${t ? 'answer' : 'diagnostic'}', ${t ? (t % 2) : 'NULL'}, NULL, ${0.3 + (p - 0.3) * t / 2}, ${now - (3 - t) * 86400000});`);
      }
    });
  });
  for (let i = 0; i < stmts.length; i += 150) sql(db, `BEGIN; ${stmts.slice(i, i + 150).join('\n')} COMMIT;`);
  weakest = students[1][1];
}

test('a teacher reads the class report, drills into a student and prints it', async () => {
  const { page, problems, close } = await openPage(browser);
  await signInAt(page, server.url, accounts.head_teacher);
  await page.locator('.sh-aside').getByText('学情报告').click();
  await page.waitForURL('**/mastery');
  await page.locator('canvas').first().waitFor();
  const risk = page.locator('[data-test=at-risk]');
  await risk.getByText(weakest).waitFor();
  assert.match(await risk.innerText(), /平均掌握概率 0\.\d\d，低于 0\.40/);
  const body = await page.locator('.sh-main').innerText();
  assert.match(body, /高频错误选项/);
  assert.match(body, /知识点掌握热力图/);
  await page.waitForLoadState('networkidle');
  await shot(page, 'mastery-class-desktop');
  await risk.getByText(weakest).click();
  const drill = page.locator('[data-test=student-drill]');
  await drill.getByText('下一步学习建议').waitFor();
  assert.match(await drill.innerText(), new RegExp(`${weakest} 的学情`));
  await page.waitForTimeout(600); // the line chart draws
  await shot(page, 'mastery-student-desktop');
  // printing: the report only, no navigation
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('.sh-aside').isVisible(), false);
  assert.equal(await page.getByRole('button', { name: '打印' }).isVisible(), false);
  await shot(page, 'mastery-print');
  await page.emulateMedia({ media: 'screen' });
  // at 375 px nothing scrolls sideways
  await page.setViewportSize({ width: 375, height: 812 });
  await page.waitForTimeout(400);
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 376, `the report is ${width}px wide at 375 px`);
  await shot(page, 'mastery-class-375');
  assert.deepEqual(problems, []);
  await close();
});

test('a student sees their 学习情况 in the portal at 375 px', async () => {
  const { page, problems, close } = await openPage(browser, { width: 375, height: 812 });
  await page.goto(server.url + '/login');
  await page.getByPlaceholder('登录名').fill(accounts.student.login);
  await page.getByPlaceholder('密码').fill(accounts.student.password);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL(server.url + '/m');
  const card = page.locator('[data-test=portal-mastery]');
  await card.getByText('的学习情况').waitFor();
  await card.locator('.el-progress').first().waitFor();
  assert.ok((await card.locator('.point').count()) >= 1);
  const width = await page.evaluate(() => document.scrollingElement.scrollWidth);
  assert.ok(width <= 376, `portal is ${width}px wide`);
  await page.waitForLoadState('networkidle');
  await shot(page, 'mastery-portal-375');
  assert.deepEqual(problems, []);
  await close();
});
