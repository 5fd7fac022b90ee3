// harness.mjs — starts a real `shushu serve` for the API tests: a fresh demo (or
// empty) database in a temporary folder, a free loopback port, the sanitizer build
// by default. stop() sends SIGTERM and checks a clean exit without sanitizer reports.
// With SHUSHU_TEST_DB=postgres every database is a fresh one on a throwaway
// PostgreSQL cluster (pg.mjs); its key file and demo accounts stay in the folder.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { usePostgres, createDatabase, psql } from './pg.mjs';

export { usePostgres };

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = path.resolve(root, process.env.SHUSHU_BIN || 'build/asan/shushu');
const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' };

// Passwords `shushu init` is given for sysadmin, secadmin and auditadmin in tests.
export const ADMIN_PASSWORDS = ['Sys#Admin2026x', 'Sec#Admin2026y', 'Aud#Admin2026z'];

export function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shushu-api-'));
}

// `shushu demo` fills every school with staff, students and families by default
// (about 30 s, minutes under the sanitizers). The tests fill only the two schools
// of the demo accounts (about 1,000 students with their staff and families, a few
// seconds), so every route meets a populated roster, unless SHUSHU_DEMO_PEOPLE
// says otherwise (all | school | none).
const demoPeople = process.env.SHUSHU_DEMO_PEOPLE || 'school';

// PostgreSQL databases of this process: URL → the file path standing for it in the
// folder (its key file is PATH.key, the demo accounts PATH.accounts.csv).
const pgFiles = new Map();
const serverDbs = new Map(); // folder → its database, so a restart in a folder reuses it

// A new database: the SQLite file dir/name, or on PostgreSQL a fresh database whose
// key file and accounts live at dir/name.key and dir/name.accounts.csv.
export async function newDatabase(dir, name = 'shushu.db') {
  const file = path.join(dir, name);
  if (!usePostgres) return file;
  const url = await createDatabase();
  pgFiles.set(url, file);
  if (name === 'shushu.db') serverDbs.set(dir, url); // the one startServer({dir}) serves
  return url;
}

// The file beside which a database's key and accounts are kept.
export function dbFile(db) { return pgFiles.get(db) ?? db; }

// Run the command line; returns {status, stdout, stderr}.
export function cli(args, opts = {}) {
  if (args[0] === 'demo' && !args.some((a) => a === '--people' || a.startsWith('--people='))) {
    args = [...args, '--people', demoPeople];
  }
  const at = args.indexOf('--db');
  if (at >= 0 && pgFiles.has(args[at + 1]) && !args.includes('--keys')) {
    args = [...args, '--keys', `${pgFiles.get(args[at + 1])}.key`];
  }
  const r = spawnSync(bin, args, { encoding: 'utf8', env, cwd: root, timeout: 120000, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function assertNoSanitizerReport(text) {
  assert.doesNotMatch(text, /AddressSanitizer|LeakSanitizer|runtime error:/, text);
}

// db: serve this existing database (an SQLite file or a URL from newDatabase)
// instead of the folder's own.
export async function startServer({ demo = true, dir = tmpdir(), extraArgs = [], db: given } = {}) {
  let db = given ?? serverDbs.get(dir) ?? path.join(dir, 'shushu.db');
  if (!given && (usePostgres ? !serverDbs.has(dir) : !fs.existsSync(db))) {
    db = await newDatabase(dir);
    let made;
    if (demo) made = cli(['demo', '--db', db]);
    else {
      const pw = path.join(dir, 'admin-passwords');
      fs.writeFileSync(pw, `${ADMIN_PASSWORDS.join('\n')}\n`, { mode: 0o600 });
      made = cli(['init', '--db', db, '--city-name', '测试市', '--region-code', '370700', '--password-file', pw]);
    }
    assert.equal(made.status, 0, made.stderr);
  }
  const keys = usePostgres && !extraArgs.includes('--keys') && pgFiles.has(db) ? ['--keys', `${dbFile(db)}.key`] : [];
  const proc = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0',
    '--access-log', path.join(dir, 'access.log'), ...keys, ...extraArgs], { env, cwd: root });
  let stdout = '';
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30000);
    proc.stdout.on('data', (d) => {
      stdout += d;
      const m = stdout.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) { clearTimeout(timer); resolve(`http://127.0.0.1:${m[1]}`); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    url, dir, db, proc,
    get stderr() { return stderr; },
    async stop() {
      proc.kill('SIGTERM');
      const { code } = await exited;
      assert.equal(code, 0, `server exit code ${code}\n${stderr}`);
      assertNoSanitizerReport(stderr);
    },
  };
}

// fetch, sent again once when a kept-alive connection turns out to have been
// closed by the server before the request reached it — as browsers do. A test
// that blocks the event loop (spawnSync of the CLI) for longer than the
// server's idle timeout leaves such a connection in the client's pool.
const CLOSED_SOCKET = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);
export async function httpFetch(url, init = {}) {
  try {
    return await fetch(url, init);
  } catch (err) {
    if (!CLOSED_SOCKET.has(err?.cause?.code)) throw err;
    return fetch(url, init);
  }
}

