/**
 * ONNX import against PyTorch 1.13 (exported in the test itself, training mode, no constant
 * folding): an MLP with Gemm, the MAML CNN with BatchNorm on batch statistics (opsets 15 and
 * 11), a CNN with average pooling and a grouped dilated convolution, a transformer layer with
 * LayerNormalization and erf GELU, and a model of shape arithmetic and layout ops. In
 * float64 the engine's prediction equals PyTorch's to 1e-10 and the meta-gradients of both
 * modes (with and without block remat) equal PyTorch's double-backward ones to 1e-9; in
 * float32 the static plan equals the measured peak.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as E from '../../engine/index.js';
import { onnxForward } from '../../engine/import/onnx/forward.js';
import { estimateMeta, runMeta } from '../../engine/meta/run.js';
import type { Mode, Remat } from '../../engine/meta/problem.js';
import { materialise } from '../../engine/setup/materialise.js';
import type { HostTensor, Setup } from '../../engine/setup/types.js';
import { parseSetupText } from '../../engine/setup/validate.js';
import { exportedModels } from './torchExport.js';

type Nested = number | Nested[];
const flat = (v: Nested): number[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

function load(name: string): { setup: Setup; expect: Record<string, Nested | Record<string, Nested>> } {
  const dir = exportedModels();
  const setup = parseSetupText(readFileSync(join(dir, `${name}.mixflow.json`), 'utf8'), { baseDir: dir });
  return { setup, expect: JSON.parse(readFileSync(join(dir, `${name}.expect.json`), 'utf8')) };
}

/** Largest |a − b| / max(1, |b|). */
function worst(got: ArrayLike<number>, want: readonly number[], what: string): number {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, PyTorch has ${want.length}`);
  let w = 0;
  for (let i = 0; i < want.length; i++) w = Math.max(w, Math.abs(got[i]! - want[i]!) / Math.max(1, Math.abs(want[i]!)));
  return w;
}

const MODELS = ['mlp', 'maml_cnn', 'maml_cnn_opset11', 'pool_cnn', 'transformer', 'misc'];

for (const name of MODELS) {
  test(`ONNX ${name}: float64 forward equals PyTorch's to 1e-10`, () => {
    const { setup, expect } = load(name);
    assert.equal(setup.model.kind, 'onnx');
    if (setup.model.kind !== 'onnx') return;
    const model = setup.model.graph;
    const data = materialise(setup);
    const { graph } = E.traceGraph(
      (theta: E.Tensor[], x: E.Tensor) => onnxForward(model, theta, x, false),
      [model.params.map((p) => ({ shape: [...p.shape], dtype: 'float32' as const })), { shape: data.outer.x.shape, dtype: 'float32' as const }],
    );
    const out = E.runRef(E.schedule(graph), [...data.theta0, data.outer.x]).outputs[0]!.data;
    const err = worst(out, flat(expect.prediction as Nested), 'prediction');
    assert.ok(err < 1e-10, `prediction differs from PyTorch's by ${err}`);
  });

  for (const [mode, remat] of [['standard', 'none'], ['mixflow', 'none'], ['standard', 'block'], ['mixflow', 'block']] as [Mode, Remat][]) {
    test(`ONNX ${name}: ${mode} meta-gradients (remat ${remat}) equal PyTorch's double backward to 1e-9`, async () => {
      const { setup, expect } = load(name);
      if (setup.model.kind !== 'onnx') return;
      const r = await runMeta(setup, materialise(setup), { mode, remat, precision: 'float64', backend: 'cpu' });
      assert.ok(Math.abs(r.outerLoss - (expect.outer_loss as number)) < 1e-10, `V ${r.outerLoss} vs ${expect.outer_loss}`);
      const theta0 = r.metaGrads.theta0 as HostTensor[];
      const wantTheta = expect.theta0 as Record<string, Nested>;
      assert.deepEqual(setup.model.graph.params.map((p) => p.name).sort(), Object.keys(wantTheta).sort(), 'θ is the initializers PyTorch names as parameters');
      setup.model.graph.params.forEach((p, k) => {
        const err = worst(theta0[k]!.data, flat(wantTheta[p.name]!), `dV/dθ₀ ${p.name}`);
        assert.ok(err < 1e-9, `dV/dθ₀ ${p.name} differs by ${err}`);
      });
      for (const n of ['log_lr', 'example_logits', 'log_wd'] as const) {
        if (expect[n] === undefined) continue;
        const err = worst((r.metaGrads[n] as HostTensor).data, flat(expect[n] as Nested), n);
        assert.ok(err < 1e-9, `dV/d${n} differs by ${err}`);
      }
    });
  }
}

