// Key-set paging of an API list: keeps the cursors of the pages seen so far so the user can
// go back, reloads from the first page when the query changes, and holds loading and error.
import { ref, shallowRef } from 'vue'
import { getJSON } from '../../api/http.js'

/** `url(cursor, limit)` builds the request; returns state and the actions of the pager. */
export function useCursorList(url, { size = 20 } = {}) {
  const items = shallowRef([])
  const loading = ref(false)
  const error = ref('')
  const page = ref(1)
  const limit = ref(size)
  const nextCursor = ref('')
  let cursors = [''] // cursor of page 1, 2, …
  let seq = 0

  async function load() {
    const mine = ++seq
    loading.value = true
    error.value = ''
    try {
      const r = await getJSON(url(cursors[page.value - 1], limit.value))
      if (mine !== seq) return
      items.value = r.items || []
      nextCursor.value = r.next_cursor || ''
    } catch (err) {
      if (mine !== seq) return
      items.value = []
      nextCursor.value = ''
      error.value = err.message
    } finally {
      if (mine === seq) loading.value = false
    }
  }
  function reload() {
    cursors = ['']
    page.value = 1
    return load()
  }
  function next() {
    if (!nextCursor.value) return
    cursors[page.value] = nextCursor.value
    page.value++
    return load()
  }
  function prev() {
    if (page.value <= 1) return
    page.value--
    return load()
  }
  function setSize(n) {
    limit.value = n
    return reload()
  }
  return { items, loading, error, page, limit, nextCursor, reload, load, next, prev, setSize }
}
