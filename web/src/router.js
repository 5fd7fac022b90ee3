// Client-side routes (history mode); every page is a separate chunk loaded on demand.
import { createRouter, createWebHistory } from 'vue-router'
import ConsoleLayout from './layout/ConsoleLayout.vue'
import { useAuthStore } from './stores/auth.js'

const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/LoginPage.vue'),
    meta: { title: '登录', public: true },
  },
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

// Ask the server once who is signed in (the session cookie is HttpOnly, so only the server
// knows); a signed-in person who opens /login goes straight on.
router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.checked) await auth.fetchMe().catch(() => {})
  if (to.name === 'login' && auth.signedIn) return typeof to.query.redirect === 'string' ? to.query.redirect : '/'
  return true
})

router.afterEach((to) => {
  const title = to.meta && to.meta.title
  document.title = title ? `${title} · 数枢` : '数枢 · 教育数据中枢'
})

export default router
