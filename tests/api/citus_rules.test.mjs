// citus_rules.test.mjs — the rules that let a province distribute Shushu on Citus
// (docs/scale.md), checked over a freshly migrated schema (SQLite pragmas), the
// product's SQL strings and scripts/citus_distribute.sql, against the one list of
// table placements in src/store/distribution.json:
//   - every table is placed exactly once (per-school, reference or local);
//   - a per-school table carries school_id, in its primary key;
//   - a foreign key between per-school tables includes school_id; no reference or
//     local table points at a per-school one, no per-school table at a local one;
//   - SQL strings that read or change per-school tables name school_id (a ratchet:
//     the counts of those that do not may only go down);
//   - the distribution script names every table exactly once, as the list says.
// Exceptions are listed with a reason each and fail once they are no longer needed.
// The checker is shown to catch a key without school_id on a modified schema.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { cli, root, tmpdir, assertNoSanitizerReport, usePostgres, newDatabase, sql } from './harness.mjs';

const plan = JSON.parse(fs.readFileSync(path.join(root, 'src/store/distribution.json'), 'utf8'));
const perSchool = new Set(plan.per_school);
const reference = new Set(plan.reference);
const local = new Set(plan.local);
const postgresOnly = Object.keys(plan.postgres_only ?? {});

function sqlite(db, statement) {
  const r = spawnSync('sqlite3', ['-separator', '|', db, statement], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim() ? r.stdout.trim().split('\n').map((l) => l.split('|')) : [];
}

// {table: {columns, pk: [cols], fks: [{from: [cols], table, to: [cols]}]}} of an SQLite file
function readSchema(db) {
  const schema = {};
  for (const [t] of sqlite(db, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")) {
    const cols = sqlite(db, `SELECT name, pk FROM pragma_table_info('${t}')`);
    const fks = new Map();
    for (const [id, , table, from, to] of sqlite(db, `SELECT id, seq, "table", "from", "to" FROM pragma_foreign_key_list('${t}') ORDER BY id, seq`)) {
      if (!fks.has(id)) fks.set(id, { from: [], table, to: [] });
      fks.get(id).from.push(from);
      fks.get(id).to.push(to);
    }
    schema[t] = {
      columns: cols.map(([c]) => c),
      pk: cols.filter(([, pk]) => Number(pk) > 0).sort((a, b) => a[1] - b[1]).map(([c]) => c),
      fks: [...fks.values()],
    };
  }
  return schema;
}

// The rule violations of a schema, as strings; the exceptions that were used.
export function citusViolations(schema, exceptions = { primary_key: {}, foreign_key: {} }) {
  const out = [];
  const used = new Set();
  for (const [t, s] of Object.entries(schema)) {
    if (!perSchool.has(t)) continue;
    if (!s.columns.includes('school_id')) out.push(`${t}: no school_id column`);
    if (!s.pk.includes('school_id')) {
      if (exceptions.primary_key[t]) used.add(`primary_key:${t}`);
      else out.push(`${t}: primary key (${s.pk.join(', ')}) lacks school_id`);
    }
  }
  for (const [t, s] of Object.entries(schema)) {
    for (const fk of s.fks) {
      const name = `${t}.${fk.from.join('+')}`;
      if (perSchool.has(t) && perSchool.has(fk.table) && !(fk.from.includes('school_id') && fk.to.includes('school_id'))) {
        if (exceptions.foreign_key[name]) used.add(`foreign_key:${name}`);
        else out.push(`${name} → ${fk.table}: a key between per-school tables lacks school_id`);
      }
      if (!perSchool.has(t) && perSchool.has(fk.table)) out.push(`${name} → ${fk.table}: a ${reference.has(t) ? 'reference' : 'local'} table points at a per-school table`);
      if (perSchool.has(t) && local.has(fk.table)) out.push(`${name} → ${fk.table}: a per-school table points at a local table`);
    }
  }
  return { violations: out, used };
}

let schema;
before(() => {
  const dir = tmpdir();
  const db = path.join(dir, 'fresh.db');
  const r = cli(['migrate', '--db', db, '--create']);
  assert.equal(r.status, 0, r.stderr);
  assertNoSanitizerReport(r.stderr);
  schema = readSchema(db);
  fs.rmSync(dir, { recursive: true, force: true });
});

// The tables of the schema: SQLite's, and those PostgreSQL alone has.
const allTables = () => [...Object.keys(schema), ...postgresOnly].sort();

test('every table is placed exactly once, and only tables that exist', () => {
  const placed = [...plan.per_school, ...plan.reference, ...plan.local];
  assert.equal(new Set(placed).size, placed.length, 'a table is placed twice');
  assert.deepEqual([...placed].sort(), allTables());
  for (const t of postgresOnly) assert.ok(!schema[t] && plan.postgres_only[t].length > 10, `${t}: PostgreSQL only, with a reason`);
  for (const t of plan.per_school) assert.ok(schema[t].columns.includes('school_id'), `${t} has school_id`);
});

test('per-school tables carry school_id in their keys and in keys between them (listed exceptions aside)', () => {
  const { violations, used } = citusViolations(schema, plan.exceptions);
  assert.deepEqual(violations, []);
  const listed = [
    ...Object.keys(plan.exceptions.primary_key).map((t) => `primary_key:${t}`),
    ...Object.keys(plan.exceptions.foreign_key).map((f) => `foreign_key:${f}`),
  ];
  assert.deepEqual(listed.filter((e) => !used.has(e)), [], 'exceptions no longer needed: remove them from distribution.json');
  for (const reason of [...Object.values(plan.exceptions.primary_key), ...Object.values(plan.exceptions.foreign_key)]) {
    assert.ok(reason.length > 10, 'each exception says why');
  }
});

test('the checker fails when school_id is dropped from a key (modified schema)', () => {
  const good = {
    student: { columns: ['school_id', 'id', 'name'], pk: ['school_id', 'id'], fks: [] },
    enrollment: {
      columns: ['school_id', 'id', 'student_id'], pk: ['school_id', 'id'],
      fks: [{ from: ['school_id', 'student_id'], table: 'student', to: ['school_id', 'id'] }],
    },
  };
  assert.deepEqual(citusViolations(good).violations, []);
  const noKey = structuredClone(good);
  noKey.student.pk = ['id'];
  assert.deepEqual(citusViolations(noKey).violations, ['student: primary key (id) lacks school_id']);
  const noRef = structuredClone(good);
  noRef.enrollment.fks[0] = { from: ['student_id'], table: 'student', to: ['id'] };
  assert.match(citusViolations(noRef).violations.join('\n'), /enrollment\.student_id → student: a key between per-school tables lacks school_id/);
  const noColumn = structuredClone(good);
  noColumn.student.columns = ['id', 'name'];
  noColumn.student.pk = ['id'];
  assert.equal(citusViolations(noColumn).violations.length, 2);
  // and on a real schema: the migrated one with school_id taken out of a compliant copy of student's key
  const real = structuredClone(schema);
  real.student.pk = ['school_id', 'id'];
  const withKey = citusViolations(real, plan.exceptions);
  assert.ok(!withKey.used.has('primary_key:student'), 'a compliant key needs no exception');
  real.student.pk = ['id'];
  assert.deepEqual(citusViolations(real, { primary_key: {}, foreign_key: {} }).violations.filter((v) => v.startsWith('student:')),
    ['student: primary key (id) lacks school_id']);
});

// SQL strings of the product: adjacent C string literals joined.
function sqlStrings() {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.c')) {
        const text = fs.readFileSync(p, 'utf8');
        const re = /"(?:[^"\\\n]|\\.)*"(?:\s*"(?:[^"\\\n]|\\.)*")*/g;
        for (const m of text.matchAll(re)) {
          const joined = m[0].replace(/"\s*"/g, '').slice(1, -1);
          if (/^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b/i.test(joined)) out.push({ file: path.relative(root, p), sql: joined });
        }
      }
    }
  };
  walk(path.join(root, 'src'));
  return out;
}

