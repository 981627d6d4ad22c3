/**
 * Every runnable PyTorch file in the corpus is rewritten, both versions are run
 * (torch.func mapped to functorch on PyTorch 1.13 by torch_func_shim.py) and
 * every number they print must agree to 1e-8 in float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewriteText, scanText } from '../../extension/scanner/index.js';
import { applyTextEdits, uniqueEdits } from '../../extension/features/rewritePlan.js';
import { fixtures } from './corpus.js';
import { findTorchPython, TORCH_INSTALL as INSTALL } from '../torchPython.js';

const SHIM = join(__dirname, 'torch_func_shim.py');
function numbers(output: string): number[] {
  return (output.match(/-?\d+\.\d+(?:e[-+]?\d+)?/gi) ?? []).map(Number);
}

/** `# mixflow-test: first-order A => B`: the first-order variant replaces every A by B. */
function firstOrderVariant(text: string): string | null {
  const m = /^# mixflow-test: first-order (.+?) => (.+)$/m.exec(text);
  return m ? text.split(m[1]).join(m[2]) : null;
}

interface Case {
  name: string;
  before: string;
  after: string | null;
  firstOrder: string | null;
  /** The rewrite with `helper: 'module'` (imports mixflow_mg.py from the same folder). */
  module: string | null;
  /** After only the "Extract inner loss into a function" refactors (when a site offers one). */
  extracted: string | null;
}

/**
 * Every script of every case runs in ONE Python process (torch is imported once); the shim
 * separates their outputs.
 */
function runAll(python: string, cases: Case[]): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-rewrite-'));
  const scripts: { key: string; path: string }[] = [];
  cases.forEach((c, i) => {
    const add = (kind: string, text: string | null) => {
      if (text === null) return;
      const path = join(dir, `${i}_${kind}_${c.name.split('/').pop()}`);
      writeFileSync(path, text);
      scripts.push({ key: `${c.name}:${kind}`, path });
    };
    add('before', c.before);
    add('after', c.after);
    add('first-order', c.firstOrder);
    add('module', c.module);
    add('extracted', c.extracted);
  });
  const helperModule = cases.map((c) => c.module && rewriteText(`${c.name}`, c.before, { helper: 'module' }).helperModule).find((m) => m);
  if (helperModule) writeFileSync(join(dir, helperModule.name), helperModule.text);
  const out = execFileSync(python, [SHIM, ...scripts.map((s) => s.path)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000, maxBuffer: 64 << 20 });
  const sections = out.split(/^=== mixflow-script \d+ ===$/m).slice(1);
  return new Map(scripts.map((s, i) => [s.key, sections[i] ?? '']));
}

const runnable = fixtures().filter((f) => f.runnable);
const found = findTorchPython();
const cases: Case[] = runnable.map((f) => {
  const extracts = scanText(f.path, f.text).filter((x) => x.extract);
  return {
    name: f.name, before: f.text, after: rewriteText(f.path, f.text).text, firstOrder: firstOrderVariant(f.text),
    module: rewriteText(f.path, f.text, { helper: 'module' }).text,
    extracted: extracts.length > 0 ? applyTextEdits(f.text, uniqueEdits(extracts.map((x) => ({ ...x, edits: x.extract! })))) : null,
  };
});
let outputs: Map<string, string> | null = null;
function output(name: string, kind: string): string {
  assert.ok(found, INSTALL);
  outputs ??= runAll(found.python, cases);
  const text = outputs.get(`${name}:${kind}`) ?? '';
  assert.ok(!/=== mixflow-failed \d+ ===/.test(text), `${kind} of ${name} failed:\n${text}`);
  return text;
}

test('PyTorch is importable for the execution tests', () => {
  assert.ok(found, INSTALL);
  console.log(`# torch, functorch: ${found.version} (${found.python})`);
});

test('the corpus has runnable PyTorch files with rewritable sites, most with a first-order variant', () => {
  assert.ok(runnable.length >= 9, `runnable: ${runnable.length}`);
  assert.ok(cases.filter((c) => c.firstOrder !== null).length >= 6);
});

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-8 * Math.max(1, Math.abs(a));

for (const c of cases) {
  test(`run ${c.name}: the rewrite (inline and module helper${c.extracted ? ', extract refactor' : ''}) prints the same numbers (1e-8, float64)${c.firstOrder ? '; first order differs' : ''}`, () => {
    assert.ok(c.after !== null, 'something was rewritten');
    const before = numbers(output(c.name, 'before'));
    const after = numbers(output(c.name, 'after'));
    assert.ok(before.length > 0, 'the original prints numbers');
    assert.equal(after.length, before.length);
    before.forEach((b, i) => assert.ok(close(b, after[i]), `number ${i}: ${b} vs ${after[i]}`));
    for (const kind of ['module', 'extracted'] as const) {
      if (c[kind] === null) continue;
      const other = numbers(output(c.name, kind));
      assert.equal(other.length, before.length, kind);
      before.forEach((b, i) => assert.ok(close(b, other[i]), `${kind}: number ${i}: ${b} vs ${other[i]}`));
    }
    if (c.firstOrder !== null) {
      assert.notEqual(c.firstOrder, c.before, 'the first-order substitution applies');
      const first = numbers(output(c.name, 'first-order'));
      assert.equal(first.length, before.length);
      const differing = before.filter((b, i) => Math.abs(b - first[i]) > 1e-6 * Math.max(1, Math.abs(b))).length;
      assert.ok(differing > 0, 'the first-order variant prints different meta-gradients: the second-order part is exercised');
    }
  });
}
