/**
 * Every primitive's JVP against central finite differences and its VJP by the
 * dot-product test, in float64, on random shapes including broadcasting; plus the
 * registry's completeness and the graph IR's serialisability and scopes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { PRIMITIVES } from '../../engine/primitives/index.js';
import { primitiveNames } from '../../engine/primitives/registry.js';
import { sizeOf } from '../../engine/core/shape.js';
import { eliminateDeadCode } from '../../engine/passes/dce.js';
import {
  awayFromZero,
  checkPrimitive,
  distinct,
  evalRef,
  f32,
  fixed,
  i32,
  randInt,
  randomShape,
  rng,
  uniform,
  type Input,
  type Rand,
} from './helpers.js';

const rand = rng(20240601);
const checked = new Set<string>();

function check(name: string, f: (...xs: E.Tensor[]) => E.Tensor, inputs: Input[]): void {
  const n = checkPrimitive(name, f, inputs);
  assert.ok(n >= 2, `${name}: too few checks`);
  checked.add(name);
}

const gen = (r: Rand, shape: number[], lo = -2, hi = 2) => f32(shape, uniform(r, sizeOf(shape), lo, hi));

/** A pair of shapes that broadcast: `b` drops leading axes and has some axes set to 1. */
function broadcastPair(r: Rand): [number[], number[]] {
  const a = randomShape(r, randInt(r, 1, 4));
  let b = a.slice(randInt(r, 0, a.length - 1)).map((d) => (r() < 0.4 ? 1 : d));
  // Sometimes swap roles, sometimes make both sides broadcast ([3,1] with [1,4]).
  if (r() < 0.3) return [b, a];
  if (r() < 0.3 && a.length >= 2) {
    const a2 = a.map((d, i) => (i === a.length - 1 ? 1 : d));
    b = a.map((d, i) => (i === a.length - 1 ? d : 1));
    return [a2, b];
  }
  return [a, b];
}

const TRIALS = 4;

// ---- elementwise binary, with broadcasting ----------------------------------------

for (const [name, op, lo] of [
  ['add', E.add, -2],
  ['sub', E.sub, -2],
  ['mul', E.mul, -2],
  ['div', E.div, 0.5],
] as const) {
  test(`${name}: JVP and VJP match finite differences on broadcasting shapes`, () => {
    // Fixed shapes that exercise broadcasting on both sides, then random ones.
    const pairs: [number[], number[]][] = [
      [[2, 3, 4], [3, 1]],
      [[4, 1], [1, 5]],
      [[], [2, 3]],
      ...Array.from({ length: TRIALS }, () => broadcastPair(rand)),
    ];
    for (const [sa, sb] of pairs) {
      const b = name === 'div' ? f32(sb, awayFromZero(rand, sizeOf(sb), lo, 2)) : gen(rand, sb);
      check(name, (x, y) => op(x, y), [gen(rand, sa), b]);
    }
  });
}

// ---- elementwise unary ------------------------------------------------------------

for (const [name, op, values] of [
  ['neg', E.neg, (r: Rand, n: number) => uniform(r, n)],
  ['exp', E.exp, (r: Rand, n: number) => uniform(r, n)],
  ['log', E.log, (r: Rand, n: number) => uniform(r, n, 0.3, 3)],
  ['tanh', E.tanh, (r: Rand, n: number) => uniform(r, n)],
  ['sigmoid', E.sigmoid, (r: Rand, n: number) => uniform(r, n, -4, 4)],
  // Away from the kink, and at least one positive entry so the derivative is not all zero.
  ['relu', E.relu, (r: Rand, n: number) => awayFromZero(r, n, 0.1, 2).map((v, i) => (i === 0 ? Math.abs(v) : v))],
  ['sqrt', E.sqrt, (r: Rand, n: number) => uniform(r, n, 0.3, 3)],
] as const) {
  test(`${name}: JVP and VJP match finite differences`, () => {
    for (let t = 0; t < TRIALS; t++) {
      const shape = randomShape(rand, randInt(rand, 0, 3));
      check(name, (x) => op(x), [f32(shape, values(rand, sizeOf(shape)))]);
    }
  });
}

