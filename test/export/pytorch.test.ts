/**
 * `mixflow export --to pytorch`: the exported program, run by Debian's PyTorch 1.13 (torch.func
 * mapped to functorch by torch_func_shim.py), must print the engine's float64 meta-gradients to
 * 1e-9, in both modes, with remat, in one process and under `torchrun --nproc_per_node 2`
 * (gloo on loopback). The reference examples are also checked against PyTorch's own
 * double-backward values that ship with the spec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportPytorch } from '../../engine/export/pytorch/index.js';
import type { Mode, Remat } from '../../engine/meta/problem.js';
import { runMeta } from '../../engine/meta/run.js';
import { materialise } from '../../engine/setup/materialise.js';
import { buildResult } from '../../engine/setup/result.js';
import { parseSetupText } from '../../engine/setup/validate.js';
import { findTorchPython, TORCH_INSTALL } from '../torchPython.js';
import { mixflow } from '../cli/mixflow.js';
import { exportedModels } from '../import/torchExport.js';

const SHIM = join(__dirname, '..', 'scanner', 'torch_func_shim.py');
const SPEC = join(__dirname, '..', 'fixtures', 'spec');
const found = findTorchPython();
const dir = mkdtempSync(join(tmpdir(), 'mixflow-export-'));
const run = promisify(execFile);

/** Every number of a meta_grads object, keys sorted, strings ("NaN", …) read back. */
function flatten(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap(flatten);
  if (v && typeof v === 'object') return Object.keys(v).sort().flatMap((k) => flatten((v as Record<string, unknown>)[k]));
  return [Number(v)];
}

/** ‖a − b‖∞ / ‖b‖∞. */
function relDiff(a: number[], b: number[]): number {
  assert.equal(a.length, b.length, 'as many meta-gradient values');
  const num = Math.max(...a.map((x, i) => Math.abs(x - b[i]!)));
  return num / Math.max(...b.map(Math.abs));
}

interface Case {
  name: string;
  text: string;
  /** Where an ONNX setup's model file is. */
  baseDir?: string;
  mode: Mode;
  remat: Remat;
  processes: 1 | 2;
}

async function engine64(text: string, mode: Mode, baseDir?: string): Promise<{ outer_loss: number; meta_grads: unknown }> {
  const setup = parseSetupText(text, { baseDir });
  const r = await runMeta(setup, materialise(setup), { mode, remat: 'none', precision: 'float64', backend: 'cpu' });
  const json = buildResult(setup, { outer_loss: r.outerLoss, metaGrads: r.metaGrads, peak_bytes: 0, active_peak_bytes: 0, time_ms: 0, mode, remat: 'none', backend: 'reference', precision: 'float64' });
  return { outer_loss: r.outerLoss, meta_grads: json.meta_grads };
}

let port = 29500 + (process.pid % 400);

/** Runs the exported program of `c` and returns its mixflow-result/1 JSON. */
async function exported(c: Case): Promise<{ outer_loss: number; meta_grads: unknown; processes: number; mode: string; remat: string }> {
  const file = join(dir, `${c.name}-${c.mode}-${c.remat.replace('+', '_')}-${c.processes}.py`);
  writeFileSync(file, exportPytorch(parseSetupText(c.text, { baseDir: c.baseDir }), c.text, { mode: c.mode, remat: c.remat, source: `${c.name}.mixflow.json`, file }));
  const args = [SHIM, file, '--', '--precision', 'float64', '--device', 'cpu'];
  // Debian's torchrun on Python 3.11 can't parse its own default --redirects/--tee ("0"): pass
  // stderr-only values, which leave stdout (the JSON) alone.
  const { stdout } = c.processes === 1
    ? await run(found!.python, args, { timeout: 120_000 })
    : await run(found!.torchrun!, ['--redirects', '2', '--tee', '2', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port++), ...args], { timeout: 240_000 });
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  assert.ok(line, `the program printed a JSON result (stdout: ${stdout.slice(0, 300)})`);
  return JSON.parse(line);
}

