// The approvals inbox (审批事项): requests waiting for the account's decision, its own
// requests (with cancel) and everything it has seen, with the steps and decisions of each.
import { Stamp } from '@element-plus/icons-vue'

export const consoleRoutes = [
  {
    path: 'approvals',
    name: 'approvals',
    component: () => import('../pages/roster/ApprovalsPage.vue'),
    meta: { title: '审批事项', perm: 'flow.use', menu: { group: '基础数据', order: 170, icon: Stamp } },
  },
]
