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
