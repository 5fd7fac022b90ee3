// authz_matrix.test.mjs — the authorization matrix, generated from the route table.
//
// For every route the server declares (read from its OpenAPI document, where each
// operation carries its x-permission) and every built-in role (signed in as the
// demo account of that role), it calls the route on an object inside the role's
// reach and on one outside it, and checks the expected outcome, which is derived
// from the role's permission set (GET /api/v1/roles):
//   - no permission            → 403 forbidden, for both objects;
//   - permission, in reach      → success (2xx);
//   - permission, out of reach  → exactly what a missing object gives (404, or
//                                  400 naming the unknown reference, or an empty list).
// Every route must have an entry in `requests` below: a route added without one
// fails the first test.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, call, demoAccounts, signIn, root, sql } from './harness.mjs';

let srv;
let doc;
let roles;
const clients = {};
const ctx = {};
let seq = 0;
let termSeq = 0;
let promoSeq = 0;

const CITY_WIDE = new Set(['city_admin', 'sysadmin', 'secadmin', 'auditadmin']);

// Request builders: in(ctx) and out(ctx) give {path, body} (async: they may make a
// fresh object, for operations that change or remove it). out null: the route has
// no object (public or own-session routes). outcome of the out-of-reach call when
// permitted: 'missing' (404), 'unknown' (400 unknown reference), 'hidden' (200, not listed) or
// 'rows' (a file import answering 200 with the row refused as naming an unknown school).
// narrow: {reach, outcome} when the in-reach object is beyond some permitted roles
// (school-wide rows for roles held at a class; city-wide writes for all but the city).
const requests = {
  'GET /healthz': { in: () => ({ path: '/healthz' }) },
  'GET /metrics': { in: () => ({ path: '/metrics' }) },
  'GET /api/openapi.json': { in: () => ({ path: '/api/openapi.json' }) },
  'GET /api/docs': { in: () => ({ path: '/api/docs' }) },
  'GET /api/v1/dictionary': { in: () => ({ path: '/api/v1/dictionary' }) },
  'GET /api/v1/dictionary/{entity}': { in: () => ({ path: '/api/v1/dictionary/org_unit' }) },
  'POST /api/v1/dictionary/{entity}/validate': { in: () => ({ path: '/api/v1/dictionary/org_unit/validate', body: { kind: 'class', name: '一班' } }) },
  'GET /api/v1/codes': { in: () => ({ path: '/api/v1/codes' }) },
  'GET /api/v1/codes/{table}': { in: () => ({ path: '/api/v1/codes/gb2260_region' }) },
  'GET /api/v1/codes/{table}/items': { in: () => ({ path: '/api/v1/codes/gb2260_region/items?limit=5' }) },
  'POST /api/v1/auth/login': { in: () => ({ path: '/api/v1/auth/login', body: { login: 'nobody', password: 'x' } }), anyStatus: true },
  'GET /api/v1/auth/me': { in: () => ({ path: '/api/v1/auth/me' }) },
  // the caller's own student record and the students they guard: reach is the relationship, no object to name
  'GET /api/v1/my/students': { in: () => ({ path: '/api/v1/my/students' }) },
  'POST /api/v1/auth/mfa/verify': { in: () => ({ path: '/api/v1/auth/mfa/verify', body: { code: '000000' } }), anyStatus: true },
  'POST /api/v1/auth/mfa/totp': { in: () => ({ path: '/api/v1/auth/mfa/totp' }) },
  'POST /api/v1/auth/mfa/totp/confirm': { in: () => ({ path: '/api/v1/auth/mfa/totp/confirm', body: { code: '000000' } }), anyStatus: true },
  'POST /api/v1/auth/password': { in: () => ({ path: '/api/v1/auth/password', body: { current_password: 'wrong', new_password: 'x' } }), anyStatus: true },
  'POST /api/v1/auth/logout': { in: () => ({ path: '/api/v1/auth/logout' }), last: true },
  'GET /api/v1/orgs': {
    in: () => ({ path: `/api/v1/orgs?parent=${ctx.gradeIn}` }),
    out: () => ({ path: `/api/v1/orgs?parent=${ctx.gradeOut}` }), outcome: 'hidden',
  },
  'POST /api/v1/orgs': {
    in: () => ({ path: '/api/v1/orgs', body: { kind: 'class', name: `矩阵班${++seq}`, parent: ctx.gradeIn } }),
    out: () => ({ path: '/api/v1/orgs', body: { kind: 'class', name: `矩阵班${++seq}`, parent: ctx.gradeOut } }), outcome: 'unknown',
  },
  'GET /api/v1/orgs/{id}': { in: () => ({ path: `/api/v1/orgs/${ctx.classIn}` }), out: () => ({ path: `/api/v1/orgs/${ctx.classOut}` }), outcome: 'missing' },
  'PATCH /api/v1/orgs/{id}': {
    in: () => ({ path: `/api/v1/orgs/${ctx.classIn}`, body: { name: `高一（1）班${++seq}` } }),
    out: () => ({ path: `/api/v1/orgs/${ctx.classOut}`, body: { name: `改名${++seq}` } }), outcome: 'missing',
  },
  'GET /api/v1/orgs/{id}/path': { in: () => ({ path: `/api/v1/orgs/${ctx.classIn}/path` }), out: () => ({ path: `/api/v1/orgs/${ctx.classOut}/path` }), outcome: 'missing' },
  'GET /api/v1/accounts': {
    in: () => ({ path: `/api/v1/accounts?org=${ctx.schoolIn}` }),
    out: () => ({ path: `/api/v1/accounts?org=${ctx.schoolOut}` }), outcome: 'hidden',
  },
  'POST /api/v1/accounts': {
    in: () => ({ path: '/api/v1/accounts', body: { name: '矩阵', login: `m.in${++seq}`, org: ctx.schoolIn } }),
    out: () => ({ path: '/api/v1/accounts', body: { name: '矩阵', login: `m.out${++seq}`, org: ctx.schoolOut } }), outcome: 'unknown',
  },
  'GET /api/v1/accounts/{id}': { in: () => ({ path: `/api/v1/accounts/${ctx.accIn}` }), out: () => ({ path: `/api/v1/accounts/${ctx.accOut}` }), outcome: 'missing' },
  'POST /api/v1/accounts/{id}/disable': accountAction('disable'),
  'POST /api/v1/accounts/{id}/enable': accountAction('enable'),
  'POST /api/v1/accounts/{id}/unlock': accountAction('unlock'),
  'POST /api/v1/accounts/{id}/reset-password': accountAction('reset-password'),
  'GET /api/v1/roles': { in: () => ({ path: '/api/v1/roles' }) },
  'POST /api/v1/roles': { in: () => ({ path: '/api/v1/roles', body: { code: `matrix_${++seq}`, label: '矩阵角色', permissions: ['org.read'] } }) },
  'GET /api/v1/role-assignments': {
    in: () => ({ path: `/api/v1/role-assignments?org=${ctx.classIn}` }),
    out: () => ({ path: `/api/v1/role-assignments?org=${ctx.classOut}` }), outcome: 'hidden',
  },
  'POST /api/v1/role-assignments': {
    in: async () => ({ path: '/api/v1/role-assignments', body: { account: await freshAccount(ctx.schoolIn), role: 'teacher', org: ctx.classIn } }),
    out: async () => ({ path: '/api/v1/role-assignments', body: { account: await freshAccount(ctx.schoolOut), role: 'teacher', org: ctx.classOut } }), outcome: 'unknown',
  },
  'DELETE /api/v1/role-assignments/{id}': {
    in: async () => ({ path: `/api/v1/role-assignments/${await freshAssignment(ctx.schoolIn, ctx.classIn)}` }),
    out: async () => ({ path: `/api/v1/role-assignments/${await freshAssignment(ctx.schoolOut, ctx.classOut)}` }), outcome: 'missing',
  },
  'GET /api/v1/tokens': {
    in: () => ({ path: `/api/v1/tokens?org=${ctx.schoolIn}` }),
    out: () => ({ path: `/api/v1/tokens?org=${ctx.schoolOut}` }), outcome: 'hidden',
  },
  'POST /api/v1/tokens': {
    in: () => ({ path: '/api/v1/tokens', body: { name: `矩阵令牌${++seq}`, org: ctx.schoolIn, permissions: ['org.read'] } }),
    out: () => ({ path: '/api/v1/tokens', body: { name: `矩阵令牌${++seq}`, org: ctx.schoolOut, permissions: ['org.read'] } }), outcome: 'unknown',
  },
  'DELETE /api/v1/tokens/{id}': {
    in: async () => ({ path: `/api/v1/tokens/${await freshToken(ctx.schoolIn)}` }),
    out: async () => ({ path: `/api/v1/tokens/${await freshToken(ctx.schoolOut)}` }), outcome: 'missing',
  },
  'GET /api/v1/security/policy': { in: () => ({ path: '/api/v1/security/policy' }) },
  'PUT /api/v1/security/policy': { in: () => ({ path: '/api/v1/security/policy', body: { lock_threshold: 5 } }) },
  'GET /api/v1/audit': { in: () => ({ path: '/api/v1/audit?limit=1' }) },
  ...rosterRoutes('schools', 'school', {
    body: () => ({ address: `示范市和平路 ${++seq} 号` }),
    create: async (school) => { // a school has one profile: remove it before making it again
      sql(srv.db, `DELETE FROM school_profile WHERE school_id = (SELECT id FROM org_unit WHERE uid = '${school}')`);
      return { school, school_type: '311', stages: '3', founded: '1956-09' };
    },
    reach: 'school',
    row: async (school) => sql(srv.db, `SELECT p.uid FROM school_profile p JOIN org_unit o ON o.id = p.school_id WHERE o.uid = '${school}'`) ||
      created('/api/v1/schools', { school, school_type: '311', stages: '3' }),
  }),
  ...rosterRoutes('terms', 'term', {
    body: () => ({ name: `矩阵学期${++seq}` }),
    create: () => { const y = 2030 + ++termSeq; return { school_year: `${y}-${y + 1}`, semester: '1', name: `${y} 学年`, start_date: `${y}-09-01`, end_date: `${y + 1}-01-20` }; },
    reach: 'city', cityWide: true,
  }),
  ...rosterRoutes('classes', 'classProfile', {
    body: () => ({ class_number: String(++seq % 100) }),
    create: async (school) => ({ school, class: await freshClass(school === ctx.schoolIn ? ctx.gradeIn : ctx.gradeOut), class_type: '10', entry_year: 2024 }),
  }),
  ...rosterRoutes('staff', 'staff', {
    body: () => ({ status: '11' }),
    create: (school) => ({ school, person: side(school).person, name: '矩阵教师', staff_number: `M${++seq}` }),
    reach: 'school',
  }),
  ...rosterRoutes('students', 'student', {
    body: () => ({ entry_month: `20${10 + (++seq % 10)}-09` }),
    create: (school) => ({ school, person: side(school).person, name: '矩阵学生', status: '01' }),
  }),
  ...rosterRoutes('guardians', 'guardian', {
    body: () => ({ is_guardian: Boolean(++seq % 2) }),
    create: async (school) => ({ school, student: side(school).student, person: await freshPerson(), name: '矩阵家长', relation: '51', is_guardian: true }),
  }),
  ...rosterRoutes('enrollments', 'enrollment', {
    body: () => ({ entry_type: '22' }),
    create: (school) => ({ school, student: side(school).student, class: side(school).class, entry_date: '2024-09-01' }),
  }),
  ...rosterRoutes('teaching-assignments', 'teaching', {
    body: () => ({}),
    create: async (school) => ({ school, staff: await freshStaff(school), class: side(school).class, subject: '14', term: ctx.term }),
  }),
  'POST /api/v1/persons': { in: () => ({ path: '/api/v1/persons', body: { name: '矩阵人员', gender: '2' } }) },
  'GET /api/v1/persons/{id}': {
    in: async () => ({ path: `/api/v1/persons/${await personOf(ctx.in.student)}` }),
    out: async () => ({ path: `/api/v1/persons/${await personOf(ctx.out.student)}` }), outcome: 'missing',
  },
  'POST /api/v1/persons/{id}/merge': {
    in: async () => freshMerge(ctx.schoolIn),
    out: async () => freshMerge(ctx.schoolOut), outcome: 'missing',
    narrow: { reach: 'school', outcome: 'missing' },
  },
  'GET /api/v1/duplicate-candidates': { in: () => ({ path: '/api/v1/duplicate-candidates?limit=5' }) },
  'GET /api/v1/class-rosters/{id}': {
    in: () => ({ path: `/api/v1/class-rosters/${ctx.classIn}` }),
    out: () => ({ path: `/api/v1/class-rosters/${ctx.classOut}` }), outcome: 'missing',
  },
  'GET /api/v1/student-flags': {
    in: () => ({ path: `/api/v1/student-flags?org=${ctx.schoolIn}` }),
    out: () => ({ path: `/api/v1/student-flags?org=${ctx.schoolOut}` }), outcome: 'missing',
    narrow: { reach: 'school', outcome: 'missing' },
  },
  'GET /api/v1/classes/{id}/mastery': {
    in: () => ({ path: `/api/v1/classes/${ctx.classIn}/mastery?subject=14` }),
    out: () => ({ path: `/api/v1/classes/${ctx.classOut}/mastery?subject=14` }), outcome: 'missing',
  },
  'GET /api/v1/classes/{id}/tiers': {
    in: () => ({ path: `/api/v1/classes/${ctx.classIn}/tiers?subject=14&points=RJM-1.1` }),
    out: () => ({ path: `/api/v1/classes/${ctx.classOut}/tiers?subject=14&points=RJM-1.1` }), outcome: 'missing',
  },
  'GET /api/v1/students/{id}/mastery': {
    in: () => ({ path: `/api/v1/students/${ctx.in.student}/mastery` }),
    out: () => ({ path: `/api/v1/students/${ctx.out.student}/mastery` }), outcome: 'missing',
  },
  'GET /api/v1/my/mastery': { in: () => ({ path: '/api/v1/my/mastery' }) },
  'GET /api/v1/changes': { in: () => ({ path: '/api/v1/changes?since=0&limit=5' }) },
  'POST /api/v1/imports/{kind}': {
    in: () => ({ path: '/api/v1/imports/students?dry_run=true', body: importFile(ctx.codeIn) }),
    out: () => ({ path: '/api/v1/imports/students?dry_run=true', body: importFile(ctx.codeOut) }), outcome: 'rows',
  },
  // an import record is its importer's own: each role reads one it made (others' are tested in import.test.mjs)
  'GET /api/v1/imports/{id}': { in: async (_, role) => ({ path: `/api/v1/imports/${await ownImport(role)}` }) },
  'GET /api/v1/imports/{id}/errors.csv': { in: async (_, role) => ({ path: `/api/v1/imports/${await ownImport(role)}/errors.csv` }) },
  'GET /api/v1/import-templates/{kind}': { in: () => ({ path: '/api/v1/import-templates/students' }) },
  'GET /api/v1/student-changes': {
    in: () => ({ path: `/api/v1/student-changes?school=${ctx.schoolIn}` }),
    out: () => ({ path: `/api/v1/student-changes?school=${ctx.schoolOut}` }), outcome: 'hidden',
  },
  'POST /api/v1/student-changes': {
    in: async () => ({ path: '/api/v1/student-changes', body: await changeBody(ctx.schoolIn) }),
    out: async () => ({ path: '/api/v1/student-changes', body: await changeBody(ctx.schoolOut) }), outcome: 'missing',
  },
  'GET /api/v1/student-changes/{id}': {
    in: () => ({ path: `/api/v1/student-changes/${ctx.in.change.id}` }),
    out: () => ({ path: `/api/v1/student-changes/${ctx.out.change.id}` }), outcome: 'missing',
    narrow: { reach: 'school', outcome: 'missing' },
  },
  'GET /api/v1/student-changes/{id}/history': {
    in: () => ({ path: `/api/v1/student-changes/${ctx.in.change.id}/history` }),
    out: () => ({ path: `/api/v1/student-changes/${ctx.out.change.id}/history` }), outcome: 'missing',
    narrow: { reach: 'school', outcome: 'missing' },
  },
  'POST /api/v1/promotions': {
    in: () => { const y = 2040 + ++promoSeq; return { path: '/api/v1/promotions', body: { school: ctx.schoolIn, school_year: `${y}-${y + 1}`, effective_date: `${y + 1}-08-31` } }; },
    out: () => ({ path: '/api/v1/promotions', body: { school: ctx.schoolOut, school_year: '2039-2040', effective_date: '2040-08-31' } }), outcome: 'missing',
  },
  'GET /api/v1/approvals': {
    in: () => ({ path: `/api/v1/approvals?school=${ctx.schoolIn}` }),
    out: () => ({ path: `/api/v1/approvals?school=${ctx.schoolOut}` }), outcome: 'hidden',
  },
  'GET /api/v1/approvals/{id}': {
    in: () => ({ path: `/api/v1/approvals/${ctx.in.change.request}` }),
    out: () => ({ path: `/api/v1/approvals/${ctx.out.change.request}` }), outcome: 'missing',
  },
  // a decision is another person's: the request is handed to the system administrator as its submitter
  'POST /api/v1/approvals/{id}/decisions': {
    in: async () => ({ path: `/api/v1/approvals/${await freshRequest(ctx.schoolIn, 'sysadmin')}/decisions`, body: { decision: 'reject', comment: '矩阵驳回' } }),
    out: async () => ({ path: `/api/v1/approvals/${await freshRequest(ctx.schoolOut, 'sysadmin')}/decisions`, body: { decision: 'reject', comment: '矩阵驳回' } }),
    outcome: 'missing',
  },
  // a cancellation is the submitter's own: each role cancels a request it made
  'POST /api/v1/approvals/{id}/cancel': {
    in: async (_, role) => ({ path: `/api/v1/approvals/${await freshRequest(ctx.schoolIn, roles[role].permissions.includes('roster.change') ? role : 'city_admin')}/cancel` }),
    out: async () => ({ path: `/api/v1/approvals/${await freshRequest(ctx.schoolOut, 'city_admin')}/cancel` }), outcome: 'missing',
  },
  'GET /api/v1/exports/oneroster': { in: () => ({ path: '/api/v1/exports/oneroster' }) },
  // the body must be a zip (this client sends text): the handler answering at all is what is checked here;
  // imports of real zips in and out of reach are in oneroster.test.mjs
  // the knowledge graph is city-wide reference data: no object is out of anyone's reach
  'GET /api/v1/kg/subjects': { in: () => ({ path: '/api/v1/kg/subjects' }) },
  'GET /api/v1/kg/points': { in: () => ({ path: '/api/v1/kg/points?grade=7' }) },
  'POST /api/v1/kg/points': { in: () => ({ path: '/api/v1/kg/points', body: kgPointBody() }) },
  'GET /api/v1/kg/points/{id}': { in: async () => ({ path: `/api/v1/kg/points/${await kgPoint()}` }) },
  'PATCH /api/v1/kg/points/{id}': { in: async () => ({ path: `/api/v1/kg/points/${await kgPoint()}`, body: { name: `矩阵知识点${++seq}` } }) },
  'DELETE /api/v1/kg/points/{id}': { in: async () => ({ path: `/api/v1/kg/points/${await kgPoint(true)}` }) },
  'GET /api/v1/kg/points/{id}/history': { in: async () => ({ path: `/api/v1/kg/points/${await kgPoint()}/history` }) },
  'GET /api/v1/kg/points/{id}/prerequisites': { in: async () => ({ path: `/api/v1/kg/points/${await kgPoint()}/prerequisites?transitive=true` }) },
  'POST /api/v1/kg/points/{id}/prerequisites': {
    in: async () => ({ path: `/api/v1/kg/points/${await kgPoint(true)}/prerequisites`, body: { prerequisite: await kgPoint() } }),
  },
  'DELETE /api/v1/kg/points/{id}/prerequisites/{prerequisite}': {
    in: async () => {
      const pre = await kgPoint();
      const id = await kgPoint(true);
      await clients.city_admin.post(`/api/v1/kg/points/${id}/prerequisites`, { prerequisite: pre });
      return { path: `/api/v1/kg/points/${id}/prerequisites/${pre}` };
    },
  },
  'GET /api/v1/kg/points/{id}/dependants': { in: async () => ({ path: `/api/v1/kg/points/${await kgPoint()}/dependants` }) },
  'POST /api/v1/kg/imports': {
    in: () => ({ path: '/api/v1/kg/imports?dry_run=true', body: 'code,name,subject,edition,grade,semester,chapter,section,prerequisites,description\nMX-1,矩阵,数学,人教版（2012）,7,上,第一章,,,\n' }),
  },
  'GET /api/v1/kg/export': { in: () => ({ path: '/api/v1/kg/export' }) },
  // the item bank: published items are read city-wide; a draft is its author's (and reviewers')
  'GET /api/v1/items': { in: () => ({ path: '/api/v1/items?limit=5' }) },
  'POST /api/v1/items': { in: async () => ({ path: '/api/v1/items', body: await itemBody() }) },
  'GET /api/v1/items/export': { in: () => ({ path: '/api/v1/items/export' }) },
  'POST /api/v1/items/imports': { in: async () => ({ path: '/api/v1/items/imports?dry_run=true', body: JSON.stringify(await itemBody(`MXI-${++seq}`)) }) },
  'GET /api/v1/items/{id}': { in: async () => ({ path: `/api/v1/items/${await matrixItem()}` }) },
  'PUT /api/v1/items/{id}': { in: async (_, role) => ({ path: `/api/v1/items/${await ownItem(role)}`, body: await itemBody() }) },
  'GET /api/v1/items/{id}/versions': { in: async () => ({ path: `/api/v1/items/${await matrixItem()}/versions` }) },
  'POST /api/v1/items/{id}/submit': { in: async (_, role) => ({ path: `/api/v1/items/${await ownItem(role)}/submit` }) },
  'POST /api/v1/items/{id}/review': { in: async () => ({ path: `/api/v1/items/${await ownItem('teacher', true)}/review`, body: { decision: 'approve' } }) },
  'POST /api/v1/items/{id}/retire': { in: async () => ({ path: `/api/v1/items/${await matrixItem(true)}/retire` }) },
  'POST /api/v1/items/{id}/check': { in: async () => ({ path: `/api/v1/items/${await matrixItem()}/check`, body: { response: true } }) },
  'POST /api/v1/imports/oneroster': { in: () => ({ path: '/api/v1/imports/oneroster?dry_run=true', body: 'not a zip' }), anyStatus: true },
  ...oneRosterRoutes(),
  // assignments: a task is reached through its class (assign.read / assign.write there); the
  // out-of-reach task belongs to a class of another district's school
  'GET /api/v1/assign/tasks': {
    in: () => ({ path: `/api/v1/assign/tasks?class=${ctx.classIn}` }),
    out: () => ({ path: `/api/v1/assign/tasks?class=${ctx.classOut}` }), outcome: 'missing',
  },
  'POST /api/v1/assign/tasks': {
    in: () => ({ path: '/api/v1/assign/tasks', body: taskBody(ctx.classIn) }),
    out: () => ({ path: '/api/v1/assign/tasks', body: taskBody(ctx.classOut) }), outcome: 'missing',
  },
  'GET /api/v1/assign/tasks/{id}': {
    in: async () => ({ path: `/api/v1/assign/tasks/${(await sharedTask()).task}` }),
    out: async () => ({ path: `/api/v1/assign/tasks/${(await outTask()).task}` }), outcome: 'missing',
  },
  'PUT /api/v1/assign/tasks/{id}': {
    in: async () => ({ path: `/api/v1/assign/tasks/${(await freshTask({ publish: false })).task}`, body: { title: `矩阵改名${++seq}` } }),
    out: async () => ({ path: `/api/v1/assign/tasks/${(await outTask(true)).task}`, body: { title: '改名' } }), outcome: 'missing',
  },
  'POST /api/v1/assign/tasks/{id}/publish': {
    in: async () => ({ path: `/api/v1/assign/tasks/${(await freshTask({ publish: false })).task}/publish` }),
    out: async () => ({ path: `/api/v1/assign/tasks/${(await outTask(true)).task}/publish` }), outcome: 'missing',
  },
  'POST /api/v1/assign/tasks/{id}/close': {
    in: async () => ({ path: `/api/v1/assign/tasks/${(await freshTask()).task}/close` }),
    out: async () => ({ path: `/api/v1/assign/tasks/${(await outTask(true, true)).task}/close` }), outcome: 'missing',
  },
  'GET /api/v1/assign/tasks/{id}/submissions': {
    in: async () => ({ path: `/api/v1/assign/tasks/${(await sharedTask()).task}/submissions` }),
    out: async () => ({ path: `/api/v1/assign/tasks/${(await outTask()).task}/submissions` }), outcome: 'missing',
  },
  'GET /api/v1/assign/submissions/{id}': {
    in: async () => ({ path: `/api/v1/assign/submissions/${(await sharedTask()).sub}` }),
    out: async () => ({ path: `/api/v1/assign/submissions/${(await outTask()).sub}` }), outcome: 'missing',
  },
  'POST /api/v1/assign/answers/{id}/score': {
    in: async () => ({ path: `/api/v1/assign/answers/${(await sharedTask()).answer}/score`, body: { score: 1 } }),
    out: async () => ({ path: `/api/v1/assign/answers/${(await outTask()).answer}/score`, body: { score: 1 } }), outcome: 'missing',
  },
  // the portal's own tasks: reach is the relationship (the student, a guardian of the student);
  // only the student answers (a guardian is refused by the handler, not the access layer)
  'GET /api/v1/my/tasks': { in: () => ({ path: '/api/v1/my/tasks' }) },
  'GET /api/v1/my/tasks/{id}': {
    in: async () => ({ path: `/api/v1/my/tasks/${(await sharedTask()).sub}` }),
    out: async () => ({ path: `/api/v1/my/tasks/${(await sharedTask()).otherSub}` }), outcome: 'missing',
  },
  'PUT /api/v1/my/tasks/{id}/answers/{item}': {
    in: async () => { const t = await freshTask(); return { path: `/api/v1/my/tasks/${t.sub}/answers/${t.item}`, body: { response: '矩阵作答' } }; },
    out: async () => { const t = await sharedTask(); return { path: `/api/v1/my/tasks/${t.otherSub}/answers/${t.item}`, body: { response: '矩阵作答' } }; },
    outcome: 'missing', anyStatus: true,
  },
  'POST /api/v1/my/tasks/{id}/submit': {
    in: async () => ({ path: `/api/v1/my/tasks/${(await freshTask()).sub}/submit` }),
    out: async () => ({ path: `/api/v1/my/tasks/${(await sharedTask()).otherSub}/submit` }), outcome: 'missing', anyStatus: true,
  },
  // practice: the student's own next item (a guardian reads their child's); only the item
  // offered to the student can be answered (a guardian is refused by the handler)
  'GET /api/v1/my/practice/next': { in: () => ({ path: '/api/v1/my/practice/next?subject=14' }) },
  'POST /api/v1/my/practice/answers': {
    in: async () => ({ path: '/api/v1/my/practice/answers', body: { item: await practiceOffer(), response: 'A' } }),
    out: () => ({ path: '/api/v1/my/practice/answers', body: { item: otherOffer(), response: 'A' } }),
    outcome: 'missing', anyStatus: true,
  },
  // xAPI: LRS clients are registered by administrators within their reach …
  'GET /api/v1/xapi/clients': {
    in: () => ({ path: `/api/v1/xapi/clients?org=${ctx.schoolIn}` }),
    out: () => ({ path: `/api/v1/xapi/clients?org=${ctx.schoolOut}` }), outcome: 'hidden',
  },
  'POST /api/v1/xapi/clients': {
    in: () => ({ path: '/api/v1/xapi/clients', body: { name: `矩阵客户端${++seq}`, org: ctx.schoolIn, read: true } }),
    out: () => ({ path: '/api/v1/xapi/clients', body: { name: `矩阵客户端${++seq}`, org: ctx.schoolOut, read: true } }), outcome: 'unknown',
  },
  'DELETE /api/v1/xapi/clients/{id}': {
    in: async () => ({ path: `/api/v1/xapi/clients/${await freshXapiClient(ctx.schoolIn)}` }),
    out: async () => ({ path: `/api/v1/xapi/clients/${await freshXapiClient(ctx.schoolOut)}` }), outcome: 'missing',
  },
  // the console's statement browser lists only statements under the caller's reach
  // (in and out of reach with statements on both sides: xapi_platform.test.mjs)
  'GET /api/v1/xapi/statements': { in: () => ({ path: '/api/v1/xapi/statements?limit=5' }) },
  // … and /xapi/ answers only their credentials (xapi.read / xapi.write, held by no role):
  // every signed-in role is refused there; scope per client is in xapi.test.mjs
  'GET /xapi/about': { in: () => ({ path: '/xapi/about' }) },
  'GET /xapi/statements': { in: () => ({ path: '/xapi/statements' }) },
  'PUT /xapi/statements': { in: () => ({ path: `/xapi/statements?statementId=${crypto.randomUUID()}`, body: xapiStatement() }) },
  'POST /xapi/statements': { in: () => ({ path: '/xapi/statements', body: xapiStatement() }) },
  'GET /xapi/agents': { in: () => ({ path: `/xapi/agents?agent=${encodeURIComponent('{"mbox":"mailto:a@example.org"}')}` }) },
  'GET /xapi/activities': { in: () => ({ path: '/xapi/activities?activityId=http%3A%2F%2Fexample.org%2Fa' }) },
  ...xapiDocumentRoutes(),
};

