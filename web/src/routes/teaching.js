// Precision teaching (精准教学): the knowledge graph, the item bank with its review queue, assignments and
// the 学情 reports. 知识图谱 needs kg.read (editing there needs kg.write); 题库 items.read; 题目审核
// items.review; 作业 assign.read (building and scoring there needs assign.write); 学情报告 mastery.read.
import { Share, Collection, Stamp, EditPen, DataAnalysis } from '@element-plus/icons-vue'

const group = '精准教学'

export const consoleRoutes = [
  {
    path: 'kg',
    name: 'kg',
    component: () => import('../pages/kg/KgPage.vue'),
    meta: { title: '知识图谱', perm: 'kg.read', menu: { group, order: 500, icon: Share } },
  },
  {
    path: 'items',
    name: 'items',
    component: () => import('../pages/items/ItemsPage.vue'),
    meta: { title: '题库', perm: 'items.read', menu: { group, order: 510, icon: Collection } },
  },
  {
    path: 'items/review',
    name: 'items-review',
    component: () => import('../pages/items/ReviewPage.vue'),
    meta: { title: '题目审核', perm: 'items.review', menu: { group, order: 520, icon: Stamp } },
  },
  {
    path: 'assign',
    name: 'assign',
    component: () => import('../pages/assign/AssignPage.vue'),
    meta: { title: '作业', perm: 'assign.read', menu: { group, order: 530, icon: EditPen } },
  },
  {
    path: 'assign/:id',
    name: 'assign-task',
    component: () => import('../pages/assign/TaskPage.vue'),
    meta: { title: '作业详情', perm: 'assign.read' },
  },
  {
    path: 'mastery',
    name: 'mastery',
    component: () => import('../pages/mastery/MasteryPage.vue'),
    meta: { title: '学情报告', perm: 'mastery.read', menu: { group, order: 540, icon: DataAnalysis } },
  },
]
