// Pure helpers to read an OpenAPI 3.1 document: resolve local $refs, describe types, group operations by tag.

export const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete', 'head', 'options', 'trace']
export const UNTAGGED = '未分组'

const SCHEMA_PREFIX = '#/components/schemas/'

/** Follow a local "#/..." $ref (a few levels at most); returns the object itself when it has no $ref. */
export function resolveRef(spec, obj) {
  let cur = obj
  for (let i = 0; i < 8 && cur && typeof cur.$ref === 'string'; i++) {
    if (!cur.$ref.startsWith('#/')) return cur
    let node = spec
    for (const raw of cur.$ref.slice(2).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
      node = node && typeof node === 'object' ? node[key] : undefined
    }
    if (!node) return cur
    cur = node
  }
  return cur
}

/** Name of the component schema a schema points to (directly or as array items), or ''. */
export function refName(schema) {
  if (!schema || typeof schema !== 'object') return ''
  if (typeof schema.$ref === 'string' && schema.$ref.startsWith(SCHEMA_PREFIX)) {
    return schema.$ref.slice(SCHEMA_PREFIX.length)
  }
  if (schema.type === 'array' && schema.items) return refName(schema.items)
  return ''
}

/** Short human-readable type, e.g. "string (date)", "Student[]", "string | null". */
export function typeText(schema) {
  if (!schema || typeof schema !== 'object') return '—'
  if (typeof schema.$ref === 'string') return schema.$ref.split('/').pop()
  if (Array.isArray(schema.oneOf)) return schema.oneOf.map(typeText).join(' | ')
  if (Array.isArray(schema.anyOf)) return schema.anyOf.map(typeText).join(' | ')
  if (Array.isArray(schema.allOf)) return schema.allOf.map(typeText).join(' & ')
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : []
  if (types.length === 0) {
    if (schema.enum) return 'enum'
    if (schema.properties) return 'object'
    return '任意'
  }
  return types
    .map((t) => {
      if (t === 'array') return `${typeText(schema.items)}[]`
      return schema.format && t !== 'null' ? `${t} (${schema.format})` : t
    })
    .join(' | ')
}

/** Flatten `paths` into a list of operations with merged path-level parameters. */
export function collectOperations(spec) {
  const ops = []
  const paths = (spec && spec.paths) || {}
  for (const [path, rawItem] of Object.entries(paths)) {
    const item = resolveRef(spec, rawItem) || {}
    const common = Array.isArray(item.parameters) ? item.parameters : []
    for (const method of HTTP_METHODS) {
      const op = item[method]
      if (!op || typeof op !== 'object') continue
      // Operation-level parameters override path-level ones with the same name and location.
      const byKey = new Map()
      for (const p of [...common, ...(Array.isArray(op.parameters) ? op.parameters : [])]) {
        const r = resolveRef(spec, p)
        if (r && r.name) byKey.set(`${r.in}:${r.name}`, r)
      }
      ops.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        summary: op.summary || item.summary || '',
        description: op.description || item.description || '',
        tags: Array.isArray(op.tags) && op.tags.length ? op.tags : [UNTAGGED],
        permission: op['x-permission'] ?? item['x-permission'] ?? null,
        deprecated: !!op.deprecated,
        parameters: [...byKey.values()],
        requestBody: op.requestBody ? resolveRef(spec, op.requestBody) : null,
        responses: op.responses || {},
      })
    }
  }
  return ops
}

/** Group operations by tag, in the order of the document's `tags` list, then by name; untagged last. */
export function groupByTag(spec, ops) {
  const declared = Array.isArray(spec && spec.tags) ? spec.tags : []
  const desc = new Map(declared.map((t) => [t.name, t.description || '']))
  const groups = new Map()
  for (const op of ops) {
    for (const tag of op.tags) {
      if (!groups.has(tag)) groups.set(tag, [])
      groups.get(tag).push(op)
    }
  }
  const order = declared.map((t) => t.name)
  const rank = (name) => {
    if (name === UNTAGGED) return Number.MAX_SAFE_INTEGER
    const i = order.indexOf(name)
    return i === -1 ? order.length : i
  }
  return [...groups.entries()]
    .sort(([a], [b]) => rank(a) - rank(b) || a.localeCompare(b, 'zh-CN'))
    .map(([name, list]) => ({ name, description: desc.get(name) || '', operations: list }))
}

/** Text form of x-permission, which may be a string, a list of strings, or absent. */
export function permissionList(perm) {
  if (perm === null || perm === undefined || perm === '') return []
  if (Array.isArray(perm)) return perm.map(String)
  if (typeof perm === 'object') return [JSON.stringify(perm)]
  return [String(perm)]
}