function xapiDocumentRoutes() {
  const agent = encodeURIComponent('{"mbox":"mailto:a@example.org"}');
  const act = 'activityId=http%3A%2F%2Fexample.org%2Fa';
  const paths = { '/xapi/activities/state': `${act}&agent=${agent}&stateId=s`, '/xapi/activities/profile': `${act}&profileId=p`, '/xapi/agents/profile': `agent=${agent}&profileId=p` };
  const out = {};
  for (const [p, query] of Object.entries(paths)) {
    for (const m of ['GET', 'PUT', 'POST', 'DELETE']) out[`${m} ${p}`] = { in: () => ({ path: `${p}?${query}`, body: ['PUT', 'POST'].includes(m) ? {} : undefined }) };
  }
  return out;
}

// Permissions held by LRS client credentials only, never by a role.
const CLIENT_ONLY = new Set(['xapi.read', 'xapi.write']);
function xapiStatement() {
  return { actor: { mbox: 'mailto:a@example.org' }, verb: { id: 'http://adlnet.gov/expapi/verbs/completed' }, object: { id: 'http://example.org/a' } };
}
async function freshXapiClient(org) {
  const r = await clients.city_admin.post('/api/v1/xapi/clients', { name: `对象客户端${++seq}`, org, read: true });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

// The read-only OneRoster REST routes: a collection filtered to the object in
// reach and to the one out of it (empty), and the object by sourcedId.
function oneRosterRoutes() {
  const base = '/ims/oneroster/rostering/v1p2';
  const f = (expr) => `filter=${encodeURIComponent(expr)}`;
  const obj = {
    orgs: (s) => (s === 'in' ? ctx.schoolIn : ctx.schoolOut),
    courses: (s) => `${s === 'in' ? ctx.gradeIn : ctx.gradeOut}.HR`,
    classes: (s) => (s === 'in' ? ctx.classIn : ctx.classOut),
    users: (s) => ctx[s].student,
    enrollments: (s) => ctx[s].enrollment,
    demographics: (s) => ctx[s].student,
  };
  const schoolWide = new Set(['courses']); // roles held at a class do not reach them
  const out = {
    [`GET ${base}/academicSessions`]: { in: () => ({ path: `${base}/academicSessions` }) },
    [`GET ${base}/academicSessions/{sourcedId}`]: { in: () => ({ path: `${base}/academicSessions/${ctx.term}` }) },
  };
  for (const [coll, id] of Object.entries(obj)) {
    out[`GET ${base}/${coll}`] = {
      in: () => ({ path: `${base}/${coll}?${f(`sourcedId='${id('in')}'`)}` }),
      out: () => ({ path: `${base}/${coll}?${f(`sourcedId='${id('out')}'`)}` }), outcome: 'empty',
    };
    out[`GET ${base}/${coll}/{sourcedId}`] = {
      in: () => ({ path: `${base}/${coll}/${id('in')}` }),
      out: () => ({ path: `${base}/${coll}/${id('out')}` }), outcome: 'missing',
      narrow: schoolWide.has(coll) ? { reach: 'school', outcome: 'missing' } : undefined,
    };
  }
  return out;
}

// A class change for a new student of the school, enrolled in the side's class.
async function changeBody(school) {
  const f = side(school);
  const student = await created('/api/v1/students', { school, person: await freshPerson(), name: '矩阵异动学生', status: '01' });
  await created('/api/v1/enrollments', { school, student, class: f.class, entry_date: '2024-09-01' });
  return { student, change_type: '29', to_class: f.class2, effective_date: '2025-03-01' };
}
// A pending approval request in the school, submitted by the role's account
// (the city administrator submits; another submitter is set in the store).
async function freshRequest(school, submitter) {
  const by = submitter === 'sysadmin' ? 'city_admin' : submitter;
  const r = await clients[by].post('/api/v1/student-changes', await changeBody(school));
  assert.equal(r.status, 201, r.text);
  if (submitter === 'sysadmin') {
    sql(srv.db, `UPDATE flow_request SET submitter_id = (SELECT id FROM account WHERE login = 'sysadmin') WHERE uid = '${r.body.request}'`);
  }
  return r.body.request;
}

// A one-student import file for a school (by its 学校标识码).
function importFile(code) {
  return `学校标识码,姓名,性别,出生日期\n${code},矩阵学生,男,2014-03-05\n`;
}
// An import made by the role (a dry run), or by the city when the role may not import.
async function ownImport(role) {
  const by = roles[role].permissions.includes('roster.write') ? role : 'city_admin';
  const r = await clients[by].post('/api/v1/imports/students?dry_run=true', importFile(ctx.codeIn));
  assert.equal(r.status, 200, r.text);
  return r.body.id;
}

// The five routes of one roster collection. fixture: the key of ctx.in/ctx.out
// holding an existing row of each side; create(school) gives a new row's body.
// reach: 'school' for school-wide rows (roles held at a class do not see them),
// 'city' for rows only the city writes (others may read them, not write them).
function rosterRoutes(path, fixture, { body, create, reach, cityWide, row: rowOf }) {
  const base = `/api/v1/${path}`;
  const row = (s) => (rowOf ? rowOf(s === 'in' ? ctx.schoolIn : ctx.schoolOut) : (s === 'in' ? ctx.in : ctx.out)[fixture]);
  const inOut = (f) => (cityWide ? { in: () => f('in') } : { in: () => f('in'), out: () => f('out'), outcome: 'missing' });
  return {
    [`GET ${base}`]: cityWide ? { in: () => ({ path: base }) } : {
      in: () => ({ path: `${base}?school=${ctx.schoolIn}` }),
      out: () => ({ path: `${base}?school=${ctx.schoolOut}` }), outcome: 'hidden',
    },
    [`POST ${base}`]: {
      ...inOut(async (s) => ({ path: base, body: await create(s === 'in' ? ctx.schoolIn : ctx.schoolOut) })),
      narrow: reach === 'city' ? { reach, outcome: 'forbidden' } : undefined,
    },
    [`GET ${base}/{id}`]: { ...inOut(async (s) => ({ path: `${base}/${await row(s)}` })), narrow: reach === 'school' ? { reach, outcome: 'missing' } : undefined },
    [`PATCH ${base}/{id}`]: {
      ...inOut(async (s) => ({ path: `${base}/${await row(s)}`, body: body() })),
      narrow: reach ? { reach, outcome: reach === 'city' ? 'forbidden' : 'missing' } : undefined,
    },
    [`GET ${base}/{id}/history`]: { ...inOut(async (s) => ({ path: `${base}/${await row(s)}/history` })), narrow: reach === 'school' ? { reach, outcome: 'missing' } : undefined },
  };
}

// Does the role reach an object of this level inside its reach? ('school': it holds
// a role at a school or above; 'city': it holds one at the city.)
function reaches(role, level) {
  if (!level) return true;
  if (level === 'city') return CITY_WIDE.has(role);
  return clients[role].me.roles.some((r) => ['city', 'district', 'school'].includes(r.org?.kind));
}

function side(school) { return school === ctx.schoolIn ? ctx.in : ctx.out; }

async function created(path, body) {
  const r = await clients.city_admin.post(path, body);
  assert.ok(r.status === 201 || r.status === 200, `${path}: ${r.text}`);
  return r.body.id ?? r.body.person;
}
// A school's or class's profile: made here, or the one a populated demo already has.
async function profile(path, body, key) {
  const r = await clients.city_admin.post(path, body);
  if (r.status === 409) {
    const found = await clients.city_admin.get(`${path}?${key}=${body[key]}`);
    assert.equal(found.body.items.length, 1, `${path}?${key}: ${found.text}`);
    return found.body.items[0].id;
  }
  assert.equal(r.status, 201, `${path}: ${r.text}`);
  return r.body.id;
}
const freshPerson = () => created('/api/v1/persons', { name: '矩阵人员' });
const personOf = async (studentId) => (await clients.city_admin.get(`/api/v1/students/${studentId}`)).body.person;
// Two persons of a school to merge: a staff member, and a family member of the school's student.
async function freshMerge(school) {
  const from = await freshPerson();
  const into = await freshPerson();
  await created('/api/v1/staff', { school, person: from, name: '矩阵重复', staff_number: `D${++seq}` });
  await created('/api/v1/guardians', { school, student: side(school).student, person: into, name: '矩阵重复', relation: '51', is_guardian: false });
  return { path: `/api/v1/persons/${from}/merge`, body: { into, reason: '矩阵测试：重复登记' } };
}
const freshClass = (grade) => created('/api/v1/orgs', { kind: 'class', name: `矩阵对象班${++seq}`, parent: grade });
const freshStaff = async (school) => created('/api/v1/staff', { school, person: await freshPerson(), name: '矩阵教师', staff_number: `T${++seq}` });

// One row of each roster collection in the school inside reach (and in its class
// the demo teacher teaches) and in one outside it.
async function rosterFixtures(school, cls) {
  const f = { class: cls };
  f.person = await freshPerson();
  f.school = await profile('/api/v1/schools', { school, school_type: '311', stages: '3' }, 'school');
  f.classProfile = await profile('/api/v1/classes', { school, class: cls, class_type: '10', entry_year: 2024 }, 'class');
  f.staff = await created('/api/v1/staff', { school, person: f.person, name: '对象教师', staff_number: `S${++seq}` });
  f.student = await created('/api/v1/students', { school, person: await freshPerson(), name: '对象学生', status: '01' });
  f.enrollment = await created('/api/v1/enrollments', { school, student: f.student, class: cls, entry_date: '2024-09-01' });
  f.guardian = await created('/api/v1/guardians', { school, student: f.student, person: await freshPerson(), name: '对象家长', relation: '52', is_guardian: true });
  f.teaching = await created('/api/v1/teaching-assignments', { school, staff: f.staff, class: cls, subject: '13', term: ctx.term });
  f.term = ctx.term; // city-wide: the same on both sides
  f.class2 = await freshClass(school === ctx.schoolIn ? ctx.gradeIn : ctx.gradeOut);
  const change = await clients.city_admin.post('/api/v1/student-changes', { student: f.student, change_type: '29', to_class: f.class2, effective_date: '2025-03-01' });
  assert.equal(change.status, 201, change.text);
  f.change = change.body;
  return f;
}

function accountAction(action) {
  return {
    in: async () => ({ path: `/api/v1/accounts/${await freshAccount(ctx.schoolIn)}/${action}` }),
    out: async () => ({ path: `/api/v1/accounts/${await freshAccount(ctx.schoolOut)}/${action}` }),
    outcome: 'missing',
  };
}

async function freshAccount(org) {
  const r = await clients.sysadmin.post('/api/v1/accounts', { name: '矩阵对象', login: `target${++seq}`, org });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}
async function freshAssignment(school, cls) {
  const r = await clients.secadmin.post('/api/v1/role-assignments', { account: await freshAccount(school), role: 'teacher', org: cls });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}
async function freshToken(org) {
  const r = await clients.city_admin.post('/api/v1/tokens', { name: `对象令牌${++seq}`, org, permissions: ['org.read'] });
  assert.equal(r.status, 201, r.text);
  return r.body.id;
}

before(async () => {
  srv = await startServer();
  const accounts = demoAccounts(srv.db);
  for (const role of Object.keys(accounts)) clients[role] = await signIn(srv.url, accounts[role]);
  doc = (await call(`${srv.url}/api/openapi.json`)).body;
  roles = Object.fromEntries((await clients.secadmin.get('/api/v1/roles')).body.roles.map((r) => [r.code, r]));
  // objects inside every demo account's reach (the teacher's class and its school) and outside
  const teacherOrgs = clients.teacher.me.roles.map((r) => r.org.id);
  ctx.classIn = teacherOrgs[0];
  const path = (await clients.city_admin.get(`/api/v1/orgs/${ctx.classIn}/path`)).body.items;
  ctx.schoolIn = path.find((o) => o.kind === 'school').id;
  ctx.gradeIn = path.find((o) => o.kind === 'grade').id;
  const district = path.find((o) => o.kind === 'district').id;
  const districts = (await clients.city_admin.get('/api/v1/orgs?kind=district')).body.items;
  const other = districts.find((d) => d.id !== district).id;
  ctx.schoolOut = (await clients.city_admin.get(`/api/v1/orgs?parent=${other}&kind=school`)).body.items[0].id;
  ctx.gradeOut = (await clients.city_admin.get(`/api/v1/orgs?parent=${ctx.schoolOut}&kind=grade`)).body.items[0].id;
  ctx.classOut = (await clients.city_admin.get(`/api/v1/orgs?parent=${ctx.gradeOut}`)).body.items[0].id;
  ctx.accIn = await freshAccount(ctx.schoolIn);
  ctx.accOut = await freshAccount(ctx.schoolOut);
  ctx.codeIn = (await clients.city_admin.get(`/api/v1/orgs/${ctx.schoolIn}`)).body.school_code;
  ctx.codeOut = (await clients.city_admin.get(`/api/v1/orgs/${ctx.schoolOut}`)).body.school_code;
  ctx.term = await created('/api/v1/terms', { school_year: '2030-2031', semester: '2', name: '矩阵学期', start_date: '2031-02-20', end_date: '2031-07-10' });
  ctx.in = await rosterFixtures(ctx.schoolIn, ctx.classIn);
  ctx.out = await rosterFixtures(ctx.schoolOut, ctx.classOut);
});
after(async () => { await srv.stop(); });

// What a permitted call on an object beyond the caller's reach gives.
// Items for the item-bank routes: a published one (shared, or fresh to retire),
// or a draft written by the calling role (submitted for review when asked).
async function itemBody(code) {
  return { ...(code ? { code } : {}), type: 'truefalse', stem: '矩阵判断题', answer: true, explanation: '解析',
    knowledge_points: [await kgPoint()], difficulty: 1, source: '数枢原创', score: 2 };
}
async function matrixItem(fresh = false) {
  if (!fresh && ctx.item) return ctx.item;
  const code = `MXI-${++seq}`;
  const r = await clients.city_admin.post('/api/v1/items/imports?publish=true', JSON.stringify(await itemBody(code)));
  assert.equal(r.status, 200, r.text);
  if (!fresh) ctx.item = code;
  return code;
}
async function ownItem(role, submitted = false) {
  const writer = roles[role].permissions.includes('items.write') ? role : 'teacher';
  const r = await clients[writer].post('/api/v1/items', await itemBody());
  assert.equal(r.status, 201, r.text);
  if (submitted) assert.equal((await clients[writer].post(`/api/v1/items/${r.body.id}/submit`)).status, 200);
  return r.body.id;
}

// Tasks for the assignment routes: made by the demo teacher in the class in reach, with a
// subjective item; published unless asked not to. sub: the demo student's submission, item:
// its task item, answer: the student's answer after submitting (when answered).
function taskBody(cls) {
  return { class: cls, kind: 'homework', title: `矩阵作业${++seq}`, items: ['RJM-I-01-015'] };
}
async function freshTask({ publish = true, answered = false } = {}) {
  const r = await clients.teacher.post('/api/v1/assign/tasks', taskBody(ctx.classIn));
  assert.equal(r.status, 201, r.text);
  const t = { task: r.body.id, item: r.body.items[0].id };
  if (!publish) return t;
  const p = await clients.teacher.post(`/api/v1/assign/tasks/${t.task}/publish`);
  assert.equal(p.status, 200, p.text);
  t.sub = (await clients.student.get('/api/v1/my/tasks')).body.items.find((x) => x.task === t.task).id;
  if (answered) {
    assert.equal((await clients.student.put(`/api/v1/my/tasks/${t.sub}/answers/${t.item}`, { response: '矩阵作答' })).status, 200);
    const s = await clients.student.post(`/api/v1/my/tasks/${t.sub}/submit`);
    assert.equal(s.status, 200, s.text);
    t.answer = s.body.items[0].student_answer.id;
  }
  t.otherSub = sql(srv.db, `SELECT s.uid FROM assign_submission s JOIN assign_task t ON t.id = s.task_id WHERE t.uid = '${t.task}' AND s.uid <> '${t.sub}' ORDER BY s.id LIMIT 1`);
  return t;
}
async function sharedTask() {
  if (!ctx.task) ctx.task = await freshTask({ answered: true });
  return ctx.task;
}
// The item offered to the demo student now, and one offered to a student of the school out
// of reach (made behind the server's back).
async function practiceOffer() {
  const r = await clients.student.get('/api/v1/my/practice/next?subject=14');
  assert.equal(r.status, 200, r.text);
  return r.body.item.id;
}
function otherOffer() {
  if (ctx.otherOffer) return ctx.otherOffer;
  const now = Date.now();
  const [sid, school, cls] = sql(srv.db, `SELECT s.id, s.school_id, e.class_id FROM student s JOIN enrollment e
    ON e.student_id = s.id AND e.exit_date IS NULL WHERE s.uid = '${ctx.out.student}' ORDER BY e.id LIMIT 1`).split('|');
  sql(srv.db, `INSERT INTO assign_task (uid, school_id, class_id, subject, kind, title, status, tiered, version, created_at, updated_at)
    VALUES ('mxpractice', ${school}, ${cls}, '14', 'practice', '自主练习', 'published', 1, 1, ${now}, ${now});
    INSERT INTO assign_submission (uid, school_id, task_id, student_id, status, registration, version, created_at, updated_at)
    SELECT 'mxpsub', ${school}, id, ${sid}, 'started', 'r', 1, ${now}, ${now} FROM assign_task WHERE uid = 'mxpractice';
    INSERT INTO assign_task_item (uid, school_id, task_id, item_version_id, ordinal, score, student_id, version, created_at, updated_at)
    SELECT 'mxpitem', ${school}, t.id, (SELECT MIN(id) FROM item_version WHERE status = 'published' AND type = 'single'), 1, 3, ${sid}, 1, ${now}, ${now}
    FROM assign_task t WHERE t.uid = 'mxpractice';`);
  ctx.otherOffer = 'mxpitem';
  return ctx.otherOffer;
}

// A task of the class out of reach: made in reach, then moved (with one submission, given to a
// student of that class) behind the server's back — no demo account teaches there.
async function outTask(fresh = false, publish = !fresh) {
  if (!fresh && ctx.outTask) return ctx.outTask;
  const t = await freshTask({ publish, answered: publish });
  const T = `(SELECT id FROM assign_task WHERE uid = '${t.task}')`;
  const SO = `(SELECT id FROM org_unit WHERE uid = '${ctx.schoolOut}')`;
  const CO = `(SELECT id FROM org_unit WHERE uid = '${ctx.classOut}')`;
  const keep = t.sub ? `'${t.sub}'` : "''";
  sql(srv.db, `DELETE FROM assign_answer WHERE submission_id IN (SELECT id FROM assign_submission WHERE task_id = ${T} AND uid <> ${keep});
    DELETE FROM assign_submission WHERE task_id = ${T} AND uid <> ${keep};
    UPDATE assign_answer SET school_id = ${SO} WHERE submission_id IN (SELECT id FROM assign_submission WHERE task_id = ${T});
    UPDATE assign_submission SET school_id = ${SO}, student_id = (SELECT e.student_id FROM enrollment e WHERE e.class_id = ${CO} AND e.exit_date IS NULL ORDER BY e.student_id LIMIT 1) WHERE task_id = ${T};
    UPDATE assign_task_item SET school_id = ${SO} WHERE task_id = ${T};
    UPDATE assign_task SET school_id = ${SO}, class_id = ${CO} WHERE id = ${T};`);
  if (!fresh) ctx.outTask = t;
  return t;
}

// Knowledge points for the kg routes: one shared point, or a fresh one (to change or remove).
function kgPointBody() {
  return { subject: '14', code: `MX-${++seq}`, name: '矩阵知识点', edition: '人教版（2012）', grade: 7, semester: '上', chapter: '矩阵章' };
}
async function kgPoint(fresh = false) {
  if (!fresh && ctx.kgPoint) return ctx.kgPoint;
  const r = await clients.city_admin.post('/api/v1/kg/points', kgPointBody());
  assert.equal(r.status, 201, r.text);
  if (!fresh) ctx.kgPoint = r.body.id;
  return r.body.id;
}

function expectRefused(r, outcome, where) {
  if (outcome === 'missing') {
    assert.equal(r.status, 404, where);
    assert.equal(r.body.error.code, 'not_found', where);
  } else if (outcome === 'unknown') {
    assert.equal(r.status, 400, where);
    assert.match(r.body.error.code, /^unknown_/, where);
  } else if (outcome === 'empty') { // a OneRoster collection: {"classes": []}
    assert.equal(r.status, 200, where);
    assert.ok(Object.values(r.body).every((v) => Array.isArray(v) && v.length === 0), where);
  } else if (outcome === 'rows') { // a file import: the row naming the school is refused
    assert.equal(r.status, 200, where);
    assert.equal(r.body.committed, false, where);
    assert.match(r.body.errors[0]?.code ?? '', /^unknown_/, where);
  } else if (outcome === 'forbidden') { // readable by all, written only from the city
    assert.equal(r.status, 403, where);
    assert.equal(r.body.error.code, 'forbidden', where);
  } else {
    assert.equal(r.status, 200, where);
    assert.deepEqual(r.body.items, [], where);
  }
}

function routes() {
  const out = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) out.push({ key: `${m.toUpperCase()} ${p}`, permission: op['x-permission'] });
  }
  return out;
}

