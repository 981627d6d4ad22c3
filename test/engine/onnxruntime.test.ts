/**
 * The onnxruntime backend (engine/exec/onnxruntime/): every primitive's ONNX lowering against
 * its TF.js kernel on random inputs (one family per test), then whole meta-gradients on
 * onnxruntime against float64 (the reference examples' PyTorch oracle, a small transformer and
 * the MAML CNN, both modes), no further from it than our own float32 executor. Skipped, saying
 * so, when the optional onnxruntime-node is not installed.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import * as tf from '@tensorflow/tfjs-core';
import type { Aval } from '../../engine/core/aval.js';
import { sizeOf } from '../../engine/core/shape.js';
import { useBackend } from '../../engine/exec/backend.js';
import { Cancelled } from '../../engine/exec/interpret.js';
import { runOnnxruntime } from '../../engine/exec/onnxruntime/executor.js';
import { lowerToOnnx, NoOnnxLowering } from '../../engine/exec/onnxruntime/lower.js';
import { contentCuts, fixedCuts, nodeSignature } from '../../engine/exec/onnxruntime/cuts.js';
import { partition } from '../../engine/exec/onnxruntime/partition.js';
import { runPipelined, startOrtWorkers } from '../../engine/exec/onnxruntime/pipeline.js';
import { ortAvailable, ORT_INSTALL_HINT, OrtUnavailable } from '../../engine/exec/onnxruntime/runtime.js';
import { schedule } from '../../engine/exec/schedule.js';
import type { Graph, Params } from '../../engine/ir/graph.js';
import { planMeta } from '../../engine/meta/plan.js';
import { runMeta } from '../../engine/meta/run.js';
import { PRIMITIVES } from '../../engine/primitives/index.js';
import { getPrimitive } from '../../engine/primitives/registry.js';
import { readExampleModel } from '../../engine/setup/examples/models.js';
import { materialise } from '../../engine/setup/materialise.js';
import type { Setup } from '../../engine/setup/types.js';
import { parseSetup } from '../../engine/setup/validate.js';
import { relDiff, rng } from '../meta/helpers.js';

const skip = ortAvailable() ? false : `onnxruntime-node is not installed (${ORT_INSTALL_HINT})`;
const rand = rng(1307);
const SPEC = join(__dirname, '../fixtures/spec');
const EXAMPLES = join(__dirname, '../../engine/setup/examples');

type Case = { op: string; params?: Params; inputs: (Aval & { values?: number[]; positive?: boolean; ints?: number })[] };

const f32 = (shape: readonly number[], extra: { positive?: boolean; values?: number[] } = {}) => ({ shape: [...shape], dtype: 'float32' as const, ...extra });
const i32 = (shape: number[], below: number, values?: number[]) => ({ shape, dtype: 'int32' as const, ints: below, values });

function data(a: Case['inputs'][number]): number[] {
  if (a.values) return a.values;
  const n = sizeOf(a.shape);
  if (a.dtype === 'int32') return Array.from({ length: n }, () => Math.floor(rand() * a.ints!));
  return Array.from({ length: n }, () => (a.positive ? 0.1 + rand() * 2 : rand() * 4 - 2));
}

/** One node of `op` on random inputs, on onnxruntime and on the op's TF.js kernel. */
async function checkOp(c: Case, tol = 1e-5): Promise<void> {
  const prim = getPrimitive(c.op);
  const params = c.params ?? {};
  const avals = c.inputs.map(({ shape, dtype }) => ({ shape, dtype }));
  const out = prim.shape(avals, params);
  const graph: Graph = {
    inputs: avals.map((aval, i) => ({ id: i, aval, name: `x${i}` })),
    nodes: [{ id: avals.length, op: c.op, inputs: avals.map((_, i) => i), params, aval: out, scope: '', origin: 'primal' }],
    outputs: [avals.length],
  };
  const values = c.inputs.map(data);
  const got = (await runOnnxruntime(schedule(graph), values.map((v, i) => ({ shape: avals[i].shape, data: v })))).outputs[0];
  const want = tf.tidy(() => {
    const o = prim.tf(values.map((v, i) => tf.tensor(v, [...avals[i].shape], avals[i].dtype)), params);
    return Float32Array.from(o.dataSync());
  });
  const what = `${c.op} ${JSON.stringify(params)} on ${avals.map((a) => `[${a.shape}]`).join(', ')}`;
  assert.equal(got.length, want.length, `${what}: size`);
  let scale = 1e-30;
  for (const w of want) scale = Math.max(scale, Math.abs(w));
  for (let i = 0; i < want.length; i++) {
    assert.ok(Math.abs(got[i] - want[i]) <= tol * scale, `${what}: element ${i} is ${got[i]}, TF.js says ${want[i]}`);
  }
}

