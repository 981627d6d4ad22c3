/**
 * The float32 TF.js executor against the float64 reference executor (≤ 1e-5 relative,
 * ∞-norm) on every primitive and on first-order gradient graphs, on the cpu and wasm
 * backends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { PRIMITIVES } from '../../engine/primitives/index.js';
import { sizeOf } from '../../engine/core/shape.js';
import { awayFromZero, compareExecutors, distinct, f32, fixed, i32, rng, uniform, type Input } from './helpers.js';

const rand = rng(4242);
const gen = (shape: number[], lo = -2, hi = 2) => f32(shape, uniform(rand, sizeOf(shape), lo, hi));
const mask = (shape: number[]) => fixed(shape, Array.from({ length: sizeOf(shape) }, () => (rand() < 0.5 ? 1 : 0)));

/** Convolutions: plain; strided, dilated and grouped with asymmetric pads; depthwise; stride and dilation both 2. */
const CONV_CASES: [number[], number[], E.Conv2dOptions][] = [
  [[2, 3, 6, 5], [4, 3, 3, 3], { pads: [1, 1, 1, 1] }],
  [[1, 4, 9, 8], [6, 2, 3, 2], { strides: [2, 2], pads: [1, 0, 2, 1], dilations: [1, 2], groups: 2 }],
  [[2, 3, 6, 6], [6, 1, 3, 3], { strides: [1, 2], pads: [1, 1, 0, 1], groups: 3 }],
  [[1, 2, 9, 9], [3, 2, 2, 3], { strides: [2, 2], pads: [0, 1, 1, 0], dilations: [2, 2] }],
  // Depthwise with multiplier 1 (the input gradient is a depthwise convolution too), dilated.
  [[2, 4, 7, 6], [4, 1, 3, 2], { strides: [2, 1], pads: [1, 0, 2, 1], dilations: [1, 2], groups: 4 }],
  // Padding wider than the kernel's reach (a 1×1 kernel): the input gradient crops the cotangent.
  [[2, 3, 5, 6], [2, 3, 1, 1], { strides: [2, 1], pads: [1, 2, 0, 1] }],
];
const MAX_POOLS: [number[], E.MaxPool2dOptions][] = [
  [[2, 3, 6, 6], { kernel: [2, 2] }],
  [[1, 2, 7, 6], { kernel: [3, 2], strides: [2, 2], pads: [1, 1, 1, 0], ceilMode: true }],
  [[1, 2, 8, 7], { kernel: [2, 3], strides: [2, 1], pads: [0, 1, 1, 1], dilations: [2, 2] }],
];
const AVG_POOLS: [number[], E.AvgPool2dOptions][] = [
  [[2, 2, 6, 6], { kernel: [2, 3] }],
  [[1, 3, 7, 6], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true }],
  [[2, 2, 7, 5], { kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceilMode: true, countIncludePad: false }],
];

function pooledShape(f: (x: E.Tensor) => E.Tensor, xs: number[]): number[] {
  const { graph } = E.traceGraph((x: E.Tensor) => [f(x)], [{ shape: xs, dtype: 'float32' }]);
  return [...graph.nodes.find((n) => n.id === graph.outputs[0])!.aval.shape];
}

function convOutShape(xs: number[], ws: number[], o: E.Conv2dOptions): number[] {
  const { graph } = E.traceGraph((x: E.Tensor, w: E.Tensor) => [E.conv2d(x, w, o)], [
    { shape: xs, dtype: 'float32' },
    { shape: ws, dtype: 'float32' },
  ]);
  return [...graph.nodes.find((n) => n.id === graph.outputs[0])!.aval.shape];
}

interface Case {
  readonly prim: string;
  readonly f: (...xs: E.Tensor[]) => E.Tensor;
  readonly inputs: Input[];
}

