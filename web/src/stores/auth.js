// Pinia store for the signed-in account: who it is, its roles and permissions, the
// stage of signing in (password → second factor or its enrolment → password change →
// active), the session's idle timeout, and why the last session ended.
import { defineStore } from 'pinia'
import { ApiError, getJSON, postJSON, setCsrfToken } from '../api/http.js'

// Roles whose holders use the phone portal (/m) rather than the console.
const PORTAL_ROLES = new Set(['student', 'guardian'])

export const useAuthStore = defineStore('auth', {
  state: () => ({
    me: null, // reply of /api/v1/auth/me (or of the last sign-in step)
    checked: false, // /me has been asked once
    enrolment: null, // {secret, otpauth_uri} while binding an authenticator app
    recoveryCodes: [], // shown once after binding
    endReason: '', // Chinese sentence for the sign-in page: why the last session ended
  }),
  getters: {
    signedIn: (s) => !!(s.me && s.me.stage === 'active'),
    stage: (s) => (s.me ? s.me.stage : ''),
    displayName: (s) => (s.me && s.me.account ? s.me.account.name || s.me.account.login : ''),
    roleLabels: (s) => (s.me ? [...new Set(s.me.roles.map((r) => r.label))] : []),
    can: (s) => (perm) => !!(s.me && s.me.permissions.includes(perm)),
    hasRole: (s) => (code) => !!(s.me && s.me.roles.some((r) => r.role === code)),
    // Only student or guardian roles: the portal is their home.
    portalOnly: (s) => !!(s.me && s.me.roles.length && s.me.roles.every((r) => PORTAL_ROLES.has(r.role))),
    // Minutes of inactivity after which the server ends the session (policy).
    idleMinutes: (s) => (s.me && s.me.session && s.me.session.idle_minutes) || 15,
    homePath() {
      return this.portalOnly ? '/m' : '/'
    },
  },
  actions: {
    accept(me) {
      this.me = me
      setCsrfToken(me && me.csrf_token)
      if (me) this.endReason = ''
      return me
    },
    async fetchMe() {
      try {
        this.accept(await getJSON('/api/v1/auth/me'))
      } catch (err) {
        if (!(err instanceof ApiError) || err.status !== 401) throw err
        if (this.me && err.code === 'session_expired') this.endReason = err.message
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
    async logout(reason = '') {
      try {
        await postJSON('/api/v1/auth/logout')
      } finally {
        this.accept(null)
        this.recoveryCodes = []
        this.endReason = reason
      }
    },
    // The server ended the session (a 401 on some request): forget it locally.
    sessionEnded(message) {
      if (!this.me) return
      this.accept(null)
      this.endReason = message || '登录已失效，请重新登录'
    },
  },
})