test('pow: JVP and VJP match finite differences for several exponents', () => {
  for (const p of [2, 3, 0.5, -1.5, 2.5]) {
    const shape = randomShape(rand, 2);
    const x = p === 2 || p === 3 ? gen(rand, shape) : gen(rand, shape, 0.4, 2.5);
    check('pow', (v) => E.pow(v, p), [x]);
  }
});

test('select: JVP and VJP match finite differences, mask and branches broadcasting', () => {
  const cases: [number[], number[], number[]][] = [
    [[3, 4], [3, 4], [3, 4]],
    [[3, 1], [3, 4], [4]],
    [[2, 3, 4], [4], [3, 1]],
    [[1, 4], [2, 1, 4], []],
  ];
  for (const [sm, sa, sb] of cases) {
    const mask = fixed(sm, Array.from({ length: sizeOf(sm) }, () => (rand() < 0.5 ? 1 : 0)));
    check('select', (m, a, b) => E.select(m, a, b), [mask, gen(rand, sa), gen(rand, sb)]);
  }
});

// ---- linear algebra and layout ----------------------------------------------------------

test('matmul: JVP and VJP match finite differences for every transpose combination, ranks 2 and 3', () => {
  for (const batch of [[], [2]]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const [m, k, n] = [randInt(rand, 1, 4), randInt(rand, 2, 4), randInt(rand, 1, 4)];
        const sa = [...batch, ...(tA ? [k, m] : [m, k])];
        const sb = [...batch, ...(tB ? [n, k] : [k, n])];
        check('matmul', (a, b) => E.matmul(a, b, tA, tB), [gen(rand, sa), gen(rand, sb)]);
      }
    }
  }
});

test('transpose: JVP and VJP match finite differences for random permutations', () => {
  for (let t = 0; t < TRIALS; t++) {
    const rank = randInt(rand, 2, 4);
    const shape = randomShape(rand, rank, 3);
    let perm = [...Array(rank).keys()];
    while (perm.every((p, i) => p === i)) perm = perm.map((p) => [p, rand()] as const).sort((a, b) => a[1] - b[1]).map((p) => p[0]);
    check('transpose', (x) => E.transpose(x, perm), [gen(rand, shape)]);
  }
});

test('reshape: JVP and VJP match finite differences', () => {
  check('reshape', (x) => E.reshape(x, [6, 4]), [gen(rand, [2, 3, 4])]);
  check('reshape', (x) => E.reshape(x, [2, -1]), [gen(rand, [4, 3])]);
  check('reshape', (x) => E.reshape(x, [1, 5, 1]), [gen(rand, [5])]);
});

test('broadcastTo: JVP and VJP match finite differences', () => {
  check('broadcastTo', (x) => E.broadcastTo(x, [2, 3, 4]), [gen(rand, [3, 1])]);
  check('broadcastTo', (x) => E.broadcastTo(x, [3, 2]), [gen(rand, [])]);
  check('broadcastTo', (x) => E.broadcastTo(x, [2, 4, 3]), [gen(rand, [2, 1, 3])]);
});

test('sum: JVP and VJP match finite differences over random axes, with and without keepDims', () => {
  for (let t = 0; t < TRIALS; t++) {
    const rank = randInt(rand, 1, 4);
    const shape = randomShape(rand, rank);
    const axes = [...Array(rank).keys()].filter(() => rand() < 0.5);
    if (axes.length === 0) axes.push(rank - 1);
    for (const keep of [false, true]) check('sum', (x) => E.sum(x, axes, keep), [gen(rand, shape)]);
  }
});