/** At least one case per primitive, with broadcasting and non-trivial parameters. */
const CASES: Case[] = [
  { prim: 'add', f: E.add, inputs: [gen([2, 3, 4]), gen([3, 1])] },
  { prim: 'sub', f: E.sub, inputs: [gen([4, 1]), gen([1, 5])] },
  { prim: 'mul', f: E.mul, inputs: [gen([3, 4]), gen([4])] },
  { prim: 'div', f: E.div, inputs: [gen([2, 3]), f32([2, 1], awayFromZero(rand, 2, 0.5, 2))] },
  { prim: 'neg', f: E.neg, inputs: [gen([5])] },
  { prim: 'exp', f: E.exp, inputs: [gen([3, 3])] },
  { prim: 'log', f: E.log, inputs: [gen([7], 0.2, 5)] },
  { prim: 'tanh', f: E.tanh, inputs: [gen([2, 5])] },
  { prim: 'sigmoid', f: E.sigmoid, inputs: [gen([6], -5, 5)] },
  { prim: 'relu', f: E.relu, inputs: [f32([8], awayFromZero(rand, 8, 0.1, 2))] },
  { prim: 'sqrt', f: E.sqrt, inputs: [gen([6], 0.2, 4)] },
  { prim: 'pow', f: (x) => E.pow(x, 3), inputs: [gen([5])] },
  { prim: 'pow', f: (x) => E.pow(x, 2), inputs: [gen([5])] },
  { prim: 'pow', f: (x) => E.pow(x, -1.5), inputs: [gen([5], 0.3, 2)] },
  { prim: 'compare', f: (a, b) => E.mul(E.add(a, b), E.compare(a, b, 'gt')), inputs: [gen([3, 4]), gen([4])] },
  { prim: 'compare', f: (a, b) => E.mul(E.add(a, b), E.compare(a, b, 'le')), inputs: [gen([3, 4]), gen([3, 1])] },
  { prim: 'select', f: E.select, inputs: [mask([3, 1]), gen([3, 4]), gen([4])] },
  { prim: 'matmul', f: (a, b) => E.matmul(a, b), inputs: [gen([3, 5]), gen([5, 4])] },
  { prim: 'matmul', f: (a, b) => E.matmul(a, b, true, true), inputs: [gen([2, 5, 3]), gen([2, 4, 5])] },
  { prim: 'transpose', f: (x) => E.transpose(x, [2, 0, 1]), inputs: [gen([2, 3, 4])] },
  { prim: 'reshape', f: (x) => E.reshape(x, [4, 6]), inputs: [gen([2, 3, 4])] },
  { prim: 'broadcastTo', f: (x) => E.broadcastTo(x, [2, 3, 4]), inputs: [gen([3, 1])] },
  { prim: 'sum', f: (x) => E.sum(x, [0, 2]), inputs: [gen([3, 4, 5])] },
  { prim: 'sum', f: (x) => E.sum(x, [1], true), inputs: [gen([3, 4])] },
  { prim: 'max', f: (x) => E.max(x, [1]), inputs: [f32([3, 4], distinct(rand, 12))] },
  { prim: 'max', f: (x) => E.max(x, [0, 2], true), inputs: [f32([2, 3, 2], distinct(rand, 12))] },
  { prim: 'slice', f: (x) => E.slice(x, [1, 0, 2], [2, 3, 2]), inputs: [gen([4, 3, 5])] },
  { prim: 'pad', f: (x) => E.pad(x, [1, 0], [2, 3]), inputs: [gen([2, 3])] },
  { prim: 'concat', f: (a, b) => E.concat([a, b], 1), inputs: [gen([2, 3]), gen([2, 2])] },
  { prim: 'gather', f: E.gather, inputs: [gen([5, 3]), i32([2, 3], [4, 0, 4, 2, 1, 1])] },
  { prim: 'segmentSum', f: (d, ids) => E.segmentSum(d, ids, 4), inputs: [gen([5, 3]), i32([5], [3, 0, 3, 1, 3])] },
  { prim: 'oneHot', f: (x, ids) => E.mul(x, E.oneHot(ids, 4)), inputs: [gen([3, 4]), i32([3], [0, 3, 1])] },
  { prim: 'full', f: (x) => E.add(x, E.full([2, 3], 1.5)), inputs: [gen([2, 3])] },
  { prim: 'constant', f: (x) => E.mul(x, E.constant([1, -2, 3, 0.5, 4, -1], [2, 3])), inputs: [gen([2, 3])] },
  { prim: 'iota', f: (x) => E.mul(x, E.add(E.iota([2, 3, 4], 1), 1)), inputs: [gen([3, 4])] },
  { prim: 'erf', f: E.erf, inputs: [gen([9], -3, 3)] },
  ...CONV_CASES.flatMap(([xs, ws, o]): Case[] => {
    const out = convOutShape(xs, ws, o);
    return [
      { prim: 'conv2d', f: (x, w) => E.conv2d(x, w, o), inputs: [gen(xs), gen(ws)] },
      { prim: 'conv2dBackpropInput', f: (g, w) => E.conv2dBackpropInput(g, w, xs.slice(2), o), inputs: [gen(out), gen(ws)] },
      { prim: 'conv2dBackpropFilter', f: (x, g) => E.conv2dBackpropFilter(x, g, ws.slice(2), o), inputs: [gen(xs), gen(out)] },
    ];
  }),
  ...MAX_POOLS.flatMap(([xs, o]): Case[] => {
    const x = f32(xs, distinct(rand, sizeOf(xs)));
    const out = pooledShape((v) => E.maxPool2d(v, o), xs);
    return [
      { prim: 'maxPool2d', f: (v) => E.maxPool2d(v, o), inputs: [x] },
      { prim: 'maxPool2dPick', f: (v, t) => E.maxPool2dPick(v, t, o), inputs: [{ ...x, diff: false }, gen(xs)] },
      { prim: 'maxPool2dScatter', f: (v, c) => E.maxPool2dScatter(v, c, o), inputs: [{ ...x, diff: false }, gen(out)] },
    ];
  }),
  // Ties everywhere (integer values): the float32 kernels pick the same first maximum.
  { prim: 'maxPool2dScatter', f: (v, c) => E.maxPool2dScatter(v, c, { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }), inputs: [fixed([2, 2, 6, 6], uniform(rand, 144, -2, 2).map(Math.round)), gen([2, 2, 4, 4])] },
  { prim: 'maxPool2dPick', f: (v, t) => E.maxPool2dPick(v, t, { kernel: [2, 2], strides: [1, 1] }), inputs: [fixed([1, 3, 5, 5], uniform(rand, 75, -1, 1).map(Math.round)), gen([1, 3, 5, 5])] },
  // Non-overlapping windows (the reshape fast path), with padding, ceil mode and ties.
  { prim: 'maxPool2dPick', f: (v, t) => E.maxPool2dPick(v, t, { kernel: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }), inputs: [fixed([2, 2, 6, 5], uniform(rand, 120, -1, 1).map(Math.round)), gen([2, 2, 6, 5])] },
  { prim: 'maxPool2dScatter', f: (v, c) => E.maxPool2dScatter(v, c, { kernel: [3, 2], pads: [1, 0, 1, 0], ceilMode: true }), inputs: [fixed([1, 2, 7, 5], uniform(rand, 70, -1, 1).map(Math.round)), gen([1, 2, 3, 3])] },
  { prim: 'maxPool2d', f: (v) => E.maxPool2d(v, { kernel: [2, 3] }), inputs: [f32([1, 2, 5, 7], distinct(rand, 70))] },
  { prim: 'avgPool2d', f: (v) => E.avgPool2d(v, { kernel: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true }), inputs: [gen([1, 2, 5, 6])] },
  { prim: 'avgPool2dGrad', f: (c) => E.avgPool2dGrad(c, [5, 6], { kernel: [2, 2], pads: [1, 1, 1, 1], ceilMode: true }), inputs: [gen([1, 2, 3, 4])] },
  { prim: 'avgPool2dGrad', f: (c) => E.avgPool2dGrad(c, [7, 5], { kernel: [3, 2] }), inputs: [gen([2, 1, 2, 2])] },
  ...AVG_POOLS.flatMap(([xs, o]): Case[] => [
    { prim: 'avgPool2d', f: (v) => E.avgPool2d(v, o), inputs: [gen(xs)] },
    { prim: 'avgPool2dGrad', f: (c) => E.avgPool2dGrad(c, xs.slice(2), o), inputs: [gen(pooledShape((v) => E.avgPool2d(v, o), xs))] },
  ]),
];

