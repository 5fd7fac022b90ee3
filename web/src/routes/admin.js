// Administration pages (系统管理): accounts, role assignments, roles, API tokens, the
// security policy and the audit log; and the signed-in person's own password page.
import { Key, Lock, Tickets, User, UserFilled, Medal } from '@element-plus/icons-vue'

const group = '系统管理'

export const consoleRoutes = [
  {
    path: 'admin/accounts',
    name: 'admin-accounts',
    component: () => import('../pages/admin/AccountsPage.vue'),
    meta: { title: '账号管理', perm: 'account.read', menu: { group, order: 800, icon: User } },
  },
  {
    path: 'admin/role-assignments',
    name: 'admin-role-assignments',
    component: () => import('../pages/admin/RoleAssignmentsPage.vue'),
    meta: { title: '角色分配', perm: 'role.read', menu: { group, order: 810, icon: UserFilled } },
  },
  {
    path: 'admin/roles',
    name: 'admin-roles',
    component: () => import('../pages/admin/RolesPage.vue'),
    meta: { title: '角色与权限', perm: 'role.read', menu: { group, order: 820, icon: Medal } },
  },
  {
    path: 'admin/tokens',
    name: 'admin-tokens',
    component: () => import('../pages/admin/TokensPage.vue'),
    meta: { title: '接口令牌', perm: 'token.manage', menu: { group, order: 830, icon: Key } },
  },
  {
    path: 'admin/security-policy',
    name: 'admin-security-policy',
    component: () => import('../pages/admin/SecurityPolicyPage.vue'),
    meta: { title: '安全策略', perm: 'policy.read', menu: { group, order: 840, icon: Lock } },
  },
  {
    path: 'admin/audit',
    name: 'admin-audit',
    component: () => import('../pages/admin/AuditPage.vue'),
    meta: { title: '审计日志', perm: 'audit.read', menu: { group, order: 850, icon: Tickets } },
  },
  {
    path: 'account/password',
    name: 'account-password',
    component: () => import('../pages/account/PasswordPage.vue'),
    meta: { title: '修改密码', signedIn: true },
  },
]
