/**
 * Second order for every convolution, pooling and erf primitive, in float64: the
 * Hessian-vector product of a scalar loss through the primitive, by forward-over-reverse
 * (`jvp` of `grad`) against central finite differences of the first-order gradient, and by
 * reverse-over-reverse (`grad` of `grad`) against the former. This runs each primitive's
 * VJP rule through its own JVP and VJP rules (the transposed convolutions, arg-max
 * pick/scatter and the pooling transposes), both mixed and pure second derivatives.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { sizeOf } from '../../engine/core/shape.js';
import { assertClose, compile, distinct, f32, fixed, maxAbs, rng, uniform, type Input } from './helpers.js';

const rand = rng(1107);
const gen = (shape: number[], lo = -1.5, hi = 1.5) => f32(shape, uniform(rand, sizeOf(shape), lo, hi));

/** The output shape of `f` on inputs of these shapes. */
function outShape(f: (...xs: E.Tensor[]) => E.Tensor, inputs: readonly Input[]): number[] {
  const { graph } = E.traceGraph((...xs: E.Tensor[]) => [f(...xs)], inputs.map((i) => ({ shape: [...i.shape], dtype: i.dtype })));
  return [...graph.nodes.find((n) => n.id === graph.outputs[0])!.aval.shape];
}

/**
 * L(xs) = Σ tanh(f(xs))·r for a fixed random r: a scalar loss whose Hessian has both the
 * primitive's own second derivative (bilinear cross terms, erf″) and its Jacobian twice.
 */
function checkSecondOrder(label: string, f: (...xs: E.Tensor[]) => E.Tensor, inputs: Input[]): void {
  const r = fixed(outShape(f, inputs), uniform(rand, sizeOf(outShape(f, inputs)), -1, 1));
  const all = [...inputs, r];
  const n = inputs.length;
  const diff = inputs.flatMap((x, i) => (x.diff ? [i] : []));
  const loss = (...xs: E.Tensor[]) => E.sum(E.mul(E.tanh(f(...xs.slice(0, n))), xs[n]));
  const gradOf = (...xs: E.Tensor[]) => E.grad(loss, diff)(...xs) as E.Tensor[];
  const dirs = diff.map((i) => gen([...inputs[i].shape], -1, 1));

  // First-order gradient, differenced along the directions (5-point stencil).
  const first = compile(gradOf, all);
  const h = 1e-3;
  const at = (s: number) =>
    first.run(all.map((x, i) => (diff.includes(i) ? x.data.map((v, k) => v + s * h * dirs[diff.indexOf(i)].data[k]) : x.data)));
  const [m2, m1, p1, p2] = [at(-2), at(-1), at(1), at(2)];
  const fd = m2.map((_, j) => m2[j].map((_, k) => (m2[j][k] - 8 * m1[j][k] + 8 * p1[j][k] - p2[j][k]) / (12 * h)));

  const withDirs = [...all, ...dirs];
  const fwdRev = compile((...xs: E.Tensor[]) => {
    const ps = xs.slice(0, n + 1);
    const tangents = ps.map((_, i) => (diff.includes(i) ? xs[n + 1 + diff.indexOf(i)] : null));
    return E.jvp(gradOf, ps, tangents)[1] as E.Tensor[];
  }, withDirs).run(withDirs.map((x) => x.data));
  const revRev = compile((...xs: E.Tensor[]) => {
    const ps = xs.slice(0, n + 1);
    const gv = (...qs: E.Tensor[]) => {
      const gs = gradOf(...qs);
      return gs.map((g, k) => E.sum(E.mul(g, xs[n + 1 + k]))).reduce((a, b) => E.add(a, b));
    };
    return E.grad(gv, diff)(...ps) as E.Tensor[];
  }, withDirs).run(withDirs.map((x) => x.data));

  diff.forEach((i, k) => {
    assert.ok(maxAbs(fd[k]) > 1e-6, `${label}: the Hessian-vector product for input ${i} vanishes; pick other inputs`);
    assertClose(fwdRev[k], fd[k], 1e-7, `${label}: jvp of grad vs finite differences of grad, input ${i}`);
    assertClose(revRev[k], fwdRev[k], 1e-11, `${label}: grad of grad vs jvp of grad, input ${i}`);
  });
}