async function checkAll(cases: Case[]): Promise<void> {
  await useBackend('cpu');
  for (const c of cases) await checkOp(c);
}

test('onnx lowering: unary elementwise ops', { skip }, () =>
  checkAll([
    ...['neg', 'exp', 'tanh', 'sigmoid', 'relu', 'erf'].map((op) => ({ op, inputs: [f32([3, 5])] })),
    ...['log', 'sqrt'].map((op) => ({ op, inputs: [f32([3, 5], { positive: true })] })),
    { op: 'pow', params: { exponent: 2 }, inputs: [f32([4, 3])] },
    { op: 'pow', params: { exponent: 1.5 }, inputs: [f32([4, 3], { positive: true })] },
  ]));

test('onnx lowering: binary ops with broadcasting, comparisons and select', { skip }, () =>
  checkAll([
    ...['add', 'sub', 'mul'].map((op) => ({ op, inputs: [f32([2, 3, 4]), f32([3, 1])] })),
    { op: 'div', inputs: [f32([2, 3]), f32([3], { positive: true })] },
    ...['gt', 'ge', 'lt', 'le'].map((op) => ({ op: 'compare', params: { op }, inputs: [f32([3, 4]), f32([4])] })),
    { op: 'compare', params: { op: 'eq' }, inputs: [f32([4], { values: [1, 2, 3, 4] }), f32([4], { values: [1, 0, 3, 5] })] },
    { op: 'select', inputs: [f32([3, 1], { values: [1, 0, 1] }), f32([3, 4]), f32([4])] },
  ]));

test('onnx lowering: matmul with every transpose, batched', { skip }, () =>
  checkAll(
    [false, true].flatMap((transposeA) =>
      [false, true].flatMap((transposeB) => [
        { op: 'matmul', params: { transposeA, transposeB }, inputs: [f32(transposeA ? [5, 3] : [3, 5]), f32(transposeB ? [4, 5] : [5, 4])] },
        { op: 'matmul', params: { transposeA, transposeB }, inputs: [f32(transposeA ? [2, 5, 3] : [2, 3, 5]), f32(transposeB ? [2, 4, 5] : [2, 5, 4])] },
      ]),
    ),
  ));

test('onnx lowering: layout ops (transpose, reshape, broadcastTo, slice, pad, concat)', { skip }, () =>
  checkAll([
    { op: 'transpose', params: { perm: [2, 0, 1] }, inputs: [f32([2, 3, 4])] },
    { op: 'reshape', params: { shape: [6, 4] }, inputs: [f32([2, 3, 4])] },
    { op: 'broadcastTo', params: { shape: [2, 3, 4] }, inputs: [f32([3, 1])] },
    { op: 'slice', params: { begin: [1, 0, 2], size: [1, 2, 2] }, inputs: [f32([2, 3, 4])] },
    { op: 'pad', params: { before: [0, 2], after: [1, 0] }, inputs: [f32([2, 3])] },
    { op: 'concat', params: { axis: 1 }, inputs: [f32([2, 3]), f32([2, 1]), f32([2, 2])] },
  ]));

