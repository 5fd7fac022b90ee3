// kg_check.mjs — checks the 初中数学 knowledge graph (data/kg/math_junior_rj2012.csv) and the
// item bank (data/items/math_junior/chNN.jsonl) against their fixed formats: CSV columns and
// values, unique codes, prerequisites that exist and form a DAG, item types with their answers,
// options, rubrics and scores, knowledge point tags that exist in the graph, and every $…$ /
// $$…$$ fragment rendered by KaTeX with throwOnError. Each check returns a list of error
// strings ("file:line: message"); an empty list means the content is valid.
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import katex from 'katex';

export const GRAPH_FILE = 'data/kg/math_junior_rj2012.csv';
export const ITEMS_DIR = 'data/items/math_junior';

export const GRAPH_COLUMNS = [
  'code', 'name', 'subject', 'edition', 'grade', 'semester', 'chapter', 'section', 'prerequisites',
  'description',
];

// The chapters of 人教版（2012）初中数学 with the grade and semester they belong to.
const CHAPTERS = [
  [7, '上', '有理数'], [7, '上', '整式的加减'], [7, '上', '一元一次方程'], [7, '上', '几何图形初步'],
  [7, '下', '相交线与平行线'], [7, '下', '实数'], [7, '下', '平面直角坐标系'], [7, '下', '二元一次方程组'],
  [7, '下', '不等式与不等式组'], [7, '下', '数据的收集、整理与描述'],
  [8, '上', '三角形'], [8, '上', '全等三角形'], [8, '上', '轴对称'], [8, '上', '整式的乘法与因式分解'],
  [8, '上', '分式'],
  [8, '下', '二次根式'], [8, '下', '勾股定理'], [8, '下', '平行四边形'], [8, '下', '一次函数'],
  [8, '下', '数据的分析'],
  [9, '上', '一元二次方程'], [9, '上', '二次函数'], [9, '上', '旋转'], [9, '上', '圆'], [9, '上', '概率初步'],
  [9, '下', '反比例函数'], [9, '下', '相似'], [9, '下', '锐角三角函数'], [9, '下', '投影与视图'],
];

const DIGITS = '零一二三四五六七八九';
function chineseNumber(n) {
  if (n < 10) return DIGITS[n];
  const tens = Math.floor(n / 10);
  return (tens === 1 ? '' : DIGITS[tens]) + '十' + (n % 10 ? DIGITS[n % 10] : '');
}

export function chapterTitle(n) {
  return `第${chineseNumber(n)}章 ${CHAPTERS[n - 1][2]}`;
}

const numbering = (code) => code.slice(4).split('.').map(Number);

