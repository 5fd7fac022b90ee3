// xapi_client.mjs — registers an LRS client for the xAPI benchmark: signs in as the
// city administrator (with the second factor) and prints "BASIC_AUTH STUDENT_UID":
// the Authorization header value of a read-and-write client at the city node and the
// opaque uid of a student the statements are about.
// Usage: node bench/xapi_client.mjs URL DB
import { execFileSync } from 'node:child_process';

const [url, db] = process.argv.slice(2);
const cookie = execFileSync('node', [new URL('./signin.mjs', import.meta.url).pathname, url, db, 'city_admin', 'city'], { encoding: 'utf8' })
  .trim().split(' ')[0];
const me = await (await fetch(`${url}/api/v1/auth/me`, { headers: { cookie } })).json();
const city = (await (await fetch(`${url}/api/v1/orgs?kind=city&limit=1`, { headers: { cookie } })).json()).items[0].id;
const r = await fetch(`${url}/api/v1/xapi/clients`, {
  method: 'POST',
  headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': me.csrf_token },
  body: JSON.stringify({ name: '性能测试', org: city, read: true, write: true }),
});
if (r.status !== 201) throw new Error(`client not registered: ${r.status} ${await r.text()}`);
const client = await r.json();
const students = await (await fetch(`${url}/api/v1/students?limit=1`, { headers: { cookie } })).json();
console.log(`Basic ${Buffer.from(`${client.key}:${client.secret}`).toString('base64')} ${students.items[0].person}`);