test('onnx lowering: reductions (sum, max; some axes, all axes, none, keepDims)', { skip }, () =>
  checkAll(
    ['sum', 'max'].flatMap((op) => [
      { op, params: { axes: [1], keepDims: false }, inputs: [f32([2, 3, 4])] },
      { op, params: { axes: [0, 2], keepDims: true }, inputs: [f32([2, 3, 4])] },
      { op, params: { axes: [0, 1, 2], keepDims: false }, inputs: [f32([2, 3, 4])] },
      { op, params: { axes: [], keepDims: false }, inputs: [f32([2, 3])] },
    ]),
  ));

test('onnx lowering: indexing (gather, segmentSum with repeated ids, oneHot)', { skip }, () =>
  checkAll([
    { op: 'gather', inputs: [f32([5, 3]), i32([2, 4], 5)] },
    { op: 'segmentSum', params: { numSegments: 4 }, inputs: [f32([6, 3]), i32([6], 4, [0, 2, 2, 3, 0, 2])] },
    { op: 'oneHot', params: { depth: 5 }, inputs: [i32([2, 3], 5)] },
  ]));

test('onnx lowering: creation ops (full small and large, constant, iota)', { skip }, () =>
  checkAll([
    { op: 'full', params: { shape: [2, 3], dtype: 'float32', value: 0.5 }, inputs: [] },
    { op: 'full', params: { shape: [80, 80], dtype: 'float32', value: -2 }, inputs: [] },
    { op: 'constant', params: { values: [1, 2, 3, 4, 5, 6], shape: [3, 2], dtype: 'float32' }, inputs: [] },
    { op: 'iota', params: { shape: [3, 4], axis: 1 }, inputs: [] },
  ]));

const conv = (strides: [number, number], pads: [number, number, number, number], dilations: [number, number], groups: number) => ({ strides, pads, dilations, groups });

test('onnx lowering: convolution and its two transposes (strides, pads, dilations, groups)', { skip }, () => {
  const variants = [conv([1, 1], [1, 1, 1, 1], [1, 1], 1), conv([2, 2], [0, 1, 1, 0], [1, 1], 1), conv([2, 1], [1, 0, 0, 1], [2, 1], 2)];
  return checkAll(
    variants.flatMap((p) => {
      const [N, C, H, W, Cout, k] = [2, 4, 7, 6, 6, 3];
      const x = f32([N, C, H, W]);
      const w = f32([Cout, C / p.groups, k, k]);
      const out = getPrimitive('conv2d').shape([x, w], p).shape;
      return [
        { op: 'conv2d', params: p, inputs: [x, w] },
        { op: 'conv2dBackpropInput', params: { ...p, inputSize: [H, W] }, inputs: [f32(out), w] },
        { op: 'conv2dBackpropFilter', params: { ...p, kernelSize: [k, k] }, inputs: [x, f32(out)] },
      ];
    }),
  );
});

test('onnx lowering: max-pool and its pick and scatter, average pool and its transpose (ceil mode, padding)', { skip }, () => {
  const x = f32([2, 3, 7, 6]);
  const maxVariants = [
    { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false },
    { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: true },
  ];
  const avgVariants = [
    { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], ceilMode: false, countIncludePad: true },
    { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: false },
    { kernel: [3, 2], strides: [2, 1], pads: [1, 0, 1, 1], ceilMode: false, countIncludePad: true },
  ];
  return checkAll([
    ...maxVariants.flatMap((p) => {
      const out = getPrimitive('maxPool2d').shape([x], p).shape;
      return [
        { op: 'maxPool2d', params: p, inputs: [x] },
        { op: 'maxPool2dPick', params: p, inputs: [x, f32(x.shape)] },
        { op: 'maxPool2dScatter', params: p, inputs: [x, f32(out)] },
      ];
    }),
    ...avgVariants.flatMap((p) => {
      const out = getPrimitive('avgPool2d').shape([x], p).shape;
      return [
        { op: 'avgPool2d', params: p, inputs: [x] },
        { op: 'avgPool2dGrad', params: { ...p, inputSize: [7, 6] }, inputs: [f32(out)] },
      ];
    }),
  ]);
});

