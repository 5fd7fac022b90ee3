// The item bank's console API: search, read, create, change (a published item gets a new
// version), submit, review, retire, check a response, and JSONL import and export.
import { getJSON, postJSON, putJSON, request } from './http.js'

const enc = encodeURIComponent

/** A page of items; filters: knowledge_point, include, type, difficulty, status, q. */
export function listItems(filters = {}, cursor = '') {
  const q = new URLSearchParams({ limit: '20' })
  for (const [k, v] of Object.entries(filters)) if (v !== '' && v !== null && v !== undefined) q.set(k, String(v))
  if (cursor) q.set('cursor', cursor)
  return getJSON(`/api/v1/items?${q}`)
}
export const getItem = (id, version = 0) => getJSON(`/api/v1/items/${enc(id)}${version ? `?version=${version}` : ''}`)
export const itemVersions = (id) => getJSON(`/api/v1/items/${enc(id)}/versions`)
export const createItem = (body) => postJSON('/api/v1/items', body)
export const saveItem = (id, body) => putJSON(`/api/v1/items/${enc(id)}`, body)
export const submitItem = (id) => postJSON(`/api/v1/items/${enc(id)}/submit`)
export const reviewItem = (id, decision, note) => postJSON(`/api/v1/items/${enc(id)}/review`, { decision, note })
export const retireItem = (id) => postJSON(`/api/v1/items/${enc(id)}/retire`)
export const checkItem = (id, response) => postJSON(`/api/v1/items/${enc(id)}/check`, { response })
export const importItems = (file, dryRun, publish) =>
  request(`/api/v1/items/imports?dry_run=${dryRun}&publish=${publish}`, {
    method: 'POST',
    body: file,
    headers: { 'Content-Type': 'application/x-ndjson' },
  })
export const exportUrl = '/api/v1/items/export'

export const TYPES = [
  { value: 'single', label: '单选题' },
  { value: 'multiple', label: '多选题' },
  { value: 'truefalse', label: '判断题' },
  { value: 'numeric', label: '数值填空题' },
  { value: 'subjective', label: '主观题' },
]
export const STATUSES = [
  { value: 'draft', label: '草稿', tag: 'info' },
  { value: 'in_review', label: '待审核', tag: 'warning' },
  { value: 'published', label: '已发布', tag: 'success' },
  { value: 'retired', label: '已停用', tag: 'danger' },
]
export const typeLabel = (t) => TYPES.find((x) => x.value === t)?.label || t
export const status = (s) => STATUSES.find((x) => x.value === s) || { label: s, tag: 'info' }
export const DIFFICULTY = ['', '容易', '较易', '中等', '较难', '难']
