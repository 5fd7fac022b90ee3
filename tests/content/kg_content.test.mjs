// kg_content.test.mjs — the shipped 初中数学 knowledge graph and item bank pass kg_check.mjs,
// and kg_check.mjs refuses broken graphs and items (bad input written to a temporary folder).
import test from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkContent, checkGraph, checkItem, checkItemFile, mathFragments, GRAPH_COLUMNS, GRAPH_FILE, ITEMS_DIR,
} from './kg_check.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

test('the shipped knowledge graph and item bank are valid', () => {
  const { errors, codes, counts } = checkContent(root);
  assert.deepEqual(errors, []);
  assert.ok(codes.size >= 80 && codes.size <= 120, `${codes.size} knowledge points`);
  for (const [file, n] of Object.entries(counts)) assert.ok(n >= 14, `${file} has only ${n} items`);
});

test('the graph covers all six semesters and its first and last points are where the textbooks put them', () => {
  const { codes } = checkGraph(fs.readFileSync(path.join(root, GRAPH_FILE), 'utf8'));
  const list = [...codes];
  assert.equal(list[0], 'RJM-1.1');
  assert.equal(list.at(-1), 'RJM-29.2');
  assert.ok(codes.has('RJM-1.2.2') && codes.has('RJM-21.2.1'));
});

// A small valid graph: three points in chapter 1 (limits relaxed for the small size).
const HEADER = GRAPH_COLUMNS.join(',');
const row = (code, prereqs = '', over = {}) => {
  const r = {
    code, name: '数轴', subject: '数学', edition: '人教版（2012）', grade: '7', semester: '上',
    chapter: '第一章 有理数', section: `${code.slice(4).split('.').slice(0, 2).join('.')} 有理数`,
    prerequisites: prereqs, description: '能画出数轴。', ...over,
  };
  return GRAPH_COLUMNS.map((c) => r[c]).join(',');
};
const small = { minRows: 1, maxRows: 10 };
const graphOf = (...rows) => [HEADER, ...rows].join('\n') + '\n';
const graphErrors = (text, opts = small) => checkGraph(text, opts).errors.join('\n');

test('a small valid graph passes', () => {
  assert.equal(graphErrors(graphOf(row('RJM-1.1'), row('RJM-1.2.1', 'RJM-1.1'), row('RJM-1.2.2', 'RJM-1.1;RJM-1.2.1'))), '');
});

test('the graph checks refuse a broken graph', () => {
  const cases = [
    ['header', 'code,name\nRJM-1.1,正数\n', /header must be/],
    ['row count', graphOf(row('RJM-1.1')), /1 rows; must be 80–120/, {}],
    ['duplicate code', graphOf(row('RJM-1.1'), row('RJM-1.1')), /duplicate code RJM-1.1/],
    ['missing prerequisite', graphOf(row('RJM-1.1', 'RJM-9.9')), /prerequisite "RJM-9.9" of RJM-1.1 is not in the graph/],
    ['self loop', graphOf(row('RJM-1.1', 'RJM-1.1')), /its own prerequisite/],
    ['cycle', graphOf(row('RJM-1.1', 'RJM-1.2.2'), row('RJM-1.2.1', 'RJM-1.1'), row('RJM-1.2.2', 'RJM-1.2.1')), /prerequisite cycle RJM-1.1 → RJM-1.2.2 → RJM-1.2.1 → RJM-1.1|prerequisite cycle/],
    ['grade', graphOf(row('RJM-1.1', '', { grade: '10' })), /grade must be 7, 8 or 9/],
    ['semester', graphOf(row('RJM-1.1', '', { semester: '中' })), /semester must be 上 or 下/],
    ['grade of chapter', graphOf(row('RJM-1.1', '', { grade: '8' })), /chapter 1 is taught in grade 7上/],
    ['chapter title', graphOf(row('RJM-1.1', '', { chapter: '第1章 有理数' })), /chapter must be "第一章 有理数"/],
    ['section', graphOf(row('RJM-1.2.1', '', { section: '1.3 有理数' })), /must start with "1.2 "/],
    ['order', graphOf(row('RJM-1.2.1'), row('RJM-1.1')), /must be in textbook order/],
    ['code', graphOf(row('KP-1')), /not RJM- plus the textbook numbering/],
    ['quoting', `${HEADER}\n"RJM-1.1,数轴\n`, /not valid CSV/],
    ['columns', `${HEADER}\nRJM-1.1,数轴\n`, /not valid CSV/],
  ];
  for (const [name, text, pattern, opts] of cases) assert.match(graphErrors(text, opts ?? small), pattern, name);
});

