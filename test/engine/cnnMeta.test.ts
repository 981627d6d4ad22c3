/**
 * A MAML-like meta-gradient through a small CNN (two blocks conv 3×3 → batch norm with
 * batch statistics → relu → max-pool 2×2, then a linear head; T = 2 SGD steps with a
 * learned per-tensor log learning rate): `standard` (grad of grad) and `mixflow`
 * (fwdrevGrad: jvp of grad as the inner gradient's VJP) agree in float64 and match finite
 * differences of the outer objective, also with every conv block checkpointed; on TF.js
 * the static memory plan equals the bytes measured at every step, in every variant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as E from '../../engine/index.js';
import { sizeOf } from '../../engine/core/shape.js';
import { assertClose, assertCloseScalar, compile, dot, f32, fixed, i32, rng, uniform, type Input } from './helpers.js';

const rand = rng(2611);
const N = 4;
const CH = 3;
const CLASSES = 3;
const STEPS = 2;

/** θ: per block conv weight, BN scale and shift; then the head. */
const PARAM_SHAPES = [[CH, 1, 3, 3], [CH], [CH], [CH, CH, 3, 3], [CH], [CH], [CH * 2 * 2, CLASSES], [CLASSES]];

function block(h: E.Tensor, w: E.Tensor, g: E.Tensor, b: E.Tensor): E.Tensor {
  const a = E.relu(E.batchNormTraining(E.conv2d(h, w, { pads: [1, 1, 1, 1] }), g, b, 1e-5));
  return E.maxPool2d(a, { kernel: [2, 2], strides: [2, 2] });
}

/** With `remat`, each conv block is a checkpointed region (the `block` policy). */
function logits(theta: E.Tensor[], x: E.Tensor, remat = false): E.Tensor {
  const [w1, g1, b1, w2, g2, b2, wh, bh] = theta;
  const run = remat ? E.checkpoint(block) : block;
  const h = run(run(x, w1, g1, b1), w2, g2, b2);
  return E.add(E.matmul(E.reshape(h, [N, CH * 2 * 2]), wh), bh);
}

const crossEntropy = (remat: boolean) => (theta: E.Tensor[], x: E.Tensor, y: E.Tensor): E.Tensor =>
  E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits(theta, x, remat)), E.oneHot(y, CLASSES)), [-1])));

type Mode = 'standard' | 'mixflow';

/** V(θ₀, log_lr) after STEPS SGD steps; inputs: θ₀ leaves, log_lr [8], then (x, y) per step and the outer batch. */
function outer(mode: Mode, remat = false) {
  const loss = crossEntropy(remat);
  const innerGrad = mode === 'mixflow' ? E.fwdrevGrad(loss) : E.grad(loss);
  return (...xs: E.Tensor[]): E.Tensor => {
    let theta = xs.slice(0, PARAM_SHAPES.length);
    const logLr = xs[PARAM_SHAPES.length];
    const data = xs.slice(PARAM_SHAPES.length + 1);
    for (let t = 0; t < STEPS; t++) {
      const g = innerGrad(theta, data[2 * t], data[2 * t + 1]) as E.Tensor[];
      theta = theta.map((p, k) => E.sub(p, E.mul(E.exp(E.reshape(E.slice(logLr, [k], [1]), [])), g[k])));
    }
    return loss(theta, data[2 * STEPS], data[2 * STEPS + 1]);
  };
}

const metaArgs = [...Array(PARAM_SHAPES.length + 1).keys()];
function metaGradient(mode: Mode, remat = false) {
  const V = outer(mode, remat);
  return (...xs: E.Tensor[]) => {
    const [value, grads] = E.valueAndGrad(V, metaArgs)(...xs);
    return [value, ...(grads as E.Tensor[])];
  };
}

