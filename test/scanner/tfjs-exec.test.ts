/**
 * The TF.js rewrite, executed: every `tfjs_exec_*` corpus file (public-style meta-learning code
 * that prints its meta-gradient and the peak bytes of computing it, from tf.profile) is run as
 * written, rewritten, and rewritten with the helper's backward replaced by zeros (the inner
 * gradient treated as a constant: first order), each in its own process on the cpu backend.
 * The rewrite must print the same meta-gradient (float32, rel. 1e-5) with fewer peak bytes (the
 * exact counts are pinned); the first-order variant must differ, so the second-order part is
 * really exercised.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { rewriteText, scanText } from '../../extension/scanner/index.js';
import { planFileRewrite, applyTextEdits } from '../../extension/features/rewritePlan.js';
import { TFJS_HELPER_MARK, TFJS_HELPER_NAMES, tfjsHelper } from '../../extension/scanner/rewrite/tfjs-helper.js';
import { fixtures } from './corpus.js';

const ROOT = join(__dirname, '..', '..');
const run = promisify(execFile);
const cases = fixtures().filter((f) => f.name.startsWith('typescript/tfjs_exec_'));

interface Printed { metaGrad: number[]; peakBytes: number }

/**
 * Peak bytes above the tensors alive before (tf.profile, cpu backend, TF.js 4.22): exact, as the
 * shapes and seeds are fixed. A change here is a change in what the outer tape keeps.
 */
const PEAK_BYTES: Record<string, { original: number; rewritten: number }> = {
  'tfjs_exec_learned_lr.ts': { original: 971_120, rewritten: 297_744 },
  'tfjs_exec_maml.ts': { original: 688_500, rewritten: 153_456 },
  'tfjs_exec_named_imports.ts': { original: 171_008, rewritten: 54_972 },
  'tfjs_exec_require.js': { original: 51_724, rewritten: 13_728 },
  'tfjs_exec_value_and_grads.ts': { original: 665_300, rewritten: 219_864 },
};

/** Replaces the helper's backward by zeros for every input: the inner gradient becomes a constant. */
function firstOrder(rewritten: string): string {
  const backward = /backwardsFunc: \(dOut(?:: [^,]+)?, saved(?:: [\w.[\]]+)?\) => /;
  assert.match(rewritten, backward);
  return rewritten.replace(backward, (m) => `${m}Object.fromEntries(saved.map((t, i) => [i, () => tf.zerosLike(t)])) || `);
}

async function execute(dir: string, name: string, text: string): Promise<Printed> {
  const path = join(dir, name);
  writeFileSync(path, text);
  const args = ['--import', 'tsx', path];
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('{'));
  assert.ok(line, `${name} printed no result:\n${stdout}`);
  return JSON.parse(line) as Printed;
}

function maxRelDiff(a: number[], b: number[]): number {
  const scale = Math.max(...a.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]) / Math.max(Math.abs(v), 1e-3 * scale)));
}

test('the executable TF.js corpus: at least four files (learned lr, MAML with tf.grads, valueAndGrads, named imports)', () => {
  assert.deepEqual(cases.map((c) => basename(c.path)).sort(), [
    'tfjs_exec_learned_lr.ts', 'tfjs_exec_maml.ts', 'tfjs_exec_named_imports.ts', 'tfjs_exec_require.js', 'tfjs_exec_value_and_grads.ts',
  ]);
});

