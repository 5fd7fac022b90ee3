// signin.mjs — signs in as a demo account for the benchmarks and prints
// "COOKIE TARGET": the session cookie, and the public id of an org inside the
// account's reach (the first school it can see, or with KIND the first org of
// that kind, e.g. class) for the scoped GET.
// Usage: node bench/signin.mjs URL DB ROLE [KIND]
import fs from 'node:fs';
import crypto from 'node:crypto';

const [url, db, role, kind = 'school'] = process.argv.slice(2);
const text = fs.readFileSync(`${db}.accounts.csv`, 'utf8').replace(/^\uFEFF/, '');
const [head, ...rows] = text.trim().split('\n');
const cols = head.split(',');
const acct = rows.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v.replace(/^"|"$/g, '')])))
  .find((r) => r.role === role);

function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...secret].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = crypto.createHmac('sha1', key).update(msg).digest();
  const o = mac[19] & 15;
  return String((mac.readUInt32BE(o) & 0x7fffffff) % 1e6).padStart(6, '0');
}

const post = (path, body, headers = {}) => fetch(`${url}${path}`, {
  method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body),
});
const r = await post('/api/v1/auth/login', { login: acct.login, password: acct.password });
const me = await r.json();
const cookie = r.headers.get('set-cookie').split(';')[0];
if (me.stage === 'mfa') {
  const v = await post('/api/v1/auth/mfa/verify', { code: totp(acct.totp_secret) }, { cookie, 'x-csrf-token': me.csrf_token });
  if (v.status !== 200) throw new Error(`second factor refused: ${await v.text()}`);
}
const orgs = await (await fetch(`${url}/api/v1/orgs?kind=${kind}&limit=1`, { headers: { cookie } })).json();
console.log(`${cookie} ${orgs.items[0].id}`);