test('conv2d, conv2dBackpropInput, conv2dBackpropFilter: second order (grouped, strided, dilated, depthwise)', () => {
  const cases: [number[], number[], E.Conv2dOptions][] = [
    [[2, 2, 5, 4], [3, 2, 2, 3], { pads: [1, 1, 0, 1] }],
    [[1, 4, 7, 6], [4, 2, 3, 2], { strides: [2, 1], pads: [0, 1, 1, 1], dilations: [1, 2], groups: 2 }],
    [[1, 2, 6, 6], [4, 1, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [2, 1], groups: 2 }],
  ];
  for (const [xs, ws, o] of cases) {
    const x = gen(xs);
    const w = gen(ws);
    checkSecondOrder(`conv2d ${JSON.stringify(o)}`, (a, b) => E.conv2d(a, b, o), [x, w]);
    const g = gen(outShape((a, b) => E.conv2d(a, b, o), [x, w]));
    checkSecondOrder(`conv2dBackpropInput ${JSON.stringify(o)}`, (a, b) => E.conv2dBackpropInput(a, b, xs.slice(2), o), [g, w]);
    checkSecondOrder(`conv2dBackpropFilter ${JSON.stringify(o)}`, (a, b) => E.conv2dBackpropFilter(a, b, ws.slice(2), o), [x, g]);
  }
});

test('maxPool2d, maxPool2dPick, maxPool2dScatter: second order away from ties', () => {
  const cases: [number[], E.MaxPool2dOptions][] = [
    [[2, 2, 4, 4], { kernel: [2, 2] }],
    [[1, 2, 7, 6], { kernel: [3, 2], strides: [2, 2], pads: [1, 1, 1, 0], dilations: [1, 2], ceilMode: true }],
  ];
  for (const [xs, o] of cases) {
    const x = f32(xs, distinct(rand, sizeOf(xs)));
    checkSecondOrder(`maxPool2d ${JSON.stringify(o)}`, (a) => E.maxPool2d(a, o), [x]);
    checkSecondOrder(`maxPool2dPick ${JSON.stringify(o)}`, (a, t) => E.maxPool2dPick(a, t, o), [{ ...x, diff: false }, gen(xs)]);
    const c = gen(outShape((a) => E.maxPool2d(a, o), [x]));
    checkSecondOrder(`maxPool2dScatter ${JSON.stringify(o)}`, (a, t) => E.maxPool2dScatter(a, t, o), [{ ...x, diff: false }, c]);
  }
});

test('avgPool2d, avgPool2dGrad: second order (ceil mode, with and without counting padding)', () => {
  const cases: [number[], E.AvgPool2dOptions][] = [
    [[2, 2, 4, 6], { kernel: [2, 3] }],
    [[1, 2, 7, 6], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true }],
    [[1, 2, 7, 5], { kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceilMode: true, countIncludePad: false }],
  ];
  for (const [xs, o] of cases) {
    const x = gen(xs);
    checkSecondOrder(`avgPool2d ${JSON.stringify(o)}`, (a) => E.avgPool2d(a, o), [x]);
    const c = gen(outShape((a) => E.avgPool2d(a, o), [x]));
    checkSecondOrder(`avgPool2dGrad ${JSON.stringify(o)}`, (a) => E.avgPool2dGrad(a, xs.slice(2), o), [c]);
  }
});

test('erf, batch normalisation (training and inference), leaky relu: second order', () => {
  checkSecondOrder('erf', (a) => E.erf(a), [gen([3, 4], -2.5, 2.5)]);
  checkSecondOrder('batchNormTraining', (x, g, b) => E.batchNormTraining(x, g, b, 1e-5), [gen([3, 2, 3, 2]), gen([2], 0.5, 1.5), gen([2])]);
  checkSecondOrder(
    'batchNormInference',
    (x, g, b, m, v) => E.batchNormInference(x, g, b, m, v, 1e-3),
    [gen([2, 3, 2, 2]), gen([3], 0.5, 1.5), gen([3]), gen([3]), gen([3], 0.5, 2)],
  );
  const away = uniform(rand, 12, 0.2, 2).map((v, i) => (i % 3 === 0 ? -v : v));
  checkSecondOrder('leakyRelu', (x) => E.leakyRelu(x, 0.2), [f32([3, 4], away)]);
});
