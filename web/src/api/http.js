// Small fetch wrapper for the Shushu server: JSON in/out, and server errors turned into Error objects
// whose message is the Chinese text from the body {"error":{"code","message","field"}}.

// CSRF token of the signed-in session (from the sign-in reply or /api/v1/auth/me); sent on
// every write, as the server requires for cookie-authenticated requests.
let csrfToken = ''
export function setCsrfToken(token) {
  csrfToken = token || ''
}

/** Error thrown for any failed request; `message` is always human-readable Chinese. */
export class ApiError extends Error {
  constructor(message, { status = 0, code = '', field = '', details = [] } = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.field = field
    this.details = details // every field error of a multi-field refusal: [{code, message, field}]
  }
}

async function readBody(res) {
  const text = await res.text()
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return undefined // not JSON
  }
}

/**
 * Perform a request and return the parsed JSON body (or null for an empty body).
 * @param {string} path  same-origin path, e.g. "/healthz"
 * @param {{method?: string, body?: any, headers?: object, signal?: AbortSignal, withHeaders?: boolean}} [opts]
 *   withHeaders: resolve to {data, headers} instead of the body alone
 */
export async function request(path, opts = {}) {
  const { method = 'GET', body, headers = {}, signal } = opts
  const init = {
    method,
    headers: { Accept: 'application/json', ...headers },
    credentials: 'same-origin',
    signal,
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) init.headers['X-CSRF-Token'] = csrfToken
  if (body instanceof Blob) {
    init.body = body // a file (imports) goes as it is, with the caller's Content-Type
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }

  let res
  try {
    res = await fetch(path, init)
    noteActivity(path)
  } catch (err) {
    if (err && err.name === 'AbortError') throw err
    throw new ApiError('网络错误：无法连接服务器，请检查网络后重试')
  }

  const data = await readBody(res)

  if (!res.ok) {
    const e = data && typeof data === 'object' ? data.error : null
    if (e && typeof e.message === 'string' && e.message) {
      const details = Array.isArray(e.details) ? e.details : []
      const err = new ApiError(e.message, { status: res.status, code: e.code || '', field: e.field || '', details })
      if (res.status === 401 && !path.startsWith('/api/v1/auth/') && onSessionEnd) onSessionEnd(err)
      throw err
    }
    throw new ApiError(`请求失败（HTTP ${res.status}）`, { status: res.status })
  }
  if (data === undefined) {
    throw new ApiError('服务器返回的数据格式无效（不是 JSON）', { status: res.status })
  }
  if (opts.withHeaders) return { data, headers: res.headers }
  return data
}

export const getJSON = (path, opts) => request(path, { ...opts, method: 'GET' })
export const postJSON = (path, body, opts) => request(path, { ...opts, method: 'POST', body })
export const putJSON = (path, body, opts) => request(path, { ...opts, method: 'PUT', body })
export const deleteJSON = (path, opts) => request(path, { ...opts, method: 'DELETE' })

// The server counts a session's idle time from the last request it saw; remember when
// this page last asked anything of the API (for the idle sign-out warning).
let lastApiCall = Date.now()
function noteActivity(path) {
  if (path.startsWith('/api/') || path.startsWith('/ims/')) lastApiCall = Date.now()
}
/** Time (ms since the epoch) of the page's last request to the API. */
export const lastActivity = () => lastApiCall

// Called when a request other than sign-in itself is answered 401 (the session ended:
// idle, past its lifetime, signed out elsewhere or the account disabled).
let onSessionEnd = null
export function setSessionEndHandler(fn) {
  onSessionEnd = fn
}
