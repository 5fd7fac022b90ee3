// Formatting shared by the administration pages: times in Beijing time, and the
// Chinese names of audit events and results.

import { beijingTime } from '../../time.js'

/** ISO time → "2026-11-23 16:00:05" in Beijing time ('—' when empty). */
export const fmtTime = (iso) => beijingTime(iso, true)

export const AUDIT_EVENTS = {
  login: '登录',
  login_failed: '登录失败',
  login_mfa: '动态验证码验证',
  logout: '退出登录',
  lock: '账号锁定',
  unlock: '账号解锁',
  password_change: '修改密码',
  password_reset: '重置密码',
  mfa_enrolled: '绑定动态验证码',
  account_created: '新建账号',
  account_disabled: '停用账号',
  account_enabled: '启用账号',
  role_assigned: '分配角色',
  role_revoked: '收回角色',
  role_defined: '定义角色',
  token_created: '创建接口令牌',
  token_revoked: '撤销接口令牌',
  policy_changed: '修改安全策略',
  permission_denied: '越权访问被拒绝',
  audit_read: '查阅审计日志',
  audit_purge: '清理审计日志',
  unmask: '查看敏感字段明文',
  export: '导出数据',
  import: '导入数据',
  person_merge: '合并人员',
  create: '新建记录',
  update: '修改记录',
  flow_decision: '审批',
  flow_cancel: '撤回申请',
  demo_created: '生成演示数据',
  key_rotate: '更换密钥',
}

export const eventLabel = (e) => AUDIT_EVENTS[e] || e
export const RESULT_LABELS = { success: '成功', failure: '失败' }