test('SQL of per-school tables names school_id (the count of those that do not only goes down)', () => {
  const counts = {};
  for (const { sql } of sqlStrings()) {
    if (/school_id/.test(sql)) continue;
    for (const t of perSchool) {
      if (new RegExp(`\\b(FROM|JOIN|UPDATE|INTO)\\s+${t}\\b`, 'i').test(sql)) counts[t] = (counts[t] ?? 0) + 1;
    }
  }
  const allowed = plan.sql_without_school_id ?? {};
  for (const t of perSchool) {
    const have = counts[t] ?? 0;
    const may = allowed[t] ?? 0;
    assert.ok(have <= may, `${t}: ${have} SQL strings without school_id, at most ${may} allowed — filter by school_id`);
    assert.equal(have, may, `${t}: only ${have} SQL strings without school_id now — lower sql_without_school_id.${t} to ${have}`);
  }
});

test('scripts/citus_distribute.sql places every table exactly once, as distribution.json says', () => {
  const script = fs.readFileSync(path.join(root, 'scripts/citus_distribute.sql'), 'utf8').replace(/--.*$/gm, '');
  const calls = [...script.matchAll(/(create_reference_table|create_distributed_table|citus_add_local_table_to_metadata)\(\s*'([a-z_]+)'([^)]*)\)/g)];
  const named = calls.map((m) => m[2]);
  assert.equal(new Set(named).size, named.length, 'a table is named twice');
  assert.deepEqual([...named].sort(), allTables());
  for (const [, fn, t, rest] of calls) {
    if (perSchool.has(t)) {
      assert.equal(fn, 'create_distributed_table', t);
      assert.match(rest, /'school_id'/, `${t} is distributed by school_id`);
      assert.match(rest, /colocate_with\s*=>\s*'(student|none)'/, `${t} is co-located with student`);
    } else if (reference.has(t)) assert.equal(fn, 'create_reference_table', t);
    else assert.equal(fn, 'citus_add_local_table_to_metadata', t);
  }
});

// On PostgreSQL: the tables of a freshly migrated database, partitioned parents
// counted once and their partitions not at all, are the placed ones; the
// partitioned tables are the event tables, kept on the coordinator.
test('on PostgreSQL the placed tables are the schema\'s, partitions following their parent', { skip: usePostgres ? false : 'PostgreSQL store only (SHUSHU_TEST_DB=postgres)' }, async () => {
  const dir = tmpdir();
  const db = await newDatabase(dir);
  const r = cli(['migrate', '--db', db, '--create']);
  assert.equal(r.status, 0, r.stderr);
  const tables = sql(db, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY 1").split('\n');
  assert.deepEqual(tables, [...plan.per_school, ...plan.reference, ...plan.local].sort());
  const partitioned = sql(db, "SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'p' ORDER BY 1").split('\n');
  assert.deepEqual(partitioned, ['audit_log', 'change_log', 'xapi_statement']);
  for (const t of partitioned) assert.ok(local.has(t), `${t} stays on the coordinator`);
  fs.rmSync(dir, { recursive: true, force: true });
});
