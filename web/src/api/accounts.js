// Account logins for tables that hold account ids (role assignments, tokens): a shared
// reactive cache filled with GET /api/v1/accounts/{id}; and finding an account by login.
import { reactive } from 'vue'
import { getJSON } from './http.js'

const logins = reactive({})

/** Login of an account id as far as known now (reactive). */
export const accountLogin = (id) => (id ? logins[id] || '' : '—')

export async function loadAccountLogins(ids) {
  const wanted = [...new Set(ids.filter((id) => id && !logins[id]))]
  await Promise.all(
    wanted.map((id) =>
      getJSON(`/api/v1/accounts/${encodeURIComponent(id)}`)
        .then((a) => {
          logins[id] = a.login
        })
        .catch(() => {
          logins[id] = '—'
        }),
    ),
  )
}

/** The account with this login in reach, or null. */
export async function findAccount(login) {
  const r = await getJSON(`/api/v1/accounts?login=${encodeURIComponent(login.trim())}`)
  const a = r.items[0] || null
  if (a) logins[a.id] = a.login
  return a
}
