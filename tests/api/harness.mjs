// harness.mjs — starts a real `shushu serve` for the API tests: a fresh demo (or
// empty) database in a temporary folder, a free loopback port, the sanitizer build
// by default. stop() sends SIGTERM and checks a clean exit without sanitizer reports.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const bin = path.resolve(root, process.env.SHUSHU_BIN || 'build/asan/shushu');
const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' };

export function tmpdir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'shushu-api-'));
}

// Run the command line; returns {status, stdout, stderr}.
export function cli(args, opts = {}) {
  const r = spawnSync(bin, args, { encoding: 'utf8', env, cwd: root, timeout: 120000, ...opts });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function assertNoSanitizerReport(text) {
  assert.doesNotMatch(text, /AddressSanitizer|LeakSanitizer|runtime error:/, text);
}

export async function startServer({ demo = true, dir = tmpdir(), extraArgs = [] } = {}) {
  const db = path.join(dir, 'shushu.db');
  if (!fs.existsSync(db)) {
    const made = demo ? cli(['demo', '--db', db]) : cli(['migrate', '--create', '--db', db]);
    assert.equal(made.status, 0, made.stderr);
  }
  const proc = spawn(bin, ['serve', '--db', db, '--listen', '127.0.0.1:0',
    '--access-log', path.join(dir, 'access.log'), ...extraArgs], { env, cwd: root });
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

// fetch returning {status, headers, body (parsed JSON when JSON), text}
export async function call(url, init = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init });
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