function compareNumbering(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

// Checks the graph's CSV text. Returns { errors, codes } where codes is the set of valid codes
// (for checking item tags even when the graph has errors elsewhere).
export function checkGraph(text, { file = GRAPH_FILE, minRows = 80, maxRows = 120 } = {}) {
  const errors = [];
  const err = (line, msg) => errors.push(`${file}:${line}: ${msg}`);
  let records;
  try {
    records = parse(text, { bom: false, relax_column_count: false, skip_empty_lines: false });
  } catch (e) {
    err(e.lines ?? 1, `not valid CSV: ${e.message}`);
    return { errors, codes: new Set() };
  }
  if (records.length === 0 || records[0].join(',') !== GRAPH_COLUMNS.join(',')) {
    err(1, `header must be ${GRAPH_COLUMNS.join(',')}`);
    return { errors, codes: new Set() };
  }
  const rows = records.slice(1).map((r, i) => ({ line: i + 2, ...Object.fromEntries(GRAPH_COLUMNS.map((c, j) => [c, r[j]])) }));
  if (rows.length < minRows || rows.length > maxRows) err(1, `${rows.length} rows; must be ${minRows}–${maxRows}`);

  const byCode = new Map();
  let previous = null;
  for (const r of rows) {
    if (!/^RJM-[1-9][0-9]?(\.[1-9][0-9]?){0,2}$/.test(r.code)) {
      err(r.line, `code "${r.code}" is not RJM- plus the textbook numbering`);
      continue;
    }
    if (byCode.has(r.code)) err(r.line, `duplicate code ${r.code} (first on line ${byCode.get(r.code).line})`);
    else byCode.set(r.code, r);
    const num = numbering(r.code);
    if (previous && compareNumbering(numbering(previous), num) >= 0) err(r.line, `${r.code} comes after ${previous}: rows must be in textbook order`);
    previous = r.code;
    for (const c of ['name', 'description']) if (!r[c] || !r[c].trim()) err(r.line, `${c} is empty`);
    if (r.subject !== '数学') err(r.line, `subject must be 数学, not "${r.subject}"`);
    if (r.edition !== '人教版（2012）') err(r.line, `edition must be 人教版（2012）, not "${r.edition}"`);
    if (!['7', '8', '9'].includes(r.grade)) err(r.line, `grade must be 7, 8 or 9, not "${r.grade}"`);
    if (!['上', '下'].includes(r.semester)) err(r.line, `semester must be 上 or 下, not "${r.semester}"`);
    const chapter = CHAPTERS[num[0] - 1];
    if (!chapter) {
      err(r.line, `${r.code}: there is no chapter ${num[0]}`);
      continue;
    }
    if (r.chapter !== chapterTitle(num[0])) err(r.line, `chapter must be "${chapterTitle(num[0])}", not "${r.chapter}"`);
    if (String(chapter[0]) !== r.grade || chapter[1] !== r.semester) err(r.line, `chapter ${num[0]} is taught in grade ${chapter[0]}${chapter[1]}, not ${r.grade}${r.semester}`);
    const sectionNumber = num.slice(0, 2).join('.');
    if (!r.section.startsWith(`${sectionNumber} `)) err(r.line, `section "${r.section}" must start with "${sectionNumber} "`);
  }

  for (const r of rows) {
    r.prereqs = r.prerequisites === '' ? [] : r.prerequisites.split(';');
    for (const p of r.prereqs) {
      if (!byCode.has(p)) err(r.line, `prerequisite "${p}" of ${r.code} is not in the graph`);
      else if (p === r.code) err(r.line, `${r.code} is its own prerequisite`);
    }
    if (new Set(r.prereqs).size !== r.prereqs.length) err(r.line, `${r.code} lists a prerequisite twice`);
  }

  // Cycle check: depth-first search, colouring nodes on the current path.
  const state = new Map();
  const visit = (code, trail) => {
    state.set(code, 1);
    for (const p of byCode.get(code).prereqs ?? []) {
      if (!byCode.has(p) || p === code) continue;
      if (state.get(p) === 1) {
        const cycle = [...trail.slice(trail.indexOf(p)), code, p];
        err(byCode.get(code).line, `prerequisite cycle ${cycle.join(' → ')}`);
      } else if (!state.has(p)) visit(p, [...trail, code]);
    }
    state.set(code, 2);
  };
  for (const code of byCode.keys()) if (!state.has(code)) visit(code, []);

  return { errors, codes: new Set(byCode.keys()) };
}

// Splits text into maths fragments ($$…$$ display, $…$ inline) and reports unbalanced dollars.
export function mathFragments(text) {
  const fragments = [];
  const rest = text.replace(/\$\$([^$]+)\$\$|\$([^$]+)\$/g, (_, display, inline) => {
    fragments.push(display !== undefined ? { tex: display, display: true } : { tex: inline, display: false });
    return ' ';
  });
  return { fragments, unbalanced: rest.includes('$') };
}

// Every maths fragment of text must render in KaTeX; returns the error messages.
export function checkMath(text) {
  const { fragments, unbalanced } = mathFragments(text);
  const errors = unbalanced ? ['unbalanced $ (a maths fragment is not closed)'] : [];
  for (const f of fragments) {
    try {
      katex.renderToString(f.tex, { throwOnError: true, displayMode: f.display, strict: 'error' });
    } catch (e) {
      errors.push(`KaTeX cannot render $${f.tex}$: ${e.message}`);
    }
  }
  return errors;
}

const ITEM_KEYS = new Set([
  'code', 'type', 'stem', 'options', 'answer', 'explanation', 'knowledge_points', 'difficulty', 'source', 'score', 'rubric',
]);
const SCORES = { single: [3, 3], multiple: [3, 3], truefalse: [2, 2], numeric: [3, 4], subjective: [6, 12] };
const nonEmpty = (s) => typeof s === 'string' && s.trim() !== '';

// Checks one item object; returns messages without the file:line prefix.
export function checkItem(item, { chapter, graphCodes }) {
  const e = [];
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return ['a line must be one JSON object'];
  for (const k of Object.keys(item)) if (!ITEM_KEYS.has(k)) e.push(`unknown field "${k}"`);
  const m = /^RJM-I-(\d{2})-(\d{3})$/.exec(item.code ?? '');
  if (!m) e.push(`code "${item.code}" must be RJM-I-NN-NNN`);
  else if (chapter && m[1] !== chapter) e.push(`code ${item.code} belongs in ch${m[1]}.jsonl, not ch${chapter}.jsonl`);
  const type = item.type;
  if (!(type in SCORES)) {
    e.push(`type "${type}" must be one of ${Object.keys(SCORES).join(', ')}`);
    return e;
  }
  if (!nonEmpty(item.stem)) e.push('stem is empty');
  if (!nonEmpty(item.explanation)) e.push('explanation is empty');
  if (item.source !== '数枢原创') e.push(`source must be 数枢原创, not "${item.source}"`);
  if (!Number.isInteger(item.difficulty) || item.difficulty < 1 || item.difficulty > 5) e.push(`difficulty ${item.difficulty} must be an integer 1–5`);
  const [lo, hi] = SCORES[type];
  if (!Number.isInteger(item.score) || item.score < lo || item.score > hi) e.push(`score ${item.score} of a ${type} item must be an integer ${lo === hi ? lo : `${lo}–${hi}`}`);

  const kps = item.knowledge_points;
  if (!Array.isArray(kps) || kps.length < 1 || kps.length > 3) e.push('knowledge_points must list 1–3 codes');
  else {
    if (new Set(kps).size !== kps.length) e.push('knowledge_points lists a code twice');
    for (const k of kps) if (!graphCodes.has(k)) e.push(`knowledge point "${k}" is not in the graph`);
  }

  const texts = [['stem', item.stem], ['explanation', item.explanation]];
  const choice = type === 'single' || type === 'multiple';
  if (choice) {
    const opts = item.options;
    if (!Array.isArray(opts) || opts.length < 4 || opts.length > 5) e.push('a choice item needs 4 or 5 options');
    else {
      opts.forEach((o, i) => {
        const key = 'ABCDE'[i];
        if (o?.key !== key) e.push(`option ${i + 1} must have key ${key}, not "${o?.key}"`);
        if (!nonEmpty(o?.text)) e.push(`option ${key} has no text`);
        for (const k of Object.keys(o ?? {})) if (!['key', 'text', 'misconception'].includes(k)) e.push(`option ${key}: unknown field "${k}"`);
        if ('misconception' in (o ?? {}) && !nonEmpty(o.misconception)) e.push(`option ${key}: misconception is empty`);
        texts.push([`option ${key}`, o?.text], [`option ${key} misconception`, o?.misconception]);
      });
      const keys = opts.map((o) => o?.key);
      const answers = type === 'single' ? [item.answer] : item.answer;
      if (type === 'single' && typeof item.answer !== 'string') e.push('the answer of a single item is one option key');
      if (type === 'multiple') {
        if (!Array.isArray(item.answer) || item.answer.length < 2) e.push('the answer of a multiple item is an array of at least 2 keys');
        else if (item.answer.join() !== [...new Set(item.answer)].sort().join()) e.push('the answer keys of a multiple item must be sorted and distinct');
      }
      for (const a of Array.isArray(answers) ? answers : []) {
        if (!keys.includes(a)) e.push(`answer "${a}" is not an option key`);
        else if (opts.find((o) => o?.key === a).misconception) e.push(`correct option ${a} must not carry a misconception`);
      }
    }
    if (!(typeof item.stem === 'string' && item.stem.includes('（　　）'))) e.push('the stem of a choice item shows its blank as （　　）');
  } else if ('options' in item) e.push(`a ${type} item has no options`);

  if (type === 'truefalse' && typeof item.answer !== 'boolean') e.push('the answer of a truefalse item is true or false');
  if (type === 'numeric') {
    const a = item.answer;
    if (typeof a !== 'object' || a === null || Array.isArray(a)) e.push('the answer of a numeric item is {"value", "tolerance"}');
    else {
      if (typeof a.value !== 'number' || !Number.isFinite(a.value)) e.push('numeric answer value must be a finite number');
      if (typeof a.tolerance !== 'number' || !Number.isFinite(a.tolerance) || a.tolerance < 0) e.push('numeric answer tolerance must be a number ≥ 0');
      if ('unit' in a && !nonEmpty(a.unit)) e.push('numeric answer unit must be a non-empty string');
      for (const k of Object.keys(a)) if (!['value', 'tolerance', 'unit'].includes(k)) e.push(`numeric answer: unknown field "${k}"`);
    }
  }
  if (type === 'subjective') {
    if (!nonEmpty(item.answer)) e.push('the answer of a subjective item is the reference solution text');
    else texts.push(['answer', item.answer]);
    const rubric = item.rubric;
    if (!Array.isArray(rubric) || rubric.length === 0) e.push('a subjective item needs a rubric');
    else {
      let sum = 0;
      rubric.forEach((r, i) => {
        if (!Number.isInteger(r?.points) || r.points <= 0) e.push(`rubric ${i + 1}: points must be an integer > 0`);
        else sum += r.points;
        if (!nonEmpty(r?.criterion)) e.push(`rubric ${i + 1}: criterion is empty`);
        texts.push([`rubric ${i + 1}`, r?.criterion]);
      });
      if (sum !== item.score) e.push(`rubric points sum to ${sum}, but score is ${item.score}`);
    }
  } else if ('rubric' in item) e.push(`a ${type} item has no rubric`);

  for (const [where, t] of texts) if (typeof t === 'string') for (const msg of checkMath(t)) e.push(`${where}: ${msg}`);
  return e;
}

// Checks one JSON Lines file of items; seen maps item codes to where they were first defined.
export function checkItemFile(text, { file, graphCodes, seen = new Map() }) {
  const errors = [];
  const chapter = /ch(\d{2})\.jsonl$/.exec(file)?.[1];
  if (!chapter) errors.push(`${file}: the file name must be chNN.jsonl`);
  if (text.length > 0 && !text.endsWith('\n')) errors.push(`${file}: the last line must end with a newline`);
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((line, i) => {
    const where = `${file}:${i + 1}`;
    let item;
    try {
      item = JSON.parse(line);
    } catch (e) {
      errors.push(`${where}: not valid JSON: ${e.message}`);
      return;
    }
    for (const msg of checkItem(item, { chapter, graphCodes })) errors.push(`${where}: ${msg}`);
    if (typeof item?.code === 'string') {
      if (seen.has(item.code)) errors.push(`${where}: duplicate item code ${item.code} (first at ${seen.get(item.code)})`);
      else seen.set(item.code, where);
    }
  });
  return { errors, count: lines.length };
}

// Checks the graph and every item file under a repository root (or a test folder laid out alike).
export function checkContent(root, options = {}) {
  const graphPath = path.join(root, GRAPH_FILE);
  const { errors, codes } = checkGraph(fs.readFileSync(graphPath, 'utf8'), { file: GRAPH_FILE, ...options });
  const dir = path.join(root, ITEMS_DIR);
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort() : [];
  const seen = new Map();
  const counts = {};
  for (const f of files) {
    const file = `${ITEMS_DIR}/${f}`;
    const r = checkItemFile(fs.readFileSync(path.join(dir, f), 'utf8'), { file, graphCodes: codes, seen });
    errors.push(...r.errors);
    counts[f] = r.count;
  }
  return { errors, codes, counts };
}