test('max: JVP and VJP match finite differences away from ties', () => {
  for (let t = 0; t < TRIALS; t++) {
    const rank = randInt(rand, 1, 3);
    const shape = randomShape(rand, rank);
    const axes = [...Array(rank).keys()].filter(() => rand() < 0.5);
    if (axes.length === 0) axes.push(0);
    for (const keep of [false, true]) {
      check('max', (x) => E.max(x, axes, keep), [f32(shape, distinct(rand, sizeOf(shape)))]);
    }
  }
});

test('max: ties share the derivative equally', () => {
  const [g] = evalRef((x) => E.grad((y: E.Tensor) => E.sum(E.max(y, [1])))(x), [f32([2, 3], [1, 3, 3, 2, 2, 2])]);
  assert.deepEqual([...g], [0, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3]);
});

test('slice: JVP and VJP match finite differences', () => {
  check('slice', (x) => E.slice(x, [1, 0, 2], [2, 3, 1]), [gen(rand, [4, 3, 4])]);
  check('slice', (x) => E.slice(x, [2], [3]), [gen(rand, [6])]);
  check('slice', (x) => E.slice(x, [0, 1], [-1, 2]), [gen(rand, [3, 4])]);
});

test('pad: JVP and VJP match finite differences', () => {
  check('pad', (x) => E.pad(x, [1, 0, 2], [0, 2, 1]), [gen(rand, [2, 3, 2])]);
  check('pad', (x) => E.pad(x, [3], [1]), [gen(rand, [4])]);
});

test('concat: JVP and VJP match finite differences on every axis', () => {
  check('concat', (a, b) => E.concat([a, b], 0), [gen(rand, [2, 3]), gen(rand, [4, 3])]);
  check('concat', (a, b, c) => E.concat([a, b, c], 1), [gen(rand, [2, 1, 2]), gen(rand, [2, 3, 2]), gen(rand, [2, 2, 2])]);
  check('concat', (a, b) => E.concat([a, b], -1), [gen(rand, [3, 2]), gen(rand, [3, 1])]);
});

// ---- indexing: int32 ids are not differentiated -----------------------------------------

test('gather: JVP and VJP match finite differences, repeated ids and rank-2 ids', () => {
  check('gather', (t, ids) => E.gather(t, ids), [gen(rand, [5, 3]), i32([4], [4, 0, 4, 2])]);
  check('gather', (t, ids) => E.gather(t, ids), [gen(rand, [4, 2, 2]), i32([2, 3], [1, 1, 3, 0, 2, 1])]);
  check('gather', (t, ids) => E.gather(t, ids), [gen(rand, [6]), i32([3], [5, 0, 5])]);
});

test('segmentSum: JVP and VJP match finite differences, with empty segments', () => {
  check('segmentSum', (d, ids) => E.segmentSum(d, ids, 4), [gen(rand, [5, 3]), i32([5], [3, 0, 3, 1, 3])]);
  check('segmentSum', (d, ids) => E.segmentSum(d, ids, 6), [gen(rand, [4]), i32([4], [5, 5, 2, 0])]);
});

// ---- no derivative: comparisons, one-hot and sources. Their zero JVPs/VJPs are checked
// through a product with a differentiable input (away from ties, where FD is exact). -----