/** Composite models: their first-order gradient graphs use most primitives at once. */
const MODELS: { name: string; f: (...xs: E.Tensor[]) => E.Tensor; inputs: Input[] }[] = [
  {
    name: 'MLP with softmax cross-entropy',
    f: (w1, b1, w2, x, labels) => {
      const h = E.tanh(E.add(E.matmul(x, w1), b1));
      const logits = E.matmul(h, w2);
      return E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits), E.oneHot(labels, 4)), [-1])));
    },
    inputs: [gen([6, 8], -0.5, 0.5), gen([8], -0.1, 0.1), gen([8, 4], -0.5, 0.5), fixed([5, 6], uniform(rand, 30)), i32([5], [0, 3, 1, 2, 3])],
  },
  {
    name: 'attention block with layerNorm, causal mask and gelu',
    f: (emb, wq, wk, g, b, w1, ids) => {
      const x = E.gather(emb, ids); // [4, 6]
      const n = E.layerNorm(x, g, b);
      const scores = E.mul(E.matmul(E.matmul(n, wq), E.matmul(n, wk), false, true), 1 / Math.sqrt(6));
      const causal = E.compare(E.iota([4, 4], 1), E.iota([4, 4], 0), 'le');
      const att = E.softmax(E.select(causal, scores, -1e9));
      const y = E.add(x, E.matmul(att, n));
      return E.mean(E.pow(E.gelu(E.matmul(y, w1)), 2));
    },
    inputs: [gen([7, 6], -1, 1), gen([6, 6], -0.5, 0.5), gen([6, 6], -0.5, 0.5), gen([6], 0.5, 1.5), gen([6], -0.2, 0.2), gen([6, 5], -0.5, 0.5), i32([4], [3, 1, 6, 1])],
  },
  {
    name: 'sigmoid / sqrt / div / max / pad / concat / segmentSum mix',
    f: (a, b, ids) => {
      const s = E.sigmoid(E.concat([a, E.pad(b, [0, 1], [0, 0])], 0)); // [5, 4]
      const r = E.div(E.sqrt(E.add(E.mul(s, s), 0.5)), E.add(E.exp(E.neg(s)), 1));
      const seg = E.segmentSum(r, ids, 3);
      return E.add(E.sum(E.max(seg, [1])), E.sum(E.log(E.add(E.relu(a), 1))));
    },
    inputs: [gen([3, 4]), gen([2, 3]), i32([5], [2, 0, 2, 1, 0])],
  },
  {
    name: 'CNN: conv → batch norm → relu → max-pool → grouped conv → leaky relu → avg-pool → global pool → erf-GELU head',
    f: (x, w1, b1, g1, be1, w2, wh, labels) => {
      // (A bias before batch norm would get an exactly zero gradient: it goes after the grouped conv.)
      let h = E.relu(E.batchNormTraining(E.conv2d(x, w1, { pads: [1, 1, 1, 1] }), g1, be1, 1e-5));
      h = E.maxPool2d(h, { kernel: [2, 2], strides: [2, 2] });
      h = E.leakyRelu(E.add(E.conv2d(h, w2, { pads: [1, 0, 1, 1], groups: 2 }), E.reshape(b1, [1, 4, 1, 1])), 0.1);
      h = E.avgPool2d(h, { kernel: [2, 2], strides: [1, 1], countIncludePad: false });
      const feat = E.reshape(E.globalAvgPool2d(h), [3, 4]);
      const z = E.matmul(feat, wh);
      const gelu = E.mul(E.mul(z, 0.5), E.add(E.erf(E.mul(z, Math.SQRT1_2)), 1));
      return E.neg(E.mean(E.sum(E.mul(E.logSoftmax(gelu), E.oneHot(labels, 3)), [-1])));
    },
    inputs: [gen([3, 2, 8, 8]), gen([4, 2, 3, 3], -0.5, 0.5), gen([4], -0.1, 0.1), gen([4], 0.5, 1.5), gen([4], -0.2, 0.2), gen([4, 2, 3, 2], -0.5, 0.5), gen([4, 3], -1, 1), i32([3], [0, 2, 1])],
  },
];