test('every primitive has an ONNX lowering; a graph using one without is refused, naming it', { skip }, () => {
  assert.deepEqual(PRIMITIVES.filter((p) => !p.onnx).map((p) => p.name), []);
  const aval: Aval = { shape: [2], dtype: 'float32' };
  const graph: Graph = { inputs: [{ id: 0, aval, name: 'x' }], nodes: [{ id: 1, op: 'exp', inputs: [0], params: {}, aval, scope: '', origin: 'primal' }], outputs: [1] };
  const exp = getPrimitive('exp') as { onnx?: unknown };
  const rule = exp.onnx;
  exp.onnx = undefined;
  try {
    assert.throws(() => lowerToOnnx(schedule(graph)), (e: unknown) => e instanceof NoOnnxLowering && /primitive 'exp' \(1 node\) has no ONNX lowering.*--backend wasm/.test(e.message));
  } finally {
    exp.onnx = rule;
  }
});

test('a missing onnxruntime-node is refused with how to install it', () => {
  const e = new OrtUnavailable(new Error("Cannot find module 'onnxruntime-node'"));
  assert.match(e.message, /backend 'onnxruntime' needs the optional package onnxruntime-node.*Cannot find module.*npm install --ignore-scripts onnxruntime-node/);
});

test('partition: segments reading exactly what earlier ones (or the inputs) made', () => {
  const aval: Aval = { shape: [2], dtype: 'float32' };
  // x → a → b → c, d = a + c: a crosses two cuts, the output d is the last node.
  const node = (id: number, op: string, inputs: number[]) => ({ id, op, inputs, params: {}, aval, scope: '', origin: 'primal' as const });
  const graph: Graph = { inputs: [{ id: 0, aval, name: 'x' }], nodes: [node(1, 'exp', [0]), node(2, 'neg', [1]), node(3, 'tanh', [2]), node(4, 'add', [1, 3])], outputs: [4, 1] };
  const segs = partition(schedule(graph), fixedCuts(4, 2));
  assert.deepEqual(segs.map((s) => ({ inputs: s.inputs, nodes: s.nodes.map((n) => n.id), outputs: s.outputs, released: s.released })), [
    { inputs: [0], nodes: [1, 2], outputs: [1, 2], released: [] },
    // 2 is read for the last time; 1 is a graph output and stays.
    { inputs: [2, 1], nodes: [3, 4], outputs: [4], released: [2] },
  ]);
});

/** A chain of `k` repeats of exp → tanh → neg on [2], the first fed by the graph input. */
function repeatedChain(k: number, shapeOf = (_: number) => [2]): Graph {
  const nodes: Graph['nodes'][number][] = [];
  let last = 0;
  for (let r = 0; r < k; r++) {
    for (const op of ['exp', 'tanh', 'neg']) {
      const id = nodes.length + 1;
      nodes.push({ id, op, inputs: [last], params: {}, aval: { shape: shapeOf(r), dtype: 'float32' }, scope: `r${r}`, origin: 'primal' });
      last = id;
    }
  }
  return { inputs: [{ id: 0, aval: { shape: [2], dtype: 'float32' }, name: 'x' }], nodes, outputs: [last] };
}

test('partition: repeats cut alike have equal keys; other parameters or outputs give another key', () => {
  const keys = (g: Graph, cuts: [number, number][]) => partition(schedule(g), cuts).map((s) => s.key);
  const [a, b, c] = keys(repeatedChain(3), fixedCuts(9, 3));
  assert.equal(a, b);
  assert.equal(b, c);
  // Cut off the period, the pieces differ.
  const off = keys(repeatedChain(3), [[0, 2], [2, 4], [4, 9]]);
  assert.notEqual(off[0], off[1]);
  const g = repeatedChain(3);
  const withParams = { ...g, nodes: g.nodes.map((n) => (n.id === 5 ? { ...n, params: { approx: 1 } } : n)) };
  assert.deepEqual(keys(withParams, fixedCuts(9, 3)).map((k) => k === a), [true, false, true]);
  // The first repeat's exp is also a graph output.
  assert.deepEqual(keys({ ...g, outputs: [...g.outputs, 1] }, fixedCuts(9, 3)).map((k) => k === a), [false, true, true]);
});