test('the cycle message names the cycle', () => {
  const text = graphOf(row('RJM-1.1', 'RJM-1.2.1'), row('RJM-1.2.1', 'RJM-1.1'));
  assert.match(graphErrors(text), /prerequisite cycle RJM-1.1 → RJM-1.2.1 → RJM-1.1/);
});

const graphCodes = new Set(['RJM-1.1', 'RJM-1.2.4']);
const single = {
  code: 'RJM-I-01-001', type: 'single', stem: '下列各数中，是负数的是（　　）',
  options: [
    { key: 'A', text: '$0$', misconception: '以为0是负数' }, { key: 'B', text: '$-(-3)$', misconception: '只看到负号' },
    { key: 'C', text: '$-|-2|$' }, { key: 'D', text: '$(-1)^2$', misconception: '把乘方当成乘法' },
  ],
  answer: 'C', explanation: '$-|-2|=-2<0$。', knowledge_points: ['RJM-1.1', 'RJM-1.2.4'], difficulty: 2, source: '数枢原创', score: 3,
};
const subjective = {
  code: 'RJM-I-01-002', type: 'subjective', stem: '计算 $-2^2+|-3|$。', answer: '$-4+3=-1$',
  rubric: [{ points: 3, criterion: '$-2^2=-4$' }, { points: 3, criterion: '结果 $-1$' }],
  explanation: '先算乘方。', knowledge_points: ['RJM-1.1'], difficulty: 2, source: '数枢原创', score: 6,
};
const itemErrors = (item) => checkItem(item, { chapter: '01', graphCodes }).join('\n');
// The item as JSON would carry it: fields set to undefined are left out.
const asJson = (item) => JSON.parse(JSON.stringify(item));

test('valid items pass', () => {
  assert.equal(itemErrors(single), '');
  assert.equal(itemErrors(subjective), '');
  assert.equal(itemErrors(asJson({ ...subjective, type: 'numeric', answer: { value: -1, tolerance: 0 }, rubric: undefined, score: 3 })), '');
  assert.equal(itemErrors(asJson({ ...subjective, type: 'truefalse', answer: false, rubric: undefined, score: 2 })), '');
});

test('the item checks refuse broken items', () => {
  const numeric = asJson({ ...subjective, type: 'numeric', answer: { value: 1, tolerance: 0 }, score: 3, rubric: undefined });
  const cases = [
    ['type', { ...single, type: 'essay' }, /type "essay" must be one of/],
    ['answer key', { ...single, answer: 'E' }, /answer "E" is not an option key/],
    ['misconception on answer', { ...single, answer: 'A' }, /correct option A must not carry a misconception/],
    ['multiple unsorted', { ...single, type: 'multiple', answer: ['C', 'B'] }, /sorted and distinct/],
    ['multiple one key', { ...single, type: 'multiple', answer: ['C'] }, /at least 2 keys/],
    ['option keys', { ...single, options: single.options.map((o, i) => ({ ...o, key: 'ABDC'[i] })) }, /option 3 must have key C/],
    ['three options', { ...single, options: single.options.slice(0, 3) }, /4 or 5 options/],
    ['choice blank', { ...single, stem: '下列各数中，是负数的是' }, /（　　）/],
    ['truefalse answer', { ...numeric, type: 'truefalse', answer: 'true', score: 2 }, /true or false/],
    ['tolerance', { ...numeric, answer: { value: 1, tolerance: -0.1 } }, /tolerance must be a number ≥ 0/],
    ['numeric value', { ...numeric, answer: { value: '1', tolerance: 0 } }, /finite number/],
    ['numeric options', { ...numeric, options: single.options }, /numeric item has no options/],
    ['rubric sum', { ...subjective, score: 8 }, /rubric points sum to 6, but score is 8/],
    ['rubric points', { ...subjective, rubric: [{ points: 0, criterion: 'x' }, { points: 6, criterion: 'y' }] }, /points must be an integer > 0/],
    ['no rubric', asJson({ ...subjective, rubric: undefined }), /needs a rubric/],
    ['unknown point', { ...single, knowledge_points: ['RJM-99.1'] }, /knowledge point "RJM-99.1" is not in the graph/],
    ['no point', { ...single, knowledge_points: [] }, /1–3 codes/],
    ['difficulty', { ...single, difficulty: 6 }, /difficulty 6 must be an integer 1–5/],
    ['score', { ...single, score: 5 }, /score 5 of a single item must be an integer 3/],
    ['source', { ...single, source: '某地中考' }, /source must be 数枢原创/],
    ['explanation', { ...single, explanation: '' }, /explanation is empty/],
    ['code', { ...single, code: 'RJM-I-1-1' }, /must be RJM-I-NN-NNN/],
    ['chapter of code', { ...single, code: 'RJM-I-02-001' }, /belongs in ch02.jsonl/],
    ['unknown field', { ...single, answers: 'C' }, /unknown field "answers"/],
    ['katex', { ...single, stem: '化简 $\\frac{1}{$ 的结果是（　　）' }, /stem: (KaTeX cannot render|unbalanced)/],
    ['katex command', { ...single, explanation: '$\\fracc{1}{2}$' }, /explanation: KaTeX cannot render/],
    ['unbalanced dollar', { ...single, explanation: '所以 $x=1。' }, /unbalanced \$/],
    ['Chinese in maths', { ...single, explanation: '$x=1米$' }, /KaTeX cannot render/],
  ];
  for (const [name, item, pattern] of cases) assert.match(itemErrors(asJson(item)), pattern, name);
});

