// Pages every signed-in person has: the home page and the API document.
import { HomeFilled, Document } from '@element-plus/icons-vue'

export const consoleRoutes = [
  {
    path: '',
    name: 'home',
    component: () => import('../pages/HomePage.vue'),
    meta: { title: '首页', menu: { group: null, order: 0, icon: HomeFilled } },
  },
  {
    path: 'developer/api',
    name: 'api-docs',
    component: () => import('../pages/ApiDocsPage.vue'),
    meta: { title: 'API 文档', menu: { group: '开发者', order: 900, icon: Document } },
  },
]