test('content cuts fall at the same places inside every repeat of a long periodic schedule', () => {
  const g = repeatedChain(400);
  const order = schedule(g).order;
  const bounds = contentCuts(order, order.map(nodeSignature), { window: 4, every: 2, minNodes: 6, maxNodes: 60 });
  assert.equal(bounds[0][0], 0);
  assert.equal(bounds[bounds.length - 1][1], order.length);
  bounds.forEach(([s, e], i) => assert.ok(e - s >= 6 || i === bounds.length - 1, `segment ${i} has ${e - s} nodes`));
  const segs = partition(schedule(g), bounds);
  const distinct = new Set(segs.map((s) => s.key));
  // 1 200 ops in segments of at least 6: a handful of distinct models, not one per segment.
  assert.ok(segs.length >= 20, `${segs.length} segments`);
  assert.ok(distinct.size <= 6, `${distinct.size} distinct of ${segs.length}`);
});

test('the flagship cut by content: a few dozen distinct segments hold under a quarter of its ops', () => {
  const flagship = parseSetup(JSON.parse(readFileSync(join(EXAMPLES, 'transformer-flagship.mixflow.json'), 'utf8')));
  const { sched } = planMeta(flagship, { mode: 'mixflow', remat: 'block' });
  const segs = partition(sched);
  // Every op in one segment, in schedule order, except values made before the run instead:
  // scalar constants and slices of graph inputs (each inner step's batch).
  const lifted = new Set(segs.flatMap((s) => (s.lifted ?? []).map((c) => c.id)));
  const inputs = new Set(sched.graph.inputs.map((i) => i.id));
  const liftedNodes = sched.order.filter((n) => lifted.has(n.id));
  assert.ok(liftedNodes.every((n) => (n.op === 'full' && n.aval.shape.length === 0) || (n.op === 'slice' && inputs.has(n.inputs[0]))));
  assert.ok(liftedNodes.some((n) => n.op === 'slice'));
  assert.deepEqual(segs.flatMap((s) => s.nodes.map((n) => n.id)), sched.order.map((n) => n.id).filter((id) => !lifted.has(id)));
  const distinct = new Map(segs.map((s) => [s.key, s.nodes.length]));
  const compiled = [...distinct.values()].reduce((a, b) => a + b, 0);
  // Measured: 277 segments, 50 distinct, 8 623 of 46 417 ops (15 503 before the batch slices
  // were lifted: they made every inner step's forward pass a model of its own).
  assert.ok(distinct.size <= 60, `${distinct.size} distinct of ${segs.length}`);
  assert.ok(compiled <= 0.25 * sched.order.length, `${compiled} of ${sched.order.length} ops compiled`);
});