const batch = (): Input[] => [fixed([N, 1, 8, 8], uniform(rand, N * 64, -1, 1)), i32([N], Array.from({ length: N }, () => Math.floor(rand() * CLASSES)))];
const INPUTS: Input[] = [
  ...PARAM_SHAPES.map((s, k) => f32(s, uniform(rand, sizeOf(s), k % 3 === 1 ? 0.7 : -0.6, k % 3 === 1 ? 1.3 : 0.6))),
  f32([PARAM_SHAPES.length], uniform(rand, PARAM_SHAPES.length, -2.5, -1.5)),
  ...Array.from({ length: STEPS + 1 }, batch).flat(),
];
const avals = INPUTS.map((i) => ({ shape: [...i.shape], dtype: i.dtype }));

test('CNN meta-gradient: standard and mixflow agree in float64 and match finite differences of the outer objective', () => {
  const data = INPUTS.map((i) => i.data);
  const std = compile(metaGradient('standard'), avals).run(data);
  for (const [mode, remat] of [['mixflow', false], ['standard', true], ['mixflow', true]] as const) {
    const other = compile(metaGradient(mode, remat), avals).run(data);
    const label = `${mode}${remat ? ' with checkpointed conv blocks' : ''} vs standard`;
    assertCloseScalar(other[0][0], std[0][0], 1e-14, `outer value, ${label}`);
    std.slice(1).forEach((g, k) => assertClose(other[k + 1], g, 1e-10, `meta-gradient ${k}, ${label}`));
  }

  // ⟨∇V, v⟩ against the 5-point central difference of V along v (θ₀ and log_lr together).
  // relu and the max-pool arg-max make V piecewise smooth, with kinks ~1e-3 away along v
  // here: the step stays well inside the smooth piece.
  const V = compile(outer('standard'), avals);
  const dirs = metaArgs.map((k) => uniform(rand, INPUTS[k].data.length, -1, 1));
  const h = 1e-5;
  const at = (s: number) => V.run(data.map((d, i) => (i < metaArgs.length ? d.map((v, j) => v + s * h * dirs[i][j]) : d)))[0][0];
  const fd = (at(-2) - 8 * at(-1) + 8 * at(1) - at(2)) / (12 * h);
  const analytic = metaArgs.reduce((acc, k) => acc + dot(std[k + 1], dirs[k]), 0);
  assertCloseScalar(analytic, fd, 1e-8, 'directional meta-derivative vs finite differences');
});

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: CNN meta-gradient memory, planned from shapes = measured at every step, both modes, with and without checkpointed blocks`, async () => {
    assert.equal(await E.useBackend(backend), backend);
    const peaks: Record<string, number> = {};
    for (const [mode, remat] of [['standard', false], ['mixflow', false], ['standard', true], ['mixflow', true]] as const) {
      const { graph } = E.traceGraph(metaGradient(mode, remat), avals);
      const sched = E.schedule(graph);
      const baseline = tf.memory().numBytes;
      const seen: number[] = [];
      const res = E.runTfjs(sched, INPUTS.map((x) => ({ shape: x.shape, data: x.data })), {
        onStep: () => seen.push(tf.memory().numBytes - baseline),
      });
      assert.equal(tf.memory().numBytes, baseline, `${mode}: everything the run allocated is released`);
      const plan = E.planMemory(sched);
      assert.deepEqual(plan.steps, res.memory.steps, `${mode}: static plan = measured profile, step by step`);
      assert.equal(plan.peakBytes, Math.max(res.memory.inputBytes, ...seen), `${mode}: planned peak = tf.memory() peak`);
      // And the float32 meta-gradient is the float64 one.
      const want = E.runRef(sched, INPUTS.map((x) => ({ shape: x.shape, data: x.data }))).outputs;
      want.forEach((w, k) => assertClose(res.outputs[k], w.data, 2e-3, `${mode}: float32 output ${k}`));
      peaks[`${mode}${remat ? '+block' : ''}`] = plan.peakBytes;
    }
    console.log(`# ${backend} CNN meta-gradient peak bytes: ${JSON.stringify(peaks)}`);
  });
}