test('compare: its derivative is zero (checked through (x + y) · [x op y], away from ties)', () => {
  for (const op of ['gt', 'ge', 'lt', 'le'] as const) {
    const a = uniform(rand, 12);
    const b = awayFromZero(rand, 12, 0.1, 0.5).map((d, i) => Math.fround(a[i] + d)); // |a − b| ≥ 0.1
    check('compare', (x, y) => E.mul(E.add(x, y), E.compare(x, y, op)), [f32([3, 4], a), f32([3, 4], b)]);
  }
  // `eq` is only non-zero on ties, where finite differences break the tie: check its
  // zero JVP and VJP directly instead.
  const x = f32([6], [1, 2, 3, 4, 5, 6]);
  const y = f32([6], [1, 0, 3, 0, 5, 0]);
  const eqMask = (a: E.Tensor, b: E.Tensor) => E.compare(a, b, 'eq');
  const [mask, tangent, gx, gy] = evalRef(
    (a, b) => {
      const [m, t] = E.jvp(eqMask, [a, b], [E.full([6], 1), E.full([6], -1)]) as [E.Tensor, E.Tensor];
      const [ga, gb] = E.grad((u: E.Tensor, v: E.Tensor) => E.sum(E.mul(u, eqMask(u, v))), [0, 1])(a, b) as E.Tensor[];
      return [m, t, ga, gb];
    },
    [x, y],
  );
  assert.deepEqual([...mask], [1, 0, 1, 0, 1, 0]);
  assert.deepEqual([...tangent], [0, 0, 0, 0, 0, 0]);
  assert.deepEqual([...gx], [1, 0, 1, 0, 1, 0], 'd/dx sum(x·[x=y]) is the mask alone');
  assert.deepEqual([...gy], [0, 0, 0, 0, 0, 0]);
  const [gt] = evalRef((a, b) => E.compare(a, b, 'gt'), [f32([4], [1, 2, 3, 4]), f32([4], [2, 2, 2, 2])]);
  assert.deepEqual([...gt], [0, 0, 1, 1]);
});

test('oneHot: no derivative in the ids (checked through x · oneHot(ids))', () => {
  check('oneHot', (x, ids) => E.mul(x, E.oneHot(ids, 4)), [gen(rand, [3, 4]), i32([3], [0, 3, 1])]);
});

test('full, constant and iota: sources with no derivative', () => {
  check('full', (x) => E.mul(x, E.full([2, 3], 2.5)), [gen(rand, [2, 3])]);
  check('constant', (x) => E.mul(x, E.constant([1, -2, 3, 0.5, 4, -1], [2, 3])), [gen(rand, [2, 3])]);
  check('iota', (x) => E.mul(x, E.add(E.iota([2, 3], 1), 1)), [gen(rand, [2, 3])]);
  const [io] = evalRef((x) => E.add(x, E.iota([2, 3], 0)), [f32([2, 3], [0, 0, 0, 0, 0, 0])]);
  assert.deepEqual([...io], [0, 0, 0, 1, 1, 1]);
});

test('relu\'(0) = 0, in reverse and forward mode', () => {
  const x = f32([5], [0, 1, -1, 0, 2]);
  const [g] = evalRef((v) => E.grad((y: E.Tensor) => E.sum(E.relu(y)))(v), [x]);
  assert.deepEqual([...g], [0, 1, 0, 0, 1]);
  const [t] = evalRef((v) => E.jvp((y: E.Tensor) => E.relu(y), [v], [E.full([5], 1)])[1] as E.Tensor, [x]);
  assert.deepEqual([...t], [0, 1, 0, 0, 1]);
});

// ---- convolution, pooling and erf (NCHW) ---------------------------------------------------

type ConvCase = { x: number[]; w: number[]; o: E.Conv2dOptions };

/** Plain, strided + dilated + grouped, and depthwise (channel multiplier 2), all with asymmetric pads. */
const CONV_CASES: ConvCase[] = [
  { x: [2, 3, 5, 4], w: [4, 3, 3, 2], o: { strides: [1, 1], pads: [1, 0, 1, 1], dilations: [1, 1], groups: 1 } },
  { x: [1, 4, 7, 6], w: [6, 2, 3, 2], o: { strides: [2, 2], pads: [1, 1, 0, 2], dilations: [1, 2], groups: 2 } },
  { x: [2, 3, 5, 5], w: [6, 1, 2, 3], o: { strides: [1, 2], pads: [0, 1, 1, 0], dilations: [2, 1], groups: 3 } },
];

function convOut(c: ConvCase): number[] {
  const { graph } = E.traceGraph((x: E.Tensor, w: E.Tensor) => [E.conv2d(x, w, c.o)], [
    { shape: c.x, dtype: 'float32' },
    { shape: c.w, dtype: 'float32' },
  ]);
  return [...graph.nodes[graph.nodes.length - 1].aval.shape];
}