test('repeated segments share one session (both runners) and give the same values as one segment per op', { skip }, async () => {
  const g = repeatedChain(40);
  const x = [{ shape: [2], data: [0.3, -1.2] }];
  const shared = await runOnnxruntime(schedule(g), x, { bounds: fixedCuts(120, 3) });
  assert.equal(shared.segments, 40);
  // The first and the last repeat differ from the rest (the graph input, the graph output).
  assert.ok(shared.sessions <= 3, `${shared.sessions} sessions`);
  let want = [0.3, -1.2];
  for (let r = 0; r < 40; r++) want = want.map((v) => -Math.tanh(Math.exp(v)));
  shared.outputs[0].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  const single = await runOnnxruntime(schedule(g), x, { bounds: fixedCuts(120, 1) });
  assert.deepEqual(Array.from(single.outputs[0]), Array.from(shared.outputs[0]));
  // The two-worker runner: each distinct segment compiled once, on the worker that runs it.
  const piped = await runPipelined(schedule(g), x, { bounds: fixedCuts(120, 3) });
  assert.equal(piped.sessions, shared.sessions);
  assert.deepEqual(Array.from(piped.outputs[0]), Array.from(shared.outputs[0]));
  // Workers started before the graph exists (as runMeta does while tracing) give the same.
  const early = startOrtWorkers();
  const pre = await runPipelined(schedule(g), x, { bounds: fixedCuts(120, 3) }, early);
  assert.deepEqual(Array.from(pre.outputs[0]), Array.from(shared.outputs[0]));
});

test('repeats that differ only in a scalar constant share one model, the constant fed as an input', { skip }, async () => {
  // y ← tanh(y · c_r) with c_r = 0.5 + r/10: a schedule cut once per repeat (4 ops: the fill,
  // mul, tanh, and a neg that keeps the fill first).
  const k = 12;
  const nodes: Graph['nodes'][number][] = [];
  let last = 0;
  for (let r = 0; r < k; r++) {
    const scalar = { shape: [] as number[], dtype: 'float32' as const };
    const vec = { shape: [2], dtype: 'float32' as const };
    const c = nodes.length + 1;
    nodes.push({ id: c, op: 'full', inputs: [], params: { shape: [], dtype: 'float32', value: 0.5 + r / 10 }, aval: scalar, scope: `r${r}`, origin: 'primal' });
    nodes.push({ id: c + 1, op: 'mul', inputs: [last, c], params: {}, aval: vec, scope: `r${r}`, origin: 'primal' });
    nodes.push({ id: c + 2, op: 'tanh', inputs: [c + 1], params: {}, aval: vec, scope: `r${r}`, origin: 'primal' });
    nodes.push({ id: c + 3, op: 'neg', inputs: [c + 2], params: {}, aval: vec, scope: `r${r}`, origin: 'primal' });
    last = c + 3;
  }
  const g: Graph = { inputs: [{ id: 0, aval: { shape: [2], dtype: 'float32' }, name: 'x' }], nodes, outputs: [last] };
  const sched = schedule(g);
  const bounds = fixedCuts(sched.order.length, 4);
  const segs = partition(sched, bounds);
  assert.equal(new Set(segs.map((s) => s.key)).size <= 3, true);
  assert.deepEqual(segs[5].lifted?.map((c) => c.value), [0.5 + 5 / 10]);
  assert.equal(segs[5].nodes.some((n) => n.op === 'full'), false);
  const x = [{ shape: [2], data: [0.3, -1.2] }];
  let want = [0.3, -1.2];
  for (let r = 0; r < k; r++) want = want.map((v) => -Math.tanh(v * (0.5 + r / 10)));
  for (const run of [runOnnxruntime, runPipelined]) {
    const got = await run(sched, x, { bounds });
    assert.ok(got.sessions <= 3, `${got.sessions} sessions`);
    got.outputs[0].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  }
});