test('TF.js rewrites, executed: same meta-gradients (rel. 1e-5), fewer peak bytes, first order differs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-tfjs-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  try {
    const report: string[] = [];
    // Two files at a time (one process per variant): the machine has two cores.
    for (let i = 0; i < cases.length; i += 2) {
      await Promise.all(cases.slice(i, i + 2).map(async (c) => {
        const name = basename(c.path);
        const result = rewriteText(c.path, c.text);
        assert.ok(result.text, `${name}: not rewritten`);
        assert.equal(result.applied.length, c.expected.length, `${name}: every site rewritten`);
        const original = await execute(dir, `original_${name}`, c.text);
        const rewritten = await execute(dir, `rewritten_${name}`, result.text);
        const first = await execute(dir, `first_order_${name}`, firstOrder(result.text));
        assert.equal(rewritten.metaGrad.length, original.metaGrad.length, name);
        assert.ok(original.metaGrad.every(Number.isFinite) && original.metaGrad.some((v) => v !== 0), `${name}: a real meta-gradient`);
        const rel = maxRelDiff(original.metaGrad, rewritten.metaGrad);
        assert.ok(rel <= 1e-5, `${name}: rewritten differs from the original by ${rel}`);
        const firstRel = maxRelDiff(original.metaGrad, first.metaGrad);
        assert.ok(firstRel > 1e-3, `${name}: the first-order variant matches the original (${firstRel}): the second-order part is not exercised`);
        assert.ok(rewritten.peakBytes < original.peakBytes, `${name}: peak ${rewritten.peakBytes} B rewritten vs ${original.peakBytes} B original`);
        assert.deepEqual({ original: original.peakBytes, rewritten: rewritten.peakBytes }, PEAK_BYTES[name], `${name}: peak bytes`);
        report.push(`${name}: peak ${original.peakBytes} -> ${rewritten.peakBytes} B, max rel diff ${rel.toExponential(1)}, first order off by ${firstRel.toExponential(1)}`);
      }));
    }
    console.log(report.sort().join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every rewritten TF.js corpus file: helper once, sites changed, rescan finds nothing, parses', () => {
  for (const c of fixtures().filter((f) => f.name.startsWith('typescript/tfjs_'))) {
    const result = rewriteText(c.path, c.text);
    if (!result.text) { assert.equal(c.expected.filter((e) => e.status === 'rewritable').length, 0, c.name); continue; }
    const out = result.text;
    assert.equal(out.split(TFJS_HELPER_MARK).length - 1, 1, `${c.name}: helper once`);
    for (const name of TFJS_HELPER_NAMES) assert.ok((out.match(new RegExp(`^function ${name}\\b`, 'gm')) ?? []).length <= 1, `${c.name}: ${name} once`);
    for (const f of result.applied) assert.ok(f.edits.some((e) => /^(grad|grads|valueAndGrad|valueAndGrads)WithLocalHvp$/.test(e.newText)), `${c.name}:${f.line}`);
    // Rescan: nothing but sites left as they were (blocked).
    const again = scanText(c.path, out);
    assert.equal(again.filter((f) => f.rewritable).length, 0, `${c.name}: rescan finds nothing rewritable`);
    // (a blocked site inside a rewritten one's loss is not nested in a TF.js gradient any more.)
    assert.ok(again.length <= result.notRewritten.length, `${c.name}: rescan finds only blocked sites`);
    const parsed = ts.createSourceFile(c.path, out, ts.ScriptTarget.Latest, true, c.path.endsWith('.js') ? ts.ScriptKind.JS : ts.ScriptKind.TS);
    assert.equal((parsed as unknown as { parseDiagnostics: unknown[] }).parseDiagnostics.length, 0, `${c.name}: parses`);
    // The editor applies exactly these edits (rewrite preview, Rewrite File).
    const plan = planFileRewrite(c.text, result);
    assert.ok(!('error' in plan), c.name);
    if (!('error' in plan)) assert.equal(applyTextEdits(c.text, plan.edits), out);
  }
});

test('a rewritten file without blocked sites rescans clean', () => {
  for (const c of cases) assert.deepEqual(scanText(c.path, rewriteText(c.path, c.text).text!), [], c.name);
});

