// Pinia store for the signed-in account: who it is, its roles and permissions, and the
// stage of signing in (password → second factor or its enrolment → password change → active).
import { defineStore } from 'pinia'
import { ApiError, getJSON, postJSON, setCsrfToken } from '../api/http.js'

export const useAuthStore = defineStore('auth', {
  state: () => ({
    me: null, // reply of /api/v1/auth/me (or of the last sign-in step)
    checked: false, // /me has been asked once
    enrolment: null, // {secret, otpauth_uri} while binding an authenticator app
    recoveryCodes: [], // shown once after binding
  }),
  getters: {
    signedIn: (s) => !!(s.me && s.me.stage === 'active'),
    stage: (s) => (s.me ? s.me.stage : ''),
    displayName: (s) => (s.me && s.me.account ? s.me.account.name || s.me.account.login : ''),
    roleLabels: (s) => (s.me ? [...new Set(s.me.roles.map((r) => r.label))] : []),
    can: (s) => (perm) => !!(s.me && s.me.permissions.includes(perm)),
  },
  actions: {
    accept(me) {
      this.me = me
      setCsrfToken(me && me.csrf_token)
      return me
    },
    async fetchMe() {
      try {
        this.accept(await getJSON('/api/v1/auth/me'))
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err
        this.accept(null)
      } finally {
        this.checked = true
      }
      return this.me
    },
    async login(login, password) {
      this.recoveryCodes = []
      this.enrolment = null
      return this.accept(await postJSON('/api/v1/auth/login', { login, password }))
    },
    async verifySecondFactor(proof) {
      return this.accept(await postJSON('/api/v1/auth/mfa/verify', proof))
    },
    async beginEnrolment() {
      this.enrolment = await postJSON('/api/v1/auth/mfa/totp')
      return this.enrolment
    },
    async confirmEnrolment(code) {
      const reply = await postJSON('/api/v1/auth/mfa/totp/confirm', { code })
      this.recoveryCodes = reply.recovery_codes || []
      this.enrolment = null
      return this.accept(reply)
    },
    async changePassword(current, next) {
      return this.accept(await postJSON('/api/v1/auth/password', { current_password: current, new_password: next }))
    },
    async logout() {
      try {
        await postJSON('/api/v1/auth/logout')
      } finally {
        this.accept(null)
        this.recoveryCodes = []
      }
    },
  },
})