test('repeats that differ only in which slice of a graph input they read share one model, the slice cut before the run', { skip }, async () => {
  // y ← tanh(y + x[r]) for the rows r of a [k, 2] input: cut once per repeat (slice, reshape,
  // add, tanh), every repeat the same model once the slice's start is fed as a value.
  const k = 6;
  const vec = { shape: [2], dtype: 'float32' as const };
  const nodes: Graph['nodes'][number][] = [];
  let last = 0;
  for (let r = 0; r < k; r++) {
    const c = nodes.length + 2;
    nodes.push({ id: c, op: 'slice', inputs: [1], params: { begin: [r, 0], size: [1, 2] }, aval: { shape: [1, 2], dtype: 'float32' }, scope: `r${r}`, origin: 'primal' });
    nodes.push({ id: c + 1, op: 'reshape', inputs: [c], params: { shape: [2] }, aval: vec, scope: `r${r}`, origin: 'primal' });
    nodes.push({ id: c + 2, op: 'add', inputs: [last, c + 1], params: {}, aval: vec, scope: `r${r}`, origin: 'primal' });
    nodes.push({ id: c + 3, op: 'tanh', inputs: [c + 2], params: {}, aval: vec, scope: `r${r}`, origin: 'primal' });
    last = c + 3;
  }
  const g: Graph = {
    inputs: [
      { id: 0, aval: vec, name: 'y0' },
      { id: 1, aval: { shape: [k, 2], dtype: 'float32' }, name: 'x' },
    ],
    nodes,
    outputs: [last],
  };
  const sched = schedule(g);
  const bounds = fixedCuts(sched.order.length, 4);
  const segs = partition(sched, bounds);
  assert.equal(segs.length, k);
  assert.ok(new Set(segs.map((s) => s.key)).size <= 3);
  assert.deepEqual(segs[3].lifted?.map((v) => v.slice?.begin), [[3, 0]]);
  // The whole input is no longer read by the segment, only its lifted row.
  assert.equal(segs[3].inputs.includes(1), false);
  const x = Array.from({ length: 2 * k }, (_, i) => Math.sin(i + 1));
  const inputs = [{ shape: [2], data: [0.3, -1.2] }, { shape: [k, 2], data: x }];
  let want = [0.3, -1.2];
  for (let r = 0; r < k; r++) want = want.map((v, j) => Math.tanh(v + x[2 * r + j]));
  for (const run of [runOnnxruntime, runPipelined]) {
    const got = await run(sched, inputs, { bounds });
    assert.ok(got.sessions <= 3, `${got.sessions} sessions`);
    got.outputs[0].forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-6, `${v} vs ${want[i]}`));
  }
});

test('started workers that are never given a graph stop cleanly', { skip }, async () => {
  const workers = startOrtWorkers();
  const exits = workers.threads.map((t) => new Promise<number>((resolve) => t.once('exit', resolve)));
  await workers.stop();
  assert.deepEqual(await Promise.all(exits), [0, 0]);
});

test('a run cancelled between segments stops its workers and reports Cancelled', { skip }, async () => {
  const g = repeatedChain(40);
  const x = [{ shape: [2], data: [0.3, -1.2] }];
  let polls = 0;
  await assert.rejects(runPipelined(schedule(g), x, { bounds: fixedCuts(120, 3), shouldStop: () => ++polls > 5 }), Cancelled);
  assert.equal(polls, 6);
});


/**
 * onnxruntime's float32 meta-gradients are as close to float64 as our float32 executor's are
 * (within 4×, or 1e-5 where both are closer); its peak is the plan, equal to what ours measures.
 */
async function assertAsAccurate(what: string, setup: Setup, remat: 'none' | 'block', expectLoss?: number): Promise<void> {
  const data = materialise(setup);
  // The modes agree to 1e-10 in float64 (test/meta/modes.test.ts): one float64 run for both.
  const f64 = await runMeta(setup, data, { mode: 'standard', remat, precision: 'float64', backend: 'cpu' });
  for (const mode of ['standard', 'mixflow'] as const) {
    const ours = await runMeta(setup, data, { mode, remat, precision: 'float32', backend: 'wasm' });
    const ort = await runMeta(setup, data, { mode, remat, precision: 'float32', backend: 'onnxruntime' });
    const errOurs = relDiff(ours.metaGrads, f64.metaGrads);
    const errOrt = relDiff(ort.metaGrads, f64.metaGrads);
    if (process.env.MIXFLOW_TEST_VERBOSE) console.log(`${what} ${mode}: float32 vs float64: ours ${errOurs.toExponential(2)}, onnxruntime ${errOrt.toExponential(2)}`);
    assert.ok(errOrt <= Math.max(4 * errOurs, 1e-5), `${what} ${mode}: onnxruntime is ${errOrt} from float64, our float32 executor ${errOurs}`);
    const loss = expectLoss ?? f64.outerLoss;
    assert.ok(Math.abs(ort.outerLoss - loss) <= 1e-5 * Math.abs(loss), `${what} ${mode}: outer loss ${ort.outerLoss} vs ${loss}`);
    assertPlanned(`${what} ${mode}`, ort, ours);
  }
}