test('ONNX setups: the static plan equals the measured float32 peak (both modes, all remat policies)', async () => {
  for (const name of ['maml_cnn', 'transformer']) {
    const { setup } = load(name);
    const data = materialise(setup);
    for (const mode of ['standard', 'mixflow'] as const) {
      for (const remat of ['none', 'step', 'block', 'step+block'] as const) {
        const plan = estimateMeta(setup, { mode, remat }).memory;
        const run = await runMeta(setup, data, { mode, remat, precision: 'float32', backend: 'cpu' });
        assert.equal(run.peakBytes, plan.peakBytes, `${name} ${mode} ${remat}: measured ${run.peakBytes} vs planned ${plan.peakBytes}`);
        assert.equal(run.activePeakBytes, plan.activePeakBytes, `${name} ${mode} ${remat}: active peak`);
      }
    }
  }
});

test('ONNX import keeps node names as scopes and cuts remat blocks at top-level modules', () => {
  const { setup } = load('maml_cnn');
  if (setup.model.kind !== 'onnx') return assert.fail('not an ONNX model');
  const m = setup.model.graph;
  assert.deepEqual(m.segments.map((s) => s.key), ['block1', 'block2', 'Flatten', 'head']);
  assert.deepEqual(m.params.map((p) => p.name), [
    'block1.conv.weight', 'block1.conv.bias', 'block1.bn.weight', 'block1.bn.bias',
    'block2.conv.weight', 'block2.conv.bias', 'block2.bn.weight', 'block2.bn.bias', 'head.weight', 'head.bias',
  ]);
  assert.deepEqual(m.params.map((p) => p.decayed), [true, false, false, false, true, false, false, false, true, false]);
  const plan = estimateMeta(setup, { mode: 'mixflow', remat: 'block' });
  const scopes = new Set(plan.traced.graph.nodes.map((n) => n.scope));
  assert.ok([...scopes].some((s) => s.endsWith('block1/conv/Conv')), 'a node scoped block1/conv/Conv');
  assert.ok([...scopes].some((s) => s.includes('step/0/grad') && s.endsWith('block2/bn/BatchNormalization')));
});

test('ONNX block_depth 2 cuts the transformer layer into its submodules; meta-gradients are unchanged', async () => {
  const dir = exportedModels();
  const json = JSON.parse(readFileSync(join(dir, 'transformer.mixflow.json'), 'utf8'));
  json.model.block_depth = 2;
  const setup = parseSetupText(JSON.stringify(json), { baseDir: dir });
  if (setup.model.kind !== 'onnx') return assert.fail('not an ONNX model');
  const keys = setup.model.graph.segments.map((s) => s.key);
  for (const k of ['layer/self_attn', 'layer/norm1', 'layer/linear1', 'layer/linear2', 'layer/norm2', 'head/Gemm']) assert.ok(keys.includes(k), `a block ${k} in ${keys}`);
  const { expect } = load('transformer');
  const r = await runMeta(setup, materialise(setup), { mode: 'mixflow', remat: 'block', precision: 'float64', backend: 'cpu' });
  const err = worst((r.metaGrads.log_lr as HostTensor).data, flat(expect.log_lr as Nested), 'log_lr');
  assert.ok(err < 1e-9, `dV/dlog_lr differs by ${err}`);
});