test('conv2d and its transposes: JVP and VJP match finite differences (strides, pads, dilations, groups, depthwise)', () => {
  for (const c of CONV_CASES) {
    const out = convOut(c);
    check('conv2d', (x, w) => E.conv2d(x, w, c.o), [gen(rand, c.x), gen(rand, c.w)]);
    check('conv2dBackpropInput', (g, w) => E.conv2dBackpropInput(g, w, c.x.slice(2), c.o), [gen(rand, out), gen(rand, c.w)]);
    check('conv2dBackpropFilter', (x, g) => E.conv2dBackpropFilter(x, g, c.w.slice(2), c.o), [gen(rand, c.x), gen(rand, out)]);
  }
});

/** Padding, dilation and ceil mode (a last window that starts inside the input). */
const MAX_POOL_CASES: { x: number[]; o: E.MaxPool2dOptions }[] = [
  { x: [2, 2, 4, 4], o: { kernel: [2, 2] } },
  { x: [1, 3, 7, 6], o: { kernel: [3, 2], strides: [2, 2], pads: [1, 1, 1, 0], dilations: [1, 1], ceilMode: true } },
  { x: [2, 1, 8, 7], o: { kernel: [2, 3], strides: [2, 1], pads: [0, 1, 1, 1], dilations: [2, 2], ceilMode: false } },
];

test('maxPool2d, maxPool2dPick and maxPool2dScatter: JVP and VJP match finite differences away from ties', () => {
  for (const c of MAX_POOL_CASES) {
    const x = f32(c.x, distinct(rand, sizeOf(c.x)));
    check('maxPool2d', (v) => E.maxPool2d(v, c.o), [x]);
    const { graph } = E.traceGraph((v: E.Tensor) => [E.maxPool2d(v, c.o)], [{ shape: c.x, dtype: 'float32' }]);
    const out = [...graph.nodes[graph.nodes.length - 1].aval.shape];
    // The arg-max is piecewise constant in x: x is held fixed, the linear argument varies.
    check('maxPool2dPick', (v, t) => E.maxPool2dPick(v, t, c.o), [{ ...x, diff: false }, gen(rand, c.x)]);
    check('maxPool2dScatter', (v, ct) => E.maxPool2dScatter(v, ct, c.o), [{ ...x, diff: false }, gen(rand, out)]);
  }
});

const AVG_POOL_CASES: { x: number[]; o: E.AvgPool2dOptions }[] = [
  { x: [2, 2, 4, 6], o: { kernel: [2, 3] } },
  { x: [1, 3, 7, 6], o: { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true } },
  { x: [2, 2, 7, 5], o: { kernel: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], ceilMode: true, countIncludePad: false } },
];

test('avgPool2d and avgPool2dGrad: JVP and VJP match finite differences (ceil mode, with and without counting padding)', () => {
  for (const c of AVG_POOL_CASES) {
    check('avgPool2d', (v) => E.avgPool2d(v, c.o), [gen(rand, c.x)]);
    const { graph } = E.traceGraph((v: E.Tensor) => [E.avgPool2d(v, c.o)], [{ shape: c.x, dtype: 'float32' }]);
    const out = [...graph.nodes[graph.nodes.length - 1].aval.shape];
    check('avgPool2dGrad', (ct) => E.avgPool2dGrad(ct, c.x.slice(2), c.o), [gen(rand, out)]);
  }
});

