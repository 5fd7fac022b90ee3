// Learning records (学习记录): LRS clients that may write and read statements, and the
// statement browser. Both need xapi.manage (city, district and school administrators).
import { Connection, Reading } from '@element-plus/icons-vue'

const group = '学习记录'

export const consoleRoutes = [
  {
    path: 'xapi/statements',
    name: 'xapi-statements',
    component: () => import('../pages/xapi/StatementsPage.vue'),
    meta: { title: '学习记录语句', perm: 'xapi.manage', menu: { group, order: 700, icon: Reading } },
  },
  {
    path: 'xapi/clients',
    name: 'xapi-clients',
    component: () => import('../pages/xapi/ClientsPage.vue'),
    meta: { title: 'LRS 客户端', perm: 'xapi.manage', menu: { group, order: 710, icon: Connection } },
  },
]
