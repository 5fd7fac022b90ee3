// Display helpers shared by the roster pages: Beijing time, Chinese labels for the API's
// enumerations (sources of changes, operations, approval and change states, change kinds),
// and which org a reference field points to.

export { beijingTime } from '../../time.js'

export const SOURCE_LABELS = { console: '控制台', api: '接口', import: '批量导入', sync: '同步', system: '系统' }
export const OP_LABELS = { create: '新建', update: '修改', delete: '删除' }
export const STATE_LABELS = { pending: '待审批', approved: '已通过', rejected: '已驳回', cancelled: '已撤回' }
export const STATE_TAGS = { pending: 'warning', approved: 'success', rejected: 'danger', cancelled: 'info' }
export const CHANGE_KIND_LABELS = {
  transfer: '转学',
  suspension: '休学',
  resumption: '复学',
  withdrawal: '退学',
  class_change: '转班级',
  promotion: '学年升级',
}
export const ROLE_KIND_LABELS = { student: '学生', staff: '教职工', guardian: '家庭成员' }

// Reference fields of the roster entities and what they point to (the dictionary names
// the field, not its target).
const ORG_FIELDS = new Set(['school', 'class', 'from_class', 'to_class', 'to_school', 'parent', 'target_school'])
export function refKind(field) {
  if (ORG_FIELDS.has(field)) return 'org'
  if (field === 'head_teacher') return 'staff'
  if (field === 'student') return 'student'
  return '' // person, request …: internal handles, not shown to people
}

/** Whether a value came back masked (the server puts * where characters are hidden). */
export const isMasked = (v) => typeof v === 'string' && v.includes('*')

/** Text fields holding space-separated codes, and their code table. */
export const MULTI_CODE = { stages: 'jyt_teaching_stage', subjects: 'jyt_k12_course' }

export const ORG_KIND_LABELS = { city: '市', district: '区县', school: '学校', campus: '校区', grade: '年级', class: '班级', department: '处室' }

/** Text fields holding one of a few English words, and their Chinese labels. */
export const ENUM_LABELS = {
  state: STATE_LABELS,
  kind: { ...CHANGE_KIND_LABELS, ...ORG_KIND_LABELS },
  op: OP_LABELS,
  source: SOURCE_LABELS,
}