test('the rewritten TF.js files type-check (strict) with the helper inserted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-tfjs-tsc-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  try {
    const files = fixtures().filter((f) => /^typescript\/tfjs_.*\.ts$/.test(f.name)).flatMap((c) => {
      const out = rewriteText(c.path, c.text).text;
      if (!out) return [];
      const path = join(dir, basename(c.path));
      writeFileSync(path, out);
      return [path];
    });
    const program = ts.createProgram(files, {
      strict: true, noEmit: true, target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10, skipLibCheck: true, types: [], lib: ['lib.es2020.d.ts', 'lib.dom.d.ts'],
    });
    const errors = ts.getPreEmitDiagnostics(program).map((d) => `${basename(d.file?.fileName ?? '')}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
    assert.deepEqual(errors, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mixflow rewrite FILE.ts prints the rewrite (exit 0) and names every site it left, with the reason', () => {
  const c = cases.find((x) => x.name.endsWith('tfjs_exec_maml.ts'))!;
  const ok = spawnSync(process.execPath, [join(ROOT, 'bin', 'mixflow.js'), 'rewrite', c.path], { encoding: 'utf8' });
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(ok.stdout, rewriteText(c.path, c.text).text);
  const blocked = join(ROOT, 'test', 'fixtures', 'scanner', 'typescript', 'tfjs_blockers.ts');
  const partial = spawnSync(process.execPath, [join(ROOT, 'bin', 'mixflow.js'), 'rewrite', blocked], { encoding: 'utf8' });
  assert.equal(partial.status, 0, 'the one second-order site there is rewritten');
  assert.match(partial.stderr, /tfjs_blockers\.ts:18:\d+: tfjs-nested-grad: not rewritten: the loss reads `scale` inside `scaled`/);
  assert.match(partial.stderr, /tf\.variableGrads differentiates the trainable variables/);
});

/**
 * The helper against TF.js itself, every form in one program: grad, grads, valueAndGrad(s)
 * (the value's cotangent used), a `dy` that depends on the meta-parameter, and a loss reading
 * the outer variable through `capturing`; the TypeScript and the JavaScript helper text.
 */
const FORMS = `
const x = tf.randomNormal([8, 4], 0, 1, 'float32', 1);
const y = tf.randomNormal([8, 1], 0, 1, 'float32', 2);
const w0 = tf.randomNormal([4, 1], 0, 1, 'float32', 3);
const loss = (w) => tf.mean(tf.square(tf.sub(tf.tanh(tf.matMul(x, w)), y)));
const flat = (ts) => ts.flatMap((t) => Array.from(t.dataSync()));
function forms(G, Gs, VG, VGs, cap) {
  const lr = tf.scalar(0.3);
  return {
    grad: flat([tf.grad((a) => { let w = w0; for (let i = 0; i < 3; i++) w = tf.sub(w, tf.mul(a, G(loss)(w))); return loss(w); })(lr)]),
    grads: flat(tf.grads((a, w) => { let ws = [w]; for (let i = 0; i < 3; i++) ws = Gs((u) => loss(u))(ws).map((g, j) => tf.sub(ws[j], tf.mul(a, g))); return loss(ws[0]); })([lr, w0])),
    valueAndGrad: flat([tf.grad((a) => { let w = w0; let sum = tf.scalar(0); for (let i = 0; i < 3; i++) { const o = VG(loss)(w); sum = tf.add(sum, o.value); w = tf.sub(w, tf.mul(a, o.grad)); } return tf.add(loss(w), sum); })(lr)]),
    valueAndGrads: flat([tf.grad((a) => { let w = [w0]; let sum = tf.scalar(0); for (let i = 0; i < 3; i++) { const o = VGs((u) => loss(u))(w); sum = tf.add(sum, o.value); w = [tf.sub(w[0], tf.mul(a, o.grads[0]))]; } return tf.add(loss(w[0]), sum); })(lr)]),
    dy: flat([tf.grad((a) => loss(tf.sub(w0, tf.mul(a, G(loss)(w0, tf.mul(a, 2))))))(lr)]),
    captured: flat([tf.grad((weights) => { let w = w0; for (let i = 0; i < 2; i++) w = tf.sub(w, tf.mul(0.1, G(cap(weights))(w))); return loss(w); })(tf.ones([8, 1]))]),
  };
}
const weighted = (weights) => (w) => tf.mean(tf.mul(weights, tf.square(tf.sub(tf.matMul(x, w), y))));
const original = forms(tf.grad, tf.grads, tf.valueAndGrad, tf.valueAndGrads, weighted);
const rewritten = forms(gradWithLocalHvp, gradsWithLocalHvp, valueAndGradWithLocalHvp, valueAndGradsWithLocalHvp,
  (weights) => capturing(() => [weights], (weights) => weighted(weights)));
console.log(JSON.stringify({ original, rewritten }));
`;

test('the helper against TF.js: grad, grads, valueAndGrad(s), dy and captured tensors give the same meta-gradients (TS and JS text)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-tfjs-forms-'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const head = "import * as tf from '@tensorflow/tfjs-core';\nimport '@tensorflow/tfjs-backend-cpu';\nimport '@tensorflow/tfjs-core/dist/register_all_gradients';\n";
  try {
    for (const typed of [true, false]) {
      // The forms are plain JavaScript; in the .ts program their parameters are left implicitly any.
      const name = typed ? 'forms.ts' : 'forms.js';
      const path = join(dir, name);
      writeFileSync(path, `${typed ? '// @ts-nocheck\n' : ''}${head}${tfjsHelper('tf', typed)}\nasync function main() {\nawait tf.setBackend('cpu');\n${FORMS}}\nmain();\n`);
      const { stdout } = await run(process.execPath, ['--import', 'tsx', path], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
      const { original, rewritten } = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{'))!) as Record<string, Record<string, number[]>>;
      assert.deepEqual(Object.keys(rewritten), ['grad', 'grads', 'valueAndGrad', 'valueAndGrads', 'dy', 'captured']);
      for (const form of Object.keys(original)) {
        assert.ok(original[form].length > 0 && original[form].every(Number.isFinite), `${name} ${form}`);
        assert.ok(maxRelDiff(original[form], rewritten[form]) <= 1e-5, `${name} ${form}: ${original[form]} vs ${rewritten[form]}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The `capturing(() => [names], …)` wrapper a rewrite put at a site, if any. */
function capturedAt(path: string, text: string): string[] {
  const result = rewriteText(path, text);
  return result.applied.flatMap((f) => f.edits.map((e) => /^capturing\(\(\) => \[([^\]]*)\]/.exec(e.newText)?.[1]).filter((m): m is string => m !== undefined));
}

test('captured values: only what the outer gradient can differentiate becomes an input of the op', () => {
  const want: Record<string, string[]> = {
    'tfjs_exec_learned_lr.ts': [], // data and head: parameters every caller passes values bound before the outer grad
    'tfjs_exec_value_and_grads.ts': [],
    'tfjs_exec_named_imports.ts': ['exampleWeights'], // the meta-parameter, passed down from the outer grad's argument
    'tfjs_exec_require.js': ['damping'],
    'tfjs_exec_maml.ts': [], // task tensors reach adapt() through tasks.map((t) => …): elements of a constant array
  };
  for (const c of cases) assert.deepEqual(capturedAt(c.path, c.text), want[basename(c.path)], c.name);
  // A module-level value the differentiated function assigns is not constant.
  const reassigned = [
    "import * as tf from '@tensorflow/tfjs-core';",
    'let scale = tf.scalar(1);',
    'const fixed = tf.scalar(3);',
    'export const meta = tf.grad((s: tf.Tensor) => {',
    '  scale = tf.mul(s, 2);',
    '  const g = tf.grad((w: tf.Tensor) => tf.sum(tf.mul(fixed, tf.mul(scale, tf.square(w)))))(tf.ones([2]));',
    '  return tf.sum(g);',
    '});',
  ].join('\n');
  assert.deepEqual(capturedAt('reassigned.ts', reassigned), ['scale']);
});