const reference = (n: string) => readFileSync(join(SPEC, `reference-${n}.mixflow.json`), 'utf8');

function setup(fields: Record<string, unknown>): string {
  return JSON.stringify({ format: 'mixflow-setup/1', theta0: { init: 'glorot', seed: 7 }, inner: { synthetic: { seed: 8, batch: 5 }, steps: 3 }, outer: { synthetic: { seed: 9, batch: 6 } }, ...fields });
}

const MLP_SGD = setup({ model: { kind: 'mlp', sizes: [4, 6, 3], activation: 'relu' }, loss: 'xent', optimizer: { kind: 'sgd' }, eta: { log_lr: [-1, -1.5, -2, -1.2] }, wrt: ['log_lr', 'theta0'] });
const MLP_MOMENTUM = setup({ model: { kind: 'mlp', sizes: [3, 5, 2], activation: 'tanh' }, loss: 'mse', optimizer: { kind: 'momentum', beta: 0.8 }, eta: { log_lr: -2, log_wd: -3 }, wrt: ['log_wd', 'example_logits', 'log_lr'] });
const MLP_ADAM = setup({ model: { kind: 'mlp', sizes: [4, 7, 5, 3], activation: 'gelu' }, loss: 'xent', optimizer: { kind: 'adam', b1: 0.85, b2: 0.99, eps: 1e-6 }, eta: { log_lr: -3, log_wd: -2 }, wrt: ['log_lr', 'log_wd', 'example_logits', 'theta0'] });
const MLP_SIGMOID = setup({ model: { kind: 'mlp', sizes: [3, 4, 2], activation: 'sigmoid' }, loss: 'mse', optimizer: { kind: 'adam' }, eta: {}, wrt: ['theta0', 'log_lr'] });
const TRANSFORMER = setup({
  model: { kind: 'transformer', vocab: 11, d_model: 8, heads: 2, layers: 2, seq: 5, d_ff: 12 },
  loss: 'xent', optimizer: { kind: 'adam' }, inner: { synthetic: { seed: 8, batch: 3 }, steps: 2 }, outer: { synthetic: { seed: 9, batch: 3 } },
  eta: { log_lr: -3, log_wd: -4 }, wrt: ['log_lr', 'log_wd', 'example_logits', 'theta0'],
});

/** ONNX models exported by PyTorch 1.13 in the import tests' helper, with PyTorch's reference numbers. */
const onnxDir = found ? exportedModels() : '';
const onnx = (name: string) => (found ? readFileSync(join(onnxDir, `${name}.mixflow.json`), 'utf8') : '{}');

const CASES: Case[] = [
  { name: 'reference-00', text: reference('00'), mode: 'mixflow', remat: 'none', processes: 1 },
  { name: 'reference-01', text: reference('01'), mode: 'standard', remat: 'step+block', processes: 1 },
  { name: 'reference-02', text: reference('02'), mode: 'mixflow', remat: 'block', processes: 1 },
  { name: 'mlp-sgd', text: MLP_SGD, mode: 'standard', remat: 'none', processes: 1 },
  { name: 'mlp-momentum', text: MLP_MOMENTUM, mode: 'mixflow', remat: 'step', processes: 1 },
  { name: 'mlp-adam', text: MLP_ADAM, mode: 'mixflow', remat: 'step+block', processes: 1 },
  { name: 'mlp-sigmoid', text: MLP_SIGMOID, mode: 'standard', remat: 'step', processes: 1 },
  { name: 'transformer', text: TRANSFORMER, mode: 'mixflow', remat: 'block', processes: 1 },
  { name: 'transformer', text: TRANSFORMER, mode: 'standard', remat: 'step+block', processes: 1 },
  { name: 'onnx-mlp', text: onnx('mlp'), baseDir: onnxDir, mode: 'mixflow', remat: 'block', processes: 1 },
  { name: 'onnx-maml_cnn', text: onnx('maml_cnn'), baseDir: onnxDir, mode: 'standard', remat: 'block', processes: 1 },
  { name: 'onnx-maml_cnn', text: onnx('maml_cnn'), baseDir: onnxDir, mode: 'mixflow', remat: 'step', processes: 1 },
  { name: 'onnx-pool_cnn', text: onnx('pool_cnn'), baseDir: onnxDir, mode: 'mixflow', remat: 'block', processes: 1 },
  { name: 'onnx-transformer', text: onnx('transformer'), baseDir: onnxDir, mode: 'standard', remat: 'step+block', processes: 1 },
  { name: 'mlp-adam', text: MLP_ADAM, mode: 'standard', remat: 'block', processes: 2 },
  { name: 'onnx-pool_cnn', text: onnx('pool_cnn'), baseDir: onnxDir, mode: 'mixflow', remat: 'none', processes: 2 },
  { name: 'transformer', text: TRANSFORMER, mode: 'mixflow', remat: 'none', processes: 2 },
];

