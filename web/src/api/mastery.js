// The 学情 reports: a class's report (and its CSV/XLSX download address), a student's report,
// the portal's own report (a student's or a guarded child's), and a class's tier suggestions
// (分层作业).
import { getJSON } from './http.js'

const enc = encodeURIComponent

function query(subject, task) {
  const q = new URLSearchParams({ subject })
  if (task) q.set('task', task)
  return q
}
export const classReport = (cls, subject, task) => getJSON(`/api/v1/classes/${enc(cls)}/mastery?${query(subject, task)}`)
export function classReportFile(cls, subject, task, format) {
  const q = query(subject, task)
  q.set('format', format)
  return `/api/v1/classes/${enc(cls)}/mastery?${q}`
}
export const studentReport = (id, subject) => getJSON(`/api/v1/students/${enc(id)}/mastery?subject=${enc(subject)}`)
export const myReport = (student) => getJSON(`/api/v1/my/mastery?student=${enc(student)}`)
export const classTiers = (cls, subject, points) =>
  getJSON(`/api/v1/classes/${enc(cls)}/tiers?${new URLSearchParams({ subject, points: points.join(',') })}`)