// fetch returning {status, headers, body (parsed JSON when JSON), text}
export async function call(url, init = {}) {
  const res = await httpFetch(url, { redirect: 'manual', ...init });
  const text = await res.text();
  let body = null;
  if ((res.headers.get('content-type') || '').includes('json') && text) body = JSON.parse(text);
  return { status: res.status, headers: res.headers, body, text };
}

// The documented error body: {"error":{"code","message"(Chinese),…}}
export function assertError(r, status, code, field) {
  assert.equal(r.status, status, r.text);
  assert.ok(r.body && r.body.error, `no error body: ${r.text}`);
  assert.equal(r.body.error.code, code, r.text);
  assert.match(r.body.error.message, /[\u4e00-\u9fff]/, 'message should be Chinese');
  if (field) assert.equal(r.body.error.field, field, r.text);
}

// ---- signing in ---------------------------------------------------------

// RFC 6238 code for a base32 secret at a time step (30 s); step defaults to now.
export function totp(secretB32, step = Math.floor(Date.now() / 30000)) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secretB32.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const off = mac[mac.length - 1] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1e6).padStart(6, '0');
}

// The demo accounts `shushu demo` wrote beside the database, in its order.
function demoAccountRows(db) {
  const text = fs.readFileSync(`${dbFile(db)}.accounts.csv`, 'utf8').replace(/^\uFEFF/, '');
  const [header, ...lines] = text.trim().split('\n');
  const cols = header.split(',');
  return lines.map((line) => {
    const vals = line.match(/("([^"]|"")*"|[^,]*)(,|$)/g).map((v) => v.replace(/,$/, '').replace(/^"|"$/g, '').replace(/""/g, '"'));
    return Object.fromEntries(cols.map((c, i) => [c, vals[i]]));
  });
}

// The demo accounts by role: the first account of each role (the 高中 ones; the
// 初中 maths teacher and student of the teaching loop come later, see demoLogins).
export function demoAccounts(db) {
  const out = {};
  for (const row of demoAccountRows(db)) out[row.role] ??= row;
  return out;
}

// Every demo account by login (math.teacher, junior.student, …).
export function demoLogins(db) {
  return Object.fromEntries(demoAccountRows(db).map((row) => [row.login, row]));
}

// Portal accounts for up to n more students of the class of a demo student
// account (login), made as an operator with file access could: each a copy of
// that account (its password, organisation and student role) for the student's
// own person. Returns [{login, password, name, student (public id)}], class order.
export function classmateAccounts(db, login, n) {
  const acct = demoLogins(db)[login];
  const q = login.replaceAll("'", "''");
  const rows = sql(db, `SELECT s.person_id || '|' || s.uid || '|' || s.name FROM student s
    JOIN enrollment e ON e.student_id = s.id AND e.exit_date IS NULL
    WHERE e.class_id = (SELECT r.org_id FROM role_assignment r JOIN account a ON a.id = r.account_id
      WHERE a.login = '${q}' AND r.role = 'student')
    AND s.person_id NOT IN (SELECT person_id FROM account) ORDER BY s.id LIMIT ${Number(n)}`);
  const uid = () => [...crypto.randomBytes(26)].map((b) => '0123456789abcdefghjkmnpqrstvwxyz'[b & 31]).join('');
  return (rows ? rows.split('\n') : []).map((line, i) => {
    const [person, student, name] = line.split('|');
    const made = `${login}.${i + 2}`;
    sql(db, `INSERT INTO account (uid, person_id, login, login_key, password_hash, must_change_password,
        password_changed_at, created_at, updated_at, org_id)
      SELECT '${uid()}', ${Number(person)}, '${made}', '${made}', password_hash, 0, password_changed_at, created_at,
        updated_at, org_id FROM account WHERE login = '${q}';
      INSERT INTO role_assignment (uid, account_id, role, org_id, created_at, updated_at)
      SELECT '${uid()}', (SELECT id FROM account WHERE login = '${made}'), r.role, r.org_id, r.created_at, r.updated_at
      FROM role_assignment r JOIN account a ON a.id = r.account_id WHERE a.login = '${q}';`);
    return { login: made, password: acct.password, name, student };
  });
}