test('PyTorch (with torchrun) is there for the export tests', () => {
  assert.ok(found, TORCH_INSTALL);
  assert.ok(found.torchrun, `torchrun is missing next to ${found.python}: ${TORCH_INSTALL}`);
});

// Two programs at a time (this machine has two cores); each test awaits its own.
const results = new Map<Case, ReturnType<typeof exported>>();
let chain: Promise<unknown>[] = [Promise.resolve(), Promise.resolve()];
CASES.forEach((c, i) => {
  if (!found) return;
  const p = chain[i % 2]!.then(() => exported(c));
  p.catch(() => undefined);
  chain[i % 2] = p.catch(() => undefined);
  results.set(c, p);
});

for (const c of CASES) {
  test(`${c.name} ${c.mode} --remat ${c.remat}, ${c.processes} process${c.processes > 1 ? 'es (torchrun)' : ''}: the engine's float64 meta-gradients to 1e-9`, async () => {
    assert.ok(found, TORCH_INSTALL);
    const [got, want] = await Promise.all([results.get(c)!, engine64(c.text, c.mode, c.baseDir)]);
    assert.equal(got.processes, c.processes);
    assert.equal(got.mode, c.mode);
    assert.equal(got.remat, c.remat);
    assert.ok(Math.abs(got.outer_loss - want.outer_loss) <= 1e-12 * Math.abs(want.outer_loss), `outer loss ${got.outer_loss} vs ${want.outer_loss}`);
    const d = relDiff(flatten(got.meta_grads), flatten(want.meta_grads));
    assert.ok(d <= 1e-9, `relative difference ${d}`);
    if (c.name.startsWith('reference')) {
      const oracle = JSON.parse(readFileSync(join(SPEC, `${c.name}.expect.json`), 'utf8'));
      assert.ok(relDiff(flatten(got.meta_grads), flatten(oracle.meta_grads)) <= 1e-9, 'PyTorch double-backward reference');
    }
    if (c.name.startsWith('onnx-')) {
      const { prediction: _, outer_loss: loss, ...oracle } = JSON.parse(readFileSync(join(onnxDir, `${c.name.slice(5)}.expect.json`), 'utf8'));
      const mine = Object.fromEntries(Object.keys(oracle).map((k) => [k, (got.meta_grads as Record<string, unknown>)[k]]));
      assert.ok(Math.abs(got.outer_loss - loss) <= 1e-10 * Math.abs(loss), `outer loss ${got.outer_loss} vs PyTorch ${loss}`);
      assert.ok(relDiff(flatten(mine), flatten(oracle)) <= 1e-9, 'PyTorch double-backward reference');
    }
  });
}