test('erf: JVP and VJP match finite differences, and values match float64 references', () => {
  for (let t = 0; t < TRIALS; t++) {
    const shape = randomShape(rand, randInt(rand, 0, 3));
    check('erf', (x) => E.erf(x), [gen(rand, shape, -3, 3)]);
  }
  // Reference values (Python's math.erf, correctly rounded to double).
  const xs = [0.5, 2.3, 5.5, -1e-5, -0.8, 1.5, 6.5];
  const want = [0.5204998778130465, 0.9988568234026434, 0.9999999999999927, -1.1283791670579e-5, -0.7421009647076605, 0.9661051464753108, 1];
  const [got] = evalRef((x) => E.erf(x), [f32([xs.length], xs)]);
  got.forEach((v, i) => assert.ok(Math.abs(v - want[i]) <= 1e-15 * Math.abs(want[i]), `erf(${xs[i]}) = ${v}, want ${want[i]}`));
});

test('conv and pooling: bad shapes and options are refused naming what was expected', () => {
  const trace = (f: (...xs: E.Tensor[]) => E.Tensor, shapes: number[][]) => () =>
    E.traceGraph((...xs: E.Tensor[]) => [f(...xs)], shapes.map((shape) => ({ shape, dtype: 'float32' as const })));
  assert.throws(trace((x, w) => E.conv2d(x, w), [[1, 3, 5, 5], [4, 2, 3, 3]]), /x has 3 channels but w \[4,2,3,3\] with groups 1 expects 2/);
  assert.throws(trace((x, w) => E.conv2d(x, w, { groups: 2 }), [[1, 4, 5, 5], [3, 2, 3, 3]]), /3 output channels are not divisible by groups 2/);
  assert.throws(trace((x, w) => E.conv2d(x, w), [[1, 1, 2, 5], [1, 1, 3, 3]]), /window of span 3 exceeds padded input 2/);
  assert.throws(trace((x, w) => E.conv2d(x, w, { strides: [0, 1] }), [[1, 1, 5, 5], [1, 1, 3, 3]]), /strides \[0,1\] must be integers >= 1/);
  assert.throws(trace((x, w) => E.conv2d(x, w), [[1, 5, 5], [1, 1, 3, 3]]), /conv2d needs x \[N,C,H,W\] and w \[Cout,C\/groups,kH,kW\], got \[1,5,5\]/);
  assert.throws(trace((x) => E.maxPool2d(x, { kernel: [2, 2], pads: [-1, 0, 0, 0] }), [[1, 1, 4, 4]]), /pads \[-1,0,0,0\] must be integers >= 0/);
  assert.throws(trace((x) => E.avgPool2d(x, { kernel: [2, 2] }), [[4, 4]]), /average pool needs float32 x \[N,C,H,W\], got \[4,4\]/);
});

// ---- registry and IR ----------------------------------------------------------------------

test('every primitive has all rules (shape, tf, ref, jvp, vjp) and no name repeats', () => {
  const names = PRIMITIVES.map((p) => p.name);
  assert.equal(new Set(names).size, names.length, `repeated names: ${names.filter((n, i) => names.indexOf(n) !== i)}`);
  for (const p of PRIMITIVES) {
    assert.ok(typeof p.name === 'string' && p.name.length > 0);
    for (const rule of ['shape', 'tf', 'ref', 'jvp', 'vjp'] as const) {
      assert.equal(typeof p[rule], 'function', `${p.name} lacks its ${rule} rule`);
    }
  }
  assert.deepEqual(primitiveNames().sort(), [...names].sort(), 'the registry holds exactly PRIMITIVES');
});

