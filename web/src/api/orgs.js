// Organisation names for tables that hold org ids (accounts, role assignments, tokens):
// one shared reactive cache, filled on demand with GET /api/v1/orgs/{id} (in parallel,
// each id once), and the children of a node for pickers.
import { reactive } from 'vue'
import { getJSON } from './http.js'

const names = reactive({}) // id → name ('' while loading, '—' when not readable)
const pending = new Map()

/** Name of an org id as far as known now (reactive). */
export function orgName(id) {
  if (!id) return '—'
  return names[id] || ''
}

/** Remember names already at hand (from a list of orgs). */
export function rememberOrgs(items) {
  for (const o of items || []) if (o && o.id && o.name) names[o.id] = o.name
}

/** Fetch the names of these ids that are not known yet. */
export async function loadOrgNames(ids) {
  const wanted = [...new Set(ids.filter((id) => id && !names[id]))]
  await Promise.all(
    wanted.map((id) => {
      if (!pending.has(id)) {
        pending.set(
          id,
          getJSON(`/api/v1/orgs/${encodeURIComponent(id)}`)
            .then((o) => {
              names[id] = o.name
            })
            .catch(() => {
              names[id] = '—'
            })
            .finally(() => pending.delete(id)),
        )
      }
      return pending.get(id)
    }),
  )
}

/** Children of an org node (all kinds), names remembered. */
export async function orgChildren(parentId) {
  const r = await getJSON(`/api/v1/orgs?parent=${encodeURIComponent(parentId)}&limit=500`)
  rememberOrgs(r.items)
  return r.items
}

export const ORG_KIND_LABELS = { city: '市', district: '区县', school: '学校', campus: '校区', grade: '年级', class: '班级', department: '部门' }
