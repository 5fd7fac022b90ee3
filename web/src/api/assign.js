// Assignments (作业): the teacher's tasks of a class, a task with its items and submissions,
// scoring a subjective answer; the portal's own tasks, saving answers and submitting; the
// portal's practice (自主练习): the next item and answering it.
import { getJSON, postJSON, putJSON } from './http.js'

const enc = encodeURIComponent

export const listTasks = (cls) => getJSON(`/api/v1/assign/tasks?class=${enc(cls)}`)
export const createTask = (body) => postJSON('/api/v1/assign/tasks', body)
export const getTask = (id) => getJSON(`/api/v1/assign/tasks/${enc(id)}`)
export const saveTask = (id, body) => putJSON(`/api/v1/assign/tasks/${enc(id)}`, body)
export const publishTask = (id) => postJSON(`/api/v1/assign/tasks/${enc(id)}/publish`)
export const closeTask = (id) => postJSON(`/api/v1/assign/tasks/${enc(id)}/close`)
export const taskSubmissions = (id) => getJSON(`/api/v1/assign/tasks/${enc(id)}/submissions`)
export const getSubmission = (id) => getJSON(`/api/v1/assign/submissions/${enc(id)}`)
export const scoreAnswer = (id, score, comment) => postJSON(`/api/v1/assign/answers/${enc(id)}/score`, { score, comment })

export const myTasks = () => getJSON('/api/v1/my/tasks')
export const myTask = (id) => getJSON(`/api/v1/my/tasks/${enc(id)}`)
export const saveAnswer = (id, item, response) => putJSON(`/api/v1/my/tasks/${enc(id)}/answers/${enc(item)}`, { response })
export const submitTask = (id) => postJSON(`/api/v1/my/tasks/${enc(id)}/submit`)

export const practiceNext = (subject, student) =>
  getJSON(`/api/v1/my/practice/next?subject=${enc(subject)}${student ? `&student=${enc(student)}` : ''}`)
export const practiceAnswer = (item, response) => postJSON('/api/v1/my/practice/answers', { item, response })

export const KINDS = [
  { value: 'diagnostic', label: '课前问学' },
  { value: 'homework', label: '课后作业' },
]
const TAGS = { draft: 'info', published: 'success', closed: '', assigned: 'info', started: 'warning', submitted: 'primary', scored: 'success' }
export const statusTag = (s) => TAGS[s] ?? 'info'
const VERDICTS = { right: ['正确', 'success'], wrong: ['错误', 'danger'], needs_scoring: ['待评分', 'warning'], scored: ['已评分', 'primary'], pending: ['已保存', 'info'] }
export const verdict = (v) => ({ label: (VERDICTS[v] || [v])[0], tag: (VERDICTS[v] || [])[1] || 'info' })
/** Local date and time of an ISO instant, for lists. */
export const when = (iso) => (iso ? new Date(iso).toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false }).slice(0, -3) : '—')
