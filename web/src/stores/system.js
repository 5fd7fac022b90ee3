// Pinia store for the server's /healthz status, shared by the layout (demo banner) and the home page.
import { defineStore } from 'pinia'
import { getJSON } from '../api/http.js'

export const useSystemStore = defineStore('system', {
  state: () => ({
    health: null, // last /healthz JSON
    error: '', // Chinese error message of the last failed fetch
    loading: false,
    checkedAt: null, // Date of the last attempt
  }),
  getters: {
    isDemo: (s) => !!(s.health && s.health.demo === true),
  },
  actions: {
    async fetchHealth() {
      this.loading = true
      try {
        this.health = await getJSON('/healthz')
        this.error = ''
      } catch (err) {
        this.error = err && err.message ? err.message : String(err)
      } finally {
        this.loading = false
        this.checkedAt = new Date()
      }
    },
  },
})