// A TOTP step not used yet for this login: the server accepts each step once per
// account (replay protection) and only now±1, so wait for the next step if needed.
// The previous step is taken only while it stays good for 10 s more: on a loaded
// machine the code may reach the server a few seconds after it was made.
const usedSteps = new Map();
export async function freshStep(loginName) {
  for (;;) {
    const now = Math.floor(Date.now() / 30000);
    const oldest = 30000 - (Date.now() % 30000) > 10000 ? now - 1 : now;
    const s = Math.max(oldest, (usedSteps.get(loginName) ?? -Infinity) + 1);
    if (s <= now + 1) { usedSteps.set(loginName, s); return s; }
    await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 50));
  }
}

// A signed-in browser-like client: keeps the session cookie, sends the CSRF token
// on writes.
export async function signIn(url, acct) {
  const r = await call(`${url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ login: acct.login, password: acct.password }),
  });
  assert.equal(r.status, 200, r.text);
  const cookie = (r.headers.get('set-cookie') || '').split(';')[0];
  const client = session(url, cookie, r.body.csrf_token);
  client.me = r.body;
  if (r.body.stage === 'mfa') {
    const v = await client.post('/api/v1/auth/mfa/verify', { code: totp(acct.totp_secret, await freshStep(acct.login)) });
    assert.equal(v.status, 200, v.text);
    client.me = v.body;
  }
  return client;
}

export function session(url, cookie, csrf) {
  const send = (method, path, body, headers = {}) => call(`${url}${path}`, {
    method,
    headers: {
      cookie, ...(method !== 'GET' && csrf ? { 'x-csrf-token': csrf } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    cookie, csrf,
    get: (path, headers) => send('GET', path, undefined, headers),
    post: (path, body, headers) => send('POST', path, body, headers),
    put: (path, body, headers) => send('PUT', path, body, headers),
    patch: (path, body, headers) => send('PATCH', path, body, headers),
    del: (path, headers) => send('DELETE', path, undefined, headers),
    send,
  };
}

// Change the store behind the server's back (to age a session or a password):
// the sqlite3 shell, as an operator with file access could; psql on PostgreSQL
// (group_concat becomes string_agg, and booleans print as 1 and 0 as SQLite's do).
export function sql(db, statement) {
  if (pgFiles.has(db)) {
    const out = psql(db, statement.replace(/group_concat\(/gi, 'string_agg('));
    return out.split('\n').map((l) => l.split('|').map((v) => (v === 't' ? '1' : v === 'f' ? '0' : v)).join('|')).join('\n');
  }
  const r = spawnSync('sqlite3', ['-cmd', '.timeout 5000', db, statement], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}

// Everything the database holds, as text (the sqlite3 shell's .dump; pg_dump).
export function dump(db) {
  if (!pgFiles.has(db)) return sql(db, '.dump');
  const r = spawnSync('pg_dump', ['--no-owner', '-d', db], { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.replace(/^\\(un)?restrict .*$/gm, ''); // a random key per dump, not data
}

// A valid 18-character ID number (GB 11643) for a county, birth date and sequence.
export function idNumber(region, birth, seq) {
  const first = `${region}${birth.replaceAll('-', '')}${String(seq).padStart(3, '0')}`;
  const w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...first].reduce((s, d, i) => s + Number(d) * w[i], 0);
  return first + '10X98765432'[sum % 11];
}

// The care and support counts (GET /api/v1/student-flags) counted from a national
// registry form exported in clear (CSV text): {rows, counts}. The flags are encrypted
// at rest, so this file is the raw record the tests count them from.
export function formCareCounts(text) {
  const [head, ...rows] = parse(text, { bom: true, relax_column_count: false });
  const n = (h, test) => rows.filter((x) => test(x[head.indexOf(h)])).length;
  return {
    rows: rows.length,
    counts: {
      left_behind_single: n('是否留守儿童', (v) => v === '1'),
      left_behind_both: n('是否留守儿童', (v) => v === '2'),
      migrant_child: n('是否进城务工人员随迁子女', (v) => v === '1'),
      orphan: n('是否孤儿', (v) => v === '1'),
      disabled: n('残疾类型', (v) => v !== ''),
      inclusive: n('随班就读', (v) => v === '1'),
      needs_aid: n('是否需要申请资助', (v) => v === '1'),
      school_bus: n('是否需要乘坐校车', (v) => v === '1'),
    },
  };
}
