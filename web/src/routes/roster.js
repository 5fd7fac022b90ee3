// Pages of the roster area (基础数据): lists of students, staff, family members, classes and
// schools beside the org tree, record details with history and edit forms, the import wizard,
// 学籍异动 with year-end promotion, and duplicate persons with merge.
import { User, Avatar, UserFilled, Collection, School, Upload, Switch, CopyDocument } from '@element-plus/icons-vue'

const list = () => import('../pages/roster/RosterListPage.vue')
const menu = (order, icon) => ({ group: '基础数据', order, icon })

export const consoleRoutes = [
  { path: 'roster/students', name: 'roster-students', component: list, meta: { title: '学生', kind: 'students', perm: 'roster.read', menu: menu(100, User) } },
  { path: 'roster/staff', name: 'roster-staff', component: list, meta: { title: '教职工', kind: 'staff', perm: 'roster.read', menu: menu(110, Avatar) } },
  { path: 'roster/guardians', name: 'roster-guardians', component: list, meta: { title: '家庭成员', kind: 'guardians', perm: 'roster.read', menu: menu(120, UserFilled) } },
  { path: 'roster/classes', name: 'roster-classes', component: list, meta: { title: '班级', kind: 'classes', perm: 'roster.read', menu: menu(130, Collection) } },
  { path: 'roster/schools', name: 'roster-schools', component: list, meta: { title: '学校', kind: 'schools', perm: 'roster.read', menu: menu(140, School) } },
  {
    path: 'roster/:kind(students|staff|guardians|classes|schools)/:id',
    name: 'roster-detail',
    component: () => import('../pages/roster/RosterDetailPage.vue'),
    meta: { title: '档案详情', perm: 'roster.read' },
  },
  {
    path: 'roster/import',
    name: 'roster-import',
    component: () => import('../pages/roster/ImportWizardPage.vue'),
    meta: { title: '批量导入', perm: 'roster.write', menu: menu(150, Upload) },
  },
  {
    path: 'roster/changes',
    name: 'roster-changes',
    component: () => import('../pages/roster/StudentChangesPage.vue'),
    meta: { title: '学籍异动', perm: 'roster.read', menu: menu(160, Switch) },
  },
  {
    path: 'roster/duplicates',
    name: 'roster-duplicates',
    component: () => import('../pages/roster/DuplicatesPage.vue'),
    meta: { title: '疑似重复人员', perm: 'roster.write', menu: menu(180, CopyDocument) },
  },
]