/** The onnxruntime run reports the static plan as its memory, which equals what our executor measured. */
function assertPlanned(what: string, ort: Awaited<ReturnType<typeof runMeta>>, ours: Awaited<ReturnType<typeof runMeta>>): void {
  assert.equal(ort.backend, 'onnxruntime');
  assert.equal(ort.memorySource, 'planned');
  assert.equal(ours.memorySource, 'measured');
  assert.equal(ort.peakBytes, ours.peakBytes, `${what}: planned peak`);
  assert.equal(ort.activePeakBytes, ours.activePeakBytes, `${what}: planned active peak`);
}

test('reference examples on onnxruntime: the PyTorch float64 oracle within float32 accuracy, both modes', { skip }, async () => {
  for (const f of readdirSync(SPEC).filter((n) => n.endsWith('.mixflow.json'))) {
    const setup = parseSetup(JSON.parse(readFileSync(join(SPEC, f), 'utf8')));
    const expect = JSON.parse(readFileSync(join(SPEC, f.replace('.mixflow.json', '.expect.json')), 'utf8'));
    await assertAsAccurate(f, setup, 'none', expect.outer_loss);
  }
});

test('small transformer on onnxruntime (several sessions): as accurate as our float32 executor, both modes, block remat', { skip }, async () => {
  const transformer = parseSetup(JSON.parse(readFileSync(join(EXAMPLES, 'transformer-dataweight.mixflow.json'), 'utf8')));
  await assertAsAccurate('transformer', transformer, 'block');
});

test('MAML CNN on onnxruntime equals our float32 executor, both modes, block remat', { skip }, async () => {
  const cnnJson = JSON.parse(readFileSync(join(EXAMPLES, 'maml-cnn.mixflow.json'), 'utf8'));
  cnnJson.inner.synthetic.batch = 2;
  cnnJson.outer.synthetic.batch = 2;
  cnnJson.inner.steps = 1;
  const cnn = parseSetup(cnnJson, { readModel: readExampleModel });
  const data = materialise(cnn);
  for (const mode of ['standard', 'mixflow'] as const) {
    const ours = await runMeta(cnn, data, { mode, remat: 'block', precision: 'float32', backend: 'wasm' });
    const ort = await runMeta(cnn, data, { mode, remat: 'block', precision: 'float32', backend: 'onnxruntime' });
    // Both are about 5e-6 from float64 here (measured); a wrong lowering is off by far more.
    const d = relDiff(ort.metaGrads, ours.metaGrads);
    assert.ok(d < 1e-4, `cnn ${mode}: onnxruntime and our executor differ by ${d}`);
    assert.ok(Math.abs(ort.outerLoss - ours.outerLoss) <= 1e-5 * Math.abs(ours.outerLoss), `cnn ${mode}: outer loss`);
    assertPlanned(`cnn ${mode}`, ort, ours);
  }
});

test('a run asked to stop between segments throws Cancelled and stops its workers', { skip }, async () => {
  const setup = parseSetup(JSON.parse(readFileSync(join(EXAMPLES, 'transformer-dataweight.mixflow.json'), 'utf8')));
  let segments = 0;
  await assert.rejects(
    runMeta(setup, materialise(setup), {
      mode: 'mixflow', remat: 'block', precision: 'float32', backend: 'onnxruntime',
      onProgress: (p) => { if (p.phase === 'running') segments++; },
      shouldStop: () => segments >= 2,
    }),
    Cancelled,
  );
  assert.equal(segments, 2);
});
