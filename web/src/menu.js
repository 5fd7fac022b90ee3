// The side menu: built from the route modules' `meta.menu`, keeping only the pages the
// signed-in account may open, grouped under their headings in menu order.

/** Whether the account (auth store) may open a route with this meta. */
export function allowed(auth, meta) {
  if (!meta) return true
  if (meta.perm && !auth.can(meta.perm)) return false
  if (Array.isArray(meta.anyPerm) && !meta.anyPerm.some((p) => auth.can(p))) return false
  return true
}

/**
 * Menu entries for the routes the account may open.
 * @returns {Array<{index, title, icon, order} | {group, order, items}>}
 */
export function buildMenu(routes, auth) {
  const top = []
  const groups = new Map()
  for (const r of routes) {
    const m = r.meta && r.meta.menu
    if (!m || !allowed(auth, r.meta) || r.path.includes(':')) continue
    const item = { index: r.path, title: r.meta.title, icon: m.icon, order: m.order ?? 500 }
    if (!m.group) {
      top.push(item)
      continue
    }
    if (!groups.has(m.group)) groups.set(m.group, { group: m.group, order: item.order, items: [] })
    const g = groups.get(m.group)
    g.order = Math.min(g.order, item.order)
    g.items.push(item)
  }
  for (const g of groups.values()) g.items.sort((a, b) => a.order - b.order)
  return [...top, ...groups.values()].sort((a, b) => a.order - b.order)
}
