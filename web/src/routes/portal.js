// The phone portal for students and parents (/m), with its own layout: their class, their
// record, each child of a parent; and the password page inside the portal.
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
        path: 'password',
        name: 'portal-password',
        component: () => import('../pages/account/PasswordPage.vue'),
        meta: { title: '修改密码' },
      },
    ],
  },
]
