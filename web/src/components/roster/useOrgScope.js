// The org node a roster page is narrowed to: kept in the address (?org=, the account's first
// role node by default), with its path from the top (breadcrumbs) and the school above it.
import { computed, ref, watch } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { useAuthStore } from '../../stores/auth.js'
import { orgPath } from '../../api/roster.js'

export function useOrgScope() {
  const route = useRoute()
  const router = useRouter()
  const auth = useAuthStore()
  const path = ref([])

  const firstRoot = computed(() => {
    const r = (auth.me && auth.me.roles) || []
    return r.length && r[0].org ? r[0].org.id : ''
  })
  const orgId = computed(() => (typeof route.query.org === 'string' && route.query.org) || firstRoot.value)

  watch(
    orgId,
    async (id) => {
      if (!id) return
      try {
        path.value = await orgPath(id)
      } catch {
        path.value = []
      }
    },
    { immediate: true },
  )

  const scope = computed(() => {
    const p = path.value
    const node = p.length ? p[p.length - 1] : null
    const school = p.find((o) => o.kind === 'school')
    return {
      org: orgId.value,
      kind: node && node.id === orgId.value ? node.kind : '',
      name: node ? node.name : '',
      path: p,
      school: school ? school.id : '',
      schoolName: school ? school.name : '',
    }
  })

  function go(id) {
    router.replace({ query: { ...route.query, org: id } })
  }
  return { orgId, path, scope, go }
}
