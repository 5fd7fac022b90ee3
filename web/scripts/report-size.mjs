// Post-build check: gzipped size of the first-load JS (the module entry and its modulepreload links in dist/index.html).
// Prints e.g. "first-load JS (gzip): 123.4 KB (budget 600 KB)" and exits non-zero when over budget.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const BUDGET_KB = 600 // 1 KB = 1000 bytes, as in Vite's own size report
const dist = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist')

let html
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8')
} catch (err) {
  console.error(`report-size: cannot read dist/index.html (${err.message}); run vite build first`)
  process.exit(2)
}

const tagAttrs = (tag) => {
  const attrs = {}
  for (const m of tag.matchAll(/([a-zA-Z-]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s>]+))/g)) {
    attrs[m[1].toLowerCase()] = m[3] ?? m[4] ?? m[5]
  }
  return attrs
}

const files = new Set()
for (const m of html.matchAll(/<script\b[^>]*>/gi)) {
  const a = tagAttrs(m[0])
  if (a.type === 'module' && a.src) files.add(a.src)
}
for (const m of html.matchAll(/<link\b[^>]*>/gi)) {
  const a = tagAttrs(m[0])
  if (a.rel === 'modulepreload' && a.href) files.add(a.href)
}

if (files.size === 0) {
  console.error('report-size: no module script found in dist/index.html')
  process.exit(2)
}

let total = 0
for (const url of files) {
  if (/^[a-z]+:\/\//i.test(url) || url.startsWith('//')) {
    console.error(`report-size: external script ${url} is not allowed`)
    process.exit(1)
  }
  const rel = url.replace(/^\.?\//, '').split(/[?#]/)[0]
  const size = gzipSync(readFileSync(join(dist, rel))).length
  total += size
  console.log(`  ${rel}  ${(size / 1000).toFixed(1)} KB gzip`)
}

const kb = total / 1000
console.log(`first-load JS (gzip): ${kb.toFixed(1)} KB (budget ${BUDGET_KB} KB)`)
if (kb > BUDGET_KB) {
  console.error(`first-load JS is over budget by ${(kb - BUDGET_KB).toFixed(1)} KB`)
  process.exit(1)
}