test('the graph is JSON-serialisable and carries withScope scopes, forward and backward', () => {
  const f = (w: E.Tensor, x: E.Tensor) =>
    E.withScope('model', () => {
      const h = E.withScope('layer/0', () => E.tanh(E.matmul(x, w)));
      return E.withScope('loss', () => E.mean(E.mul(h, h)));
    });
  const avals = [{ shape: [3, 2], dtype: 'float32' as const }, { shape: [4, 3], dtype: 'float32' as const }];
  const { graph } = E.traceGraph((w: E.Tensor, x: E.Tensor) => E.valueAndGrad(f)(w, x), avals);
  const round = JSON.parse(JSON.stringify(graph)) as E.Graph;
  assert.deepEqual(round, graph, 'JSON round trip is lossless');
  const scopes = new Set(graph.nodes.map((n) => n.scope));
  assert.ok(scopes.has('model/layer/0'), `scopes: ${[...scopes]}`);
  assert.ok(scopes.has('model/loss'));
  // The backward pass replays the forward scope: tanh's and matmul's cotangent nodes live in model/layer/0.
  const back = graph.nodes.filter((n) => n.origin === 'cotangent');
  assert.ok(back.some((n) => n.scope === 'model/layer/0' && n.op === 'matmul'), 'matmul VJP in model/layer/0');
  assert.ok(back.some((n) => n.scope === 'model/loss'), 'loss VJP in model/loss');
  assert.ok(graph.nodes.filter((n) => n.op === 'tanh').every((n) => n.scope === 'model/layer/0'));
  // The deserialised graph runs and gives the same values.
  const data = [uniform(rand, 6), uniform(rand, 12)].map((d, i) => ({ shape: avals[i].shape, data: d }));
  const a = E.runRef(E.schedule(graph), data).outputs;
  const b = E.runRef(E.schedule(round), data).outputs;
  assert.deepEqual(a.map((o) => [...o.data]), b.map((o) => [...o.data]));
});

test('reverse mode builds no cotangent for a constant input: no backward op is left for dead code elimination', () => {
  // grad of sum(tanh(x·W) ⊙ C + C) in x: W and C are constants (closed over), so matmul's,
  // mul's and add's rules build only x's cotangent: no product for W, no sum down to C's shape.
  const f = (x: E.Tensor) => {
    const W = E.constant([1, -2, 0.5, 3, 0.25, -1], [3, 2]);
    const C = E.constant([0.5, -1.5], [2]);
    return E.sum(E.add(E.mul(E.tanh(E.matmul(x, W)), C), C));
  };
  const { graph } = E.traceGraph((x: E.Tensor) => [E.grad(f)(x)], [{ shape: [4, 3], dtype: 'float32' }]);
  const back = graph.nodes.filter((n) => n.origin === 'cotangent');
  assert.deepEqual(back.filter((n) => n.op === 'matmul').map((n) => n.aval.shape), [[4, 3]], 'only x·Wᵀ, no xᵀ·ct for W');
  assert.equal(back.filter((n) => n.aval.shape.length === 1 && n.aval.shape[0] === 2).length, 0, 'nothing shaped like C');
  // Dead code elimination finds no cotangent to remove (only the unused forward value).
  const live = new Set(eliminateDeadCode(graph).nodes.map((n) => n.id));
  assert.deepEqual(graph.nodes.filter((n) => !live.has(n.id) && n.origin !== 'primal'), []);
  // And the gradient is still right.
  const x = [0.1, -0.4, 0.7, 1.2, -0.3, 0.05, 0.9, -1.1, 0.2, 0.35, -0.6, 0.8];
  const [g] = E.runRef(E.schedule(graph), [{ shape: [4, 3], data: x }]).outputs;
  const w = [1, -2, 0.5, 3, 0.25, -1];
  const c = [0.5, -1.5];
  for (let i = 0; i < 4; i++) {
    for (let k = 0; k < 3; k++) {
      let want = 0;
      for (let j = 0; j < 2; j++) {
        const z = x[i * 3] * w[j] + x[i * 3 + 1] * w[2 + j] + x[i * 3 + 2] * w[4 + j];
        want += c[j] * (1 - Math.tanh(z) ** 2) * w[k * 2 + j];
      }
      assert.ok(Math.abs(g.data[i * 3 + k] - want) < 1e-12, `${g.data[i * 3 + k]} vs ${want}`);
    }
  }
});

test('every primitive in PRIMITIVES was checked above', () => {
  const missing = PRIMITIVES.map((p) => p.name).filter((n) => !checked.has(n));
  assert.deepEqual(missing, [], `primitives without a derivative test: ${missing}`);
});