test('every route has a matrix entry, and every entry a route', () => {
  const keys = routes().map((r) => r.key);
  const missing = keys.filter((k) => !requests[k]);
  assert.deepEqual(missing, [], `routes without an authorization-matrix entry: ${missing.join(', ')}`);
  const stale = Object.keys(requests).filter((k) => !keys.includes(k));
  assert.deepEqual(stale, [], `matrix entries for routes that no longer exist: ${stale.join(', ')}`);
  for (const r of routes()) {
    assert.ok(r.permission, `${r.key} declares no permission`);
    if (!['public', 'session', 'system.metrics'].includes(r.permission) && !CLIENT_ONLY.has(r.permission)) {
      assert.ok(Object.values(roles).some((role) => role.permissions.includes(r.permission)) || r.permission === 'role.grant_any',
        `${r.key}: no built-in role holds ${r.permission}`);
    }
  }
});

test('every built-in role against every route, in and out of reach', async () => {
  const all = routes().sort((a, b) => Number(!!requests[a.key].last) - Number(!!requests[b.key].last));
  const table = [];
  for (const route of all) {
    const spec = requests[route.key];
    const [method] = route.key.split(' ');
    for (const role of Object.keys(clients)) {
      const c = clients[role];
      const granted = route.permission === 'public' || route.permission === 'session' ||
        (route.permission === 'system.metrics' ? true /* loopback */ : roles[role].permissions.includes(route.permission));
      const inReq = await spec.in(ctx, role);
      const rin = await c.send(method, inReq.path, inReq.body);
      const where = `${role} ${route.key} (in reach) → ${rin.status} ${rin.text.slice(0, 160)}`;
      if (!granted) {
        assert.equal(rin.status, 403, where);
        assert.equal(rin.body.error.code, 'forbidden', where);
      } else if (spec.narrow && !reaches(role, spec.narrow.reach)) {
        expectRefused(rin, spec.narrow.outcome, where);
      } else if (spec.anyStatus) { // the handler ran: whatever it answered, the access layer let it through
        const code = rin.body?.error?.code;
        assert.ok(!['forbidden', 'unauthenticated', 'csrf_failed'].includes(code), where);
      } else {
        assert.ok(rin.status >= 200 && rin.status < 400, where);
      }
      let outcome = '-';
      if (spec.out) {
        const outReq = await spec.out(ctx);
        const rout = await c.send(method, outReq.path, outReq.body);
        const w = `${role} ${route.key} (out of reach) → ${rout.status} ${rout.text.slice(0, 160)}`;
        if (!granted) {
          assert.equal(rout.status, 403, w);
        } else if (CITY_WIDE.has(role)) {
          assert.ok(rout.status >= 200 && rout.status < 300, w); // the whole city is theirs
        } else {
          expectRefused(rout, spec.outcome, w);
        }
        outcome = rout.status;
      }
      table.push(`${route.key.padEnd(48)} ${role.padEnd(15)} ${granted ? 'allow' : 'deny '} ${rin.status} ${outcome}`);
    }
  }
  assert.equal(table.length, routes().length * Object.keys(clients).length);
  // the matrix as run, for people to read
  const file = path.join(root, 'build/test-output/authz-matrix.txt');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `route                                            role            expect in  out\n${table.join('\n')}\n`);
});