test('items with fields of the wrong JSON type get messages, not exceptions', () => {
  const odd = [null, 0, -1, 1.5, '', 'x', true, [], [null], {}, { key: null }];
  for (const base of [single, subjective, { ...single, type: 'multiple', answer: ['B', 'C'] }]) {
    for (const field of Object.keys(base).concat(['options', 'rubric'])) {
      for (const value of odd) {
        const item = { ...base, [field]: value };
        assert.doesNotThrow(() => checkItem(item, { chapter: '01', graphCodes }), `${field} = ${JSON.stringify(value)}`);
      }
    }
  }
  for (const line of ['null', '[]', '"text"', '42', '{"options": [null, 1, "A"], "type": "single", "answer": "A"}']) {
    const { errors } = checkItemFile(`${line}\n`, { file: 'ch01.jsonl', graphCodes });
    assert.ok(errors.length > 0, line);
  }
});

test('maths fragments: inline and display are found, text outside is left alone', () => {
  const { fragments, unbalanced } = mathFragments('设 $x=1$，则 $$x^2=1$$ 成立');
  assert.deepEqual(fragments, [{ tex: 'x=1', display: false }, { tex: 'x^2=1', display: true }]);
  assert.equal(unbalanced, false);
});

test('a broken content folder fails: bad JSON line, duplicate codes across files, bad graph', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kg-content-'));
  try {
    fs.mkdirSync(path.join(dir, path.dirname(GRAPH_FILE)), { recursive: true });
    fs.mkdirSync(path.join(dir, ITEMS_DIR), { recursive: true });
    fs.writeFileSync(path.join(dir, GRAPH_FILE), graphOf(row('RJM-1.1'), row('RJM-1.2.4', 'RJM-1.1')));
    const line = JSON.stringify(single);
    fs.writeFileSync(path.join(dir, ITEMS_DIR, 'ch01.jsonl'), `${line}\n{"code": "RJM-I-01-002",\n`);
    fs.writeFileSync(path.join(dir, ITEMS_DIR, 'ch02.jsonl'), `${JSON.stringify({ ...single, code: 'RJM-I-02-001' })}\n${line}\n`);
    const { errors } = checkContent(dir, small);
    const text = errors.join('\n');
    assert.match(text, /ch01\.jsonl:2: not valid JSON/);
    assert.match(text, /ch02\.jsonl:2: .*belongs in ch01\.jsonl/);
    assert.match(text, /ch02\.jsonl:2: duplicate item code RJM-I-01-001 \(first at data\/items\/math_junior\/ch01\.jsonl:1\)/);
    assert.equal(checkContent(dir).errors.filter((e) => /2 rows; must be 80–120/.test(e)).length, 1);
    // The same folder with its broken lines removed passes.
    fs.writeFileSync(path.join(dir, ITEMS_DIR, 'ch01.jsonl'), `${line}\n`);
    fs.writeFileSync(path.join(dir, ITEMS_DIR, 'ch02.jsonl'), `${JSON.stringify({ ...single, code: 'RJM-I-02-001' })}\n`);
    assert.deepEqual(checkContent(dir, small).errors, []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an item file without a final newline or with a blank line is refused', () => {
  const line = JSON.stringify(single);
  const { errors } = checkItemFile(`${line}\n\n${JSON.stringify({ ...single, code: 'RJM-I-01-009' })}`, { file: 'ch01.jsonl', graphCodes });
  assert.match(errors.join('\n'), /last line must end with a newline/);
  assert.match(errors.join('\n'), /ch01\.jsonl:2: not valid JSON/);
});