/** The VJP of `f` against a fixed random cotangent, for every differentiated input: a first-order gradient graph. */
function gradGraph(c: Case): { f: (...xs: E.Tensor[]) => E.Tensor[]; inputs: Input[] } {
  const { graph } = E.traceGraph((...xs: E.Tensor[]) => [c.f(...xs)], c.inputs.map((i) => ({ shape: [...i.shape], dtype: i.dtype })));
  const outShape = graph.nodes.find((n) => n.id === graph.outputs[0])!.aval.shape;
  const ct = fixed(outShape, uniform(rand, sizeOf(outShape), -1, 1));
  const diff = c.inputs.flatMap((x, i) => (x.diff ? [i] : []));
  return {
    f: (...xs: E.Tensor[]) => {
      const ps = xs.slice(0, c.inputs.length);
      const cts = E.vjp(c.f, ...ps).pullback(xs[c.inputs.length]) as E.Tensor[];
      return diff.map((i) => cts[i]);
    },
    inputs: [...c.inputs, ct],
  };
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: float32 TF.js agrees with float64 on every primitive (≤ 1e-5)`, async () => {
    assert.equal(await E.useBackend(backend), backend);
    const covered = new Set<string>();
    for (const c of CASES) {
      compareExecutors(`${backend} ${c.prim}`, c.f, c.inputs);
      covered.add(c.prim);
    }
    assert.deepEqual(PRIMITIVES.map((p) => p.name).filter((n) => !covered.has(n)), [], 'every primitive has a case');
  });

  test(`${backend}: float32 TF.js agrees with float64 on every primitive's VJP graph (≤ 1e-5)`, async () => {
    assert.equal(await E.useBackend(backend), backend);
    for (const c of CASES) {
      const g = gradGraph(c);
      compareExecutors(`${backend} VJP of ${c.prim}`, g.f, g.inputs);
    }
  });

  test(`${backend}: float32 TF.js agrees with float64 on gradients of composite models (≤ 1e-5)`, async () => {
    assert.equal(await E.useBackend(backend), backend);
    for (const m of MODELS) {
      const diff = m.inputs.flatMap((x, i) => (x.diff ? [i] : []));
      const n = compareExecutors(
        `${backend} ${m.name}`,
        (...xs) => {
          const [value, grads] = E.valueAndGrad(m.f, diff)(...xs);
          return [value, ...(grads as E.Tensor[])];
        },
        m.inputs,
      );
      assert.equal(n, diff.length + 1);
    }
  });
}
