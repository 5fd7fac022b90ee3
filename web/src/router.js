// Client-side routes (history mode); every page is a separate chunk loaded on demand.
import { createRouter, createWebHistory } from 'vue-router'
import ConsoleLayout from './layout/ConsoleLayout.vue'

const routes = [
  {
    path: '/',
    component: ConsoleLayout,
    children: [
      {
        path: '',
        name: 'home',
        component: () => import('./pages/HomePage.vue'),
        meta: { title: '首页' },
      },
      {
        path: 'developer/api',
        name: 'api-docs',
        component: () => import('./pages/ApiDocsPage.vue'),
        meta: { title: 'API 文档' },
      },
      {
        path: ':pathMatch(.*)*',
        name: 'not-found',
        component: () => import('./pages/NotFoundPage.vue'),
        meta: { title: '页面不存在' },
      },
    ],
  },
]

const router = createRouter({
  history: createWebHistory(import.meta.env.BASE_URL),
  routes,
  scrollBehavior(to, from, saved) {
    return saved || { top: 0 }
  },
})

router.afterEach((to) => {
  const title = to.meta && to.meta.title
  document.title = title ? `${title} · 数枢` : '数枢 · 教育数据中枢'
})

export default router
