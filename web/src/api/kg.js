// The knowledge graph's console API: points (list, read, create, change, delete), prerequisite
// edges, transitive walks, subjects, and the CSV import (dry run first) and export.
import { deleteJSON, getJSON, postJSON, request } from './http.js'

const enc = encodeURIComponent

/** Every point (all pages), optionally of one subject. */
export async function allPoints(subject = '') {
  const out = []
  let cursor = ''
  for (let i = 0; i < 100; i++) {
    const q = new URLSearchParams({ limit: '500' })
    if (subject) q.set('subject', subject)
    if (cursor) q.set('cursor', cursor)
    const r = await getJSON(`/api/v1/kg/points?${q}`)
    out.push(...r.items)
    if (!r.next_cursor) break
    cursor = r.next_cursor
  }
  return out
}
export const listSubjects = () => getJSON('/api/v1/kg/subjects')
export const getPoint = (id) => getJSON(`/api/v1/kg/points/${enc(id)}`)
export const createPoint = (body) => postJSON('/api/v1/kg/points', body)
export const updatePoint = (id, body) => request(`/api/v1/kg/points/${enc(id)}`, { method: 'PATCH', body })
export const deletePoint = (id) => deleteJSON(`/api/v1/kg/points/${enc(id)}`)
export const addPrerequisite = (id, prerequisite) => postJSON(`/api/v1/kg/points/${enc(id)}/prerequisites`, { prerequisite })
export const removePrerequisite = (id, pre) => deleteJSON(`/api/v1/kg/points/${enc(id)}/prerequisites/${enc(pre)}`)
export const walk = (id, dir, transitive = true) =>
  getJSON(`/api/v1/kg/points/${enc(id)}/${dir}?transitive=${transitive}`)
export const pointHistory = (id) => getJSON(`/api/v1/kg/points/${enc(id)}/history`)
/** Check (dryRun) or import a CSV file: {rows, created, updated, …, committed, errors: [{row, column, message}]}. */
export const importGraph = (file, dryRun) =>
  request(`/api/v1/kg/imports?dry_run=${dryRun}`, { method: 'POST', body: file, headers: { 'Content-Type': 'text/csv' } })
export const exportUrl = (subject = '') => `/api/v1/kg/export${subject ? `?subject=${enc(subject)}` : ''}`

