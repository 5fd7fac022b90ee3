// Roles and permissions with their Chinese labels (GET /api/v1/roles), fetched once per
// page load and shared by the administration pages.
import { reactive } from 'vue'
import { getJSON } from './http.js'

export const rolesState = reactive({ roles: [], permissions: [], loaded: false, error: '' })
let pending = null

export function loadRoles(force = false) {
  if (rolesState.loaded && !force) return Promise.resolve(rolesState)
  if (!pending || force) {
    pending = getJSON('/api/v1/roles')
      .then((r) => {
        rolesState.roles = r.roles
        rolesState.permissions = r.permissions
        rolesState.loaded = true
        rolesState.error = ''
        return rolesState
      })
      .catch((err) => {
        rolesState.error = err.message
        return rolesState
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

export const roleLabel = (code) => (rolesState.roles.find((r) => r.code === code) || {}).label || code
export const permLabel = (name) => (rolesState.permissions.find((p) => p.name === name) || {}).label || name
