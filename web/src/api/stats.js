// Counts for the home page from APIs that exist: the OneRoster REST collections answer
// X-Total-Count within the caller's reach (roster.read); other lists are counted by
// paging (capped, so a count may read "500+").
import { getJSON, request } from './http.js'

const OR = '/ims/oneroster/rostering/v1p2'

/** Total of a OneRoster collection under a filter (OneRoster filter syntax). */
export async function rosterTotal(collection, filter = '') {
  const q = new URLSearchParams({ limit: '1', fields: 'sourcedId' })
  if (filter) q.set('filter', filter)
  const { headers } = await request(`${OR}/${collection}?${q}`, { withHeaders: true })
  const n = Number(headers.get('X-Total-Count'))
  return Number.isFinite(n) ? n : 0
}

/**
 * Count the items of a key-set list by paging.
 * @returns {{count: number, complete: boolean, items: any[]}}
 */
export async function countList(path, { maxPages = 4, keep = false } = {}) {
  let cursor = ''
  let count = 0
  const items = []
  for (let page = 0; page < maxPages; page++) {
    const sep = path.includes('?') ? '&' : '?'
    const r = await getJSON(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
    count += r.items.length
    if (keep) items.push(...r.items)
    if (!r.next_cursor) return { count, complete: true, items }
    cursor = r.next_cursor
  }
  return { count, complete: false, items }
}

// Grades as JY/T codes in OneRoster (01–12) and their Chinese names.
export const GRADES = [
  ['01', '一年级'], ['02', '二年级'], ['03', '三年级'], ['04', '四年级'], ['05', '五年级'], ['06', '六年级'],
  ['07', '七年级'], ['08', '八年级'], ['09', '九年级'], ['10', '高一'], ['11', '高二'], ['12', '高三'],
]
