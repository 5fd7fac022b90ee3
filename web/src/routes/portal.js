// The phone portal for students and parents (/m), with its own layout: their class, their
// record, each child of a parent; 我的作业 and answering a task; 自主练习 one item at a time;
// and the password page.
export const topRoutes = [
  {
    path: '/m',
    component: () => import('../layout/PortalLayout.vue'),
    meta: { perm: 'self.read' },
    children: [
      {
        path: '',
        name: 'portal-home',
        component: () => import('../pages/portal/PortalHomePage.vue'),
        meta: { title: '我的' },
      },
      {
        path: 'tasks',
        name: 'portal-tasks',
        component: () => import('../pages/portal/MyTasksPage.vue'),
        meta: { title: '我的作业' },
      },
      {
        path: 'tasks/:id',
        name: 'portal-task',
        component: () => import('../pages/portal/MyTaskPage.vue'),
        meta: { title: '作业' },
      },
      {
        path: 'practice',
        name: 'portal-practice',
        component: () => import('../pages/portal/PracticePage.vue'),
        meta: { title: '自主练习' },
      },
      {
        path: 'password',
        name: 'portal-password',
        component: () => import('../pages/account/PasswordPage.vue'),
        meta: { title: '修改密码' },
      },
    ],
  },
]