test('the exported program reads well: compiles, one function per concept, no engine internals, says how to run on GPUs', () => {
  assert.ok(found, TORCH_INSTALL);
  const text = exportPytorch(parseSetupText(TRANSFORMER), TRANSFORMER, { mode: 'mixflow', remat: 'block', source: 'tiny.mixflow.json', file: 'tiny_meta.py' });
  const file = join(dir, 'tiny_meta.py');
  writeFileSync(file, text);
  const compiled = spawnSync(found.python, ['-m', 'py_compile', file], { encoding: 'utf8' });
  assert.equal(compiled.status, 0, compiled.stderr);
  assert.match(text, /torchrun --nproc_per_node 8 tiny_meta\.py --device cuda/);
  assert.match(text, /class MixFlowGrad\(torch\.autograd\.Function\)/);
  assert.match(text, /jvp\(grad\(ctx\.loss, argnums=\(0, 1\)\)/);
  assert.doesNotMatch(text, /engine|tfjs|@tensorflow/i);
  // One short function per concept: no function body over 30 lines.
  const defs = [...text.matchAll(/^( *)def (\w+)\(/gm)];
  defs.forEach((d, i) => {
    const start = text.slice(0, d.index).split('\n').length;
    const end = i + 1 < defs.length ? text.slice(0, defs[i + 1]!.index).split('\n').length : text.split('\n').length;
    assert.ok(end - start <= 30, `def ${d[2]} is ${end - start} lines`);
  });
  // Only the setup's optimiser and model are emitted.
  assert.doesNotMatch(text, /BETA =|def mlp/);
});

test('an exported ONNX model reads as the model: one function per block named by its module, one line per node', () => {
  assert.ok(found, TORCH_INSTALL);
  const setup = parseSetupText(onnx('maml_cnn'), { baseDir: onnxDir });
  const text = exportPytorch(setup, onnx('maml_cnn'), { mode: 'mixflow', remat: 'block', source: 'maml_cnn.mixflow.json', file: 'maml.py' });
  assert.match(text, /def block_0\(x, block1_conv_weight, block1_conv_bias[^)]*\):\n    """block1: Conv, BatchNormalization, Relu, MaxPool\."""/);
  assert.match(text, /block1_conv_Conv = conv\(x, block1_conv_weight, block1_conv_bias, \[1, 1\], \[1, 1, 1, 1\], \[1, 1\], 1\)/);
  assert.match(text, /= batch_norm\(block1_conv_Conv, /);
  // Batch statistics need the whole batch: such a model refuses to split it across processes.
  assert.match(text, /raise SystemExit\("this model runs in one process only: BatchNormalization/);
  const pool = exportPytorch(parseSetupText(onnx('pool_cnn'), { baseDir: onnxDir }), onnx('pool_cnn'), { mode: 'mixflow', remat: 'block', source: 'p.json', file: 'p.py' });
  assert.doesNotMatch(pool, /SystemExit/);
});

test('mixflow export: bad usage exits 2 naming what was expected; -o writes the file', () => {
  const path = join(dir, 'ref.mixflow.json');
  writeFileSync(path, reference('00'));
  const noTarget = mixflow('export', path);
  assert.equal(noTarget.status, 2);
  assert.match(noTarget.stderr, /expected --to pytorch/);
  const jax = mixflow('export', path, '--to', 'jax');
  assert.equal(jax.status, 2);
  assert.match(jax.stderr, /--to: expected pytorch, got "jax"/);
  const revolve = mixflow('export', path, '--to', 'pytorch', '--remat', 'revolve:2');
  assert.equal(revolve.status, 2);
  assert.match(revolve.stderr, /--remat: expected none, step, block, step\+block for an exported program/);
  const bad = join(dir, 'bad.mixflow.json');
  writeFileSync(bad, reference('00').replace('"optimizer"', '"optimiser"'));
  const malformed = mixflow('export', bad, '--to', 'pytorch');
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /optimiser/);
  const out = join(dir, 'ref_meta.py');
  const ok = mixflow('export', path, '--to', 'pytorch', '--mode', 'standard', '--remat', 'block', '-o', out);
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(readFileSync(out, 'utf8'), /default="standard"[\s\S]*default="block"/);
});
