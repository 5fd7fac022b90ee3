// Thin helpers for the roster pages: the data dictionary and code tables (cached per page
// load), names of organisations and records a row points to, list URLs with filters, and
// the import, lifecycle and approval calls. Everything goes through ./http.js.
import { reactive } from 'vue'
import { getJSON, postJSON, request } from './http.js'
import { useAuthStore } from '../stores/auth.js'

const memo = new Map()
function once(key, load) {
  if (!memo.has(key)) {
    const p = load()
    p.catch(() => memo.delete(key)) // a failed load is tried again next time
    memo.set(key, p)
  }
  return memo.get(key)
}

/** Query string of the non-empty params, e.g. qs({a: 1, b: ''}) → "?a=1". */
export function qs(params = {}) {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, String(v))
  const s = u.toString()
  return s ? `?${s}` : ''
}

/** Field declarations of an entity (GET /api/v1/dictionary/{entity}): {label, fields: [...]}. */
export function dictionary(entity) {
  return once(`dict:${entity}`, () => getJSON(`/api/v1/dictionary/${entity}`))
}

/** Code → name of a code table, all pages (tables used by the roster hold at most a few hundred codes). */
export function codeMap(table) {
  return once(`codes:${table}`, async () => {
    const map = new Map()
    let cursor = ''
    for (let i = 0; i < 10; i++) {
      const page = await getJSON(`/api/v1/codes/${table}/items${qs({ limit: 500, cursor })}`)
      for (const it of page.items) map.set(it.code, it.name)
      if (!page.next_cursor) break
      cursor = page.next_cursor
    }
    return map
  })
}

/** Code → name per code table, filled in as tables arrive (reactive): codeNames[table][code]. */
export const codeNames = reactive({})

/** Load a code table into `codeNames` once. */
export function loadCodes(table) {
  if (!table || codeNames[table]) return Promise.resolve()
  return codeMap(table).then((m) => (codeNames[table] = Object.fromEntries(m)), () => {})
}

/** Names of things rows point to, filled in as they arrive (reactive, so tables update). */
export const names = reactive({})

/** Remember names already known (e.g. from a list of organisations). */
export function rememberNames(items) {
  for (const it of items) if (it && it.id && it.name) names[it.id] = it.name
}

// The paths of the account's own role nodes: they name everything above them (a head
// teacher may not read their school's node, yet sees its name on the way to their class).
let rolePaths = null
function primeRolePaths() {
  if (!rolePaths) {
    const auth = useAuthStore()
    const roles = (auth.me && auth.me.roles) || []
    rolePaths = Promise.all(roles.filter((r) => r.org).map((r) => orgPath(r.org.id).catch(() => [])))
  }
  return rolePaths
}

/** Path from the top to an org node as far as the account's role paths know it, or []. */
export async function knownPath(id) {
  for (const p of await primeRolePaths()) {
    const i = p.findIndex((o) => o.id === id)
    if (i >= 0) return p.slice(0, i + 1)
  }
  return []
}

/** Load the name of an organisation (school, class, …) once; shown through `names`. */
export function loadOrgName(id) {
  if (!id || names[id]) return
  primeRolePaths().then(() => {
    if (names[id]) return
    once(`org:${id}`, () => getJSON(`/api/v1/orgs/${id}`)).then((o) => (names[id] = o.name), () => {})
  })
}

/** Load the (masked) name of a student once. */
export function loadStudentName(id) {
  if (!id || names[id]) return
  once(`student:${id}`, () => getJSON(`/api/v1/students/${id}`)).then((s) => (names[id] = s.name), () => {})
}

/** Staff of each school loaded so far: staffOf[school] = [{id, label}] (reactive). */
export const staffOf = reactive({})

/** Load the staff of a school once (to name head teachers); one list, no request per row. */
export function loadSchoolStaff(school) {
  if (!school) return
  once(`staff:${school}`, async () => {
    const list = []
    let cursor = ''
    for (let i = 0; i < 20; i++) {
      const page = await getJSON(`/api/v1/staff${qs({ school, limit: 500, cursor })}`)
      for (const s of page.items) {
        names[s.id] = `${s.name}（${s.staff_number || '无工号'}）`
        list.push({ id: s.id, label: names[s.id] })
      }
      if (!page.next_cursor) break
      cursor = page.next_cursor
    }
    staffOf[school] = list
  }).catch(() => {})
}

/** Children of an org node (all pages). */
export async function orgChildren(parent, kind) {
  const out = []
  let cursor = ''
  for (let i = 0; i < 20; i++) {
    const page = await getJSON(`/api/v1/orgs${qs({ parent, kind, limit: 500, cursor })}`)
    out.push(...page.items)
    if (!page.next_cursor) break
    cursor = page.next_cursor
  }
  rememberNames(out)
  return out
}

/** Path from the top to an org node, for breadcrumbs: [{id, kind, name}]. */
export function orgPath(id) {
  return once(`path:${id}`, async () => {
    const r = await getJSON(`/api/v1/orgs/${id}/path`)
    rememberNames(r.items)
    return r.items
  })
}

/** The classes of a school, grouped by grade: [{grade, classes: [...]}]. */
export async function schoolClasses(school) {
  const grades = await orgChildren(school, 'grade')
  return Promise.all(grades.map(async (g) => ({ grade: g, classes: await orgChildren(g.id, 'class') })))
}

export const getRecord = (path, id, unmaskReason) => getJSON(`${path}/${id}${qs({ unmask_reason: unmaskReason })}`)
export const patchRecord = (path, id, body) => request(`${path}/${id}`, { method: 'PATCH', body })
export const getHistory = (path, id) => getJSON(`${path}/${id}/history`)
export const getPerson = (id, unmaskReason) => getJSON(`/api/v1/persons/${id}${qs({ unmask_reason: unmaskReason })}`)

// ---- imports ------------------------------------------------------------------------------

const FILE_TYPES = { csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' }

/** Start an import in the background (dry run or commit); answers the job {id, state}. */
export function startImport(kind, file, dryRun) {
  const ext = (file.name.split('.').pop() || '').toLowerCase()
  return request(`/api/v1/imports/${kind}${qs({ dry_run: dryRun ? 'true' : '', async: 'true' })}`, {
    method: 'POST',
    body: file,
    headers: { 'Content-Type': FILE_TYPES[ext] || 'application/octet-stream' },
  })
}
export const getImport = (id) => getJSON(`/api/v1/imports/${id}`)

// ---- lifecycle and approvals --------------------------------------------------------------

export const submitChange = (body) => postJSON('/api/v1/student-changes', body)
export const submitPromotion = (body) => postJSON('/api/v1/promotions', body)
export const getApproval = (id) => getJSON(`/api/v1/approvals/${id}`)
export const decideApproval = (id, decision, comment) =>
  postJSON(`/api/v1/approvals/${id}/decisions`, { decision, ...(comment ? { comment } : {}) })
export const cancelApproval = (id) => postJSON(`/api/v1/approvals/${id}/cancel`)
export const mergePerson = (id, into, reason) => postJSON(`/api/v1/persons/${id}/merge`, { into, reason })
