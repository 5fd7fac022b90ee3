// pg.mjs — a throwaway PostgreSQL 15 cluster for the API tests on PostgreSQL
// (SHUSHU_TEST_DB=postgres): initdb in a temporary folder, pg_ctl start on a free
// loopback port, one fresh database per call of createDatabase(), and the cluster
// stopped and removed when the test process exits. As root, the server runs as
// the unprivileged `postgres` user (PostgreSQL refuses to run as root).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';

export const usePostgres = process.env.SHUSHU_TEST_DB === 'postgres';
const pgBin = process.env.SHUSHU_PG_BIN || '/usr/lib/postgresql/15/bin';
const asRoot = process.getuid && process.getuid() === 0;

let cluster = null; // {dir, port}
let databases = 0;

function runAsServerUser(cmd, args) {
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const r = spawnSync(file, argv, { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function stopCluster() {
  if (!cluster) return;
  const { dir } = cluster;
  cluster = null;
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', `${pgBin}/pg_ctl`, '-D', `${dir}/data`, '-m', 'immediate', 'stop']]
    : [`${pgBin}/pg_ctl`, ['-D', `${dir}/data`, '-m', 'immediate', 'stop']];
  spawnSync(file, argv, { stdio: 'ignore', timeout: 60000 });
  // SHUSHU_PG_LOG=FILE keeps the server's log (failed statements are in it)
  if (process.env.SHUSHU_PG_LOG) fs.appendFileSync(process.env.SHUSHU_PG_LOG, fs.readFileSync(`${dir}/server.log`));
  fs.rmSync(dir, { recursive: true, force: true });
}

async function startCluster() {
  if (cluster) return cluster;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shushu-pg-'));
  if (asRoot) spawnSync('chown', ['postgres:postgres', dir]);
  runAsServerUser(`${pgBin}/initdb`, ['-D', `${dir}/data`, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8',
    '--locale=C.UTF-8', '--no-sync']);
  const port = await freePort();
  // fsync off: a test cluster is thrown away; its durability is not what is tested
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`
    + ' -c full_page_writes=off -c max_connections=200';
  runAsServerUser(`${pgBin}/pg_ctl`, ['-D', `${dir}/data`, '-o', opts, '-l', `${dir}/server.log`, '-w', 'start']);
  cluster = { dir, port };
  process.on('exit', stopCluster);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopCluster(); process.exit(1); });
  return cluster;
}

// The URL of a new, empty database on the test cluster (started on first use).
export async function createDatabase() {
  const { port } = await startCluster();
  const name = `shushu_${process.pid}_${++databases}`;
  psql(`postgres://postgres@127.0.0.1:${port}/postgres`, `CREATE DATABASE ${name}`);
  return `postgres://postgres@127.0.0.1:${port}/${name}`;
}

// Run SQL through psql as an operator with database access could; unaligned rows,
// columns separated by '|' (as the sqlite3 shell prints them).
export function psql(url, statement) {
  const r = spawnSync('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', statement],
    { encoding: 'utf8', maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
}
