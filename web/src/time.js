// Times as people in China read them: Beijing time (UTC+8, no daylight saving), whatever
// the browser's own zone.

/** "2026-11-23 16:05" (with seconds: "2026-11-23 16:05:09"); accepts ISO text or epoch
 * milliseconds; '—' when empty, the value itself when it is not a time. */
export function beijingTime(v, withSeconds = false) {
  if (v === null || v === undefined || v === '') return '—'
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return String(v)
  const t = new Date(d.getTime() + 8 * 3600e3).toISOString()
  return `${t.slice(0, 10)} ${t.slice(11, withSeconds ? 19 : 16)}`
}
