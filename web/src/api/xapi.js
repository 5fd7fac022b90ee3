// The learning record store's console API: LRS clients (register, list, revoke) and the
// statement browser (/api/v1/xapi/statements, the same filters and `more` paging as xAPI).
import { deleteJSON, getJSON, postJSON } from './http.js'

export const listClients = (cursor = '') =>
  getJSON(`/api/v1/xapi/clients?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
export const createClient = (body) => postJSON('/api/v1/xapi/clients', body)
export const revokeClient = (id) => deleteJSON(`/api/v1/xapi/clients/${encodeURIComponent(id)}`)

/** A page of statements: `more` (a relative URL the server gave) or the filters of a first page. */
export function listStatements({ more = '', agent = '', verb = '', activity = '', since = null, until = null, limit = 20 } = {}) {
  if (more) return getJSON(more)
  const q = new URLSearchParams({ limit: String(limit) })
  if (agent) q.set('agent', agent)
  if (verb) q.set('verb', verb)
  if (activity) q.set('activity', activity)
  if (since) q.set('since', new Date(since).toISOString())
  if (until) q.set('until', new Date(until).toISOString())
  return getJSON(`/api/v1/xapi/statements?${q}`)
}

// The verbs of the platform's profile (docs/xapi-profile.md) and common ADL verbs, for the filter
// and for showing a verb without a zh-CN display name.
export const KNOWN_VERBS = [
  { id: 'https://w3id.org/xapi/adl/verbs/logged-in', label: '登录' },
  { id: 'https://w3id.org/xapi/adl/verbs/logged-out', label: '退出登录' },
  { id: 'http://id.tincanapi.com/verb/viewed', label: '打开' },
  { id: 'http://adlnet.gov/expapi/verbs/attempted', label: '开始作答' },
  { id: 'http://activitystrea.ms/schema/1.0/submit', label: '提交' },
  { id: 'http://adlnet.gov/expapi/verbs/answered', label: '作答' },
  { id: 'http://adlnet.gov/expapi/verbs/attended', label: '出席' },
  { id: 'http://adlnet.gov/expapi/verbs/completed', label: '完成' },
  { id: 'http://adlnet.gov/expapi/verbs/passed', label: '通过' },
  { id: 'http://adlnet.gov/expapi/verbs/failed', label: '未通过' },
  { id: 'http://adlnet.gov/expapi/verbs/experienced', label: '学习' },
  { id: 'http://adlnet.gov/expapi/verbs/voided', label: '作废' },
]

/** The zh-CN (else any) display of a language map, or the fallback. */
export function display(map, fallback = '') {
  if (!map || typeof map !== 'object') return fallback
  return map['zh-CN'] || map.zh || map['en-US'] || Object.values(map)[0] || fallback
}

export function verbLabel(verb) {
  if (!verb) return '—'
  const known = KNOWN_VERBS.find((v) => v.id === verb.id)
  return (verb.display && verb.display['zh-CN']) || (known && known.label) || display(verb.display, verb.id)
}

/** Who a statement is about: a platform person by opaque uid, else the identifier it carries. */
export function agentLabel(a) {
  if (!a) return '—'
  if (a.account) return a.account.name
  return a.mbox || a.mbox_sha1sum || a.openid || a.name || (a.member ? `群组（${a.member.length} 人）` : '—')
}

export function objectLabel(o) {
  if (!o) return '—'
  if (o.objectType === 'StatementRef') return `语句 ${o.id}`
  if (o.objectType === 'Agent' || o.objectType === 'Group') return agentLabel(o)
  if (o.objectType === 'SubStatement') return '子语句'
  return display(o.definition && o.definition.name, o.id)
}
