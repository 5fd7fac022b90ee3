// Client-side routes (history mode), gathered from the modules in ./routes/; every page is a
// separate chunk loaded on demand. Pages that need a permission the account lacks show 无权访问.
import { createRouter, createWebHistory } from 'vue-router'
import ConsoleLayout from './layout/ConsoleLayout.vue'
import { useAuthStore } from './stores/auth.js'
import { allowed } from './menu.js'

const modules = import.meta.glob('./routes/*.js', { eager: true })
const consoleChildren = []
const topLevel = []
for (const mod of Object.values(modules)) {
  consoleChildren.push(...(mod.consoleRoutes || []))
  topLevel.push(...(mod.topRoutes || []))
}

const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('./pages/LoginPage.vue'),
    meta: { title: '登录', public: true },
  },
  ...topLevel,
  {
    path: '/',
    component: ConsoleLayout,
    children: [
      ...consoleChildren,
      {
        path: 'forbidden',
        name: 'forbidden',
        component: () => import('./pages/ForbiddenPage.vue'),
        meta: { title: '无权访问' },
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
// knows); a signed-in person who opens /login goes straight on. Pages that need a permission
// send a visitor to sign in, and a signed-in account without it to 无权访问.
router.beforeEach(async (to) => {
  const auth = useAuthStore()
  if (!auth.checked) await auth.fetchMe().catch(() => {})
  if (to.name === 'login' && auth.signedIn) return typeof to.query.redirect === 'string' ? to.query.redirect : auth.homePath
  if (to.path === '/' && auth.signedIn && auth.portalOnly) return '/m' // students and guardians: the portal
  const needs = to.matched.some((r) => r.meta && (r.meta.perm || r.meta.anyPerm || r.meta.signedIn))
  if (needs && !auth.signedIn) return { name: 'login', query: { redirect: to.fullPath } }
  if (!to.matched.every((r) => allowed(auth, r.meta))) return { name: 'forbidden' }
  return true
})

router.afterEach((to) => {
  const title = to.meta && to.meta.title
  document.title = title ? `${title} · 数枢` : '数枢 · 教育数据中枢'
})

export default router
