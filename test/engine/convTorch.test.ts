/**
 * The convolution, pooling, normalisation and erf ops against PyTorch 1.13 in float64
 * (one python3 run for all cases): outputs, gradients and, for a conv → batch norm → relu
 * → max-pool block, a Hessian-vector product by double backward. Max-pool inputs are
 * integers so that windows tie everywhere: the gradient must go where PyTorch sends it
 * (the first maximum in row-major order), with padding, dilation and ceil mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as E from '../../engine/index.js';
import { sizeOf } from '../../engine/core/shape.js';
import { assertClose, compile, rng, uniform } from './helpers.js';
import { findTorchPython, TORCH_INSTALL } from '../torchPython.js';

const SCRIPT = join(__dirname, 'conv_torch_reference.py');

const rand = rng(1113);
type Spec = { shape: number[]; data: number[] };
const spec = (shape: number[], lo = -1.5, hi = 1.5): Spec => ({ shape, data: uniform(rand, sizeOf(shape), lo, hi) });
/** Small integers: ties in almost every pooling window. */
const ints = (shape: number[], range = 2): Spec => ({ shape, data: uniform(rand, sizeOf(shape), -range, range).map(Math.round) });

interface Case {
  readonly label: string;
  readonly op: string;
  readonly params: Record<string, unknown>;
  readonly inputs: Spec[];
  readonly f: (...xs: E.Tensor[]) => E.Tensor;
  readonly hvp?: boolean;
}

const conv = (label: string, x: number[], w: number[], o: Required<E.Conv2dOptions>): Case => ({
  label, op: 'conv2d', params: o, inputs: [spec(x), spec(w)], f: (a, b) => E.conv2d(a, b, o),
});
const maxPool = (label: string, x: Spec, o: Required<E.MaxPool2dOptions>): Case => ({
  label, op: 'maxPool2d', params: o, inputs: [x], f: (a) => E.maxPool2d(a, o),
});
const avgPool = (label: string, x: number[], o: Required<E.AvgPool2dOptions>): Case => ({
  label, op: 'avgPool2d', params: o, inputs: [spec(x)], f: (a) => E.avgPool2d(a, o),
});

const CASES: Case[] = [
  conv('conv2d plain', [2, 3, 6, 5], [4, 3, 3, 3], { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 1 }),
  conv('conv2d strided, dilated, grouped, asymmetric pads', [2, 4, 9, 8], [6, 2, 3, 2], { strides: [2, 3], pads: [1, 0, 2, 1], dilations: [2, 2], groups: 2 }),
  conv('conv2d depthwise ×2', [1, 3, 7, 7], [6, 1, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 3 }),
  conv('conv2d 1×1 with padding wider than the kernel', [2, 3, 5, 6], [2, 3, 1, 1], { strides: [2, 1], pads: [1, 2, 0, 1], dilations: [1, 1], groups: 1 }),
  maxPool('maxPool2d 2×2 with ties', ints([2, 3, 6, 6], 1), { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], dilations: [1, 1], ceilMode: false }),
  maxPool('maxPool2d overlapping 3×3/2, padding, ceil mode, ties', ints([2, 2, 8, 7]), { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1], ceilMode: true }),
  maxPool('maxPool2d dilated, strided, ceil mode, ties', ints([1, 2, 9, 10]), { kernel: [2, 3], strides: [2, 3], pads: [1, 1, 1, 1], dilations: [2, 2], ceilMode: true }),
  avgPool('avgPool2d 3×3/2 ceil mode, counting padding', [2, 2, 8, 7], { kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: true }),
  avgPool('avgPool2d 3×2/2 ceil mode, not counting padding', [2, 2, 7, 6], { kernel: [3, 2], strides: [2, 2], pads: [1, 1, 1, 1], ceilMode: true, countIncludePad: false }),
  avgPool('avgPool2d 2×2 plain', [1, 3, 6, 4], { kernel: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0], ceilMode: false, countIncludePad: false }),
  {
    label: 'batchNormTraining', op: 'batchNormTraining', params: { eps: 1e-5 },
    inputs: [spec([4, 3, 3, 2]), spec([3], 0.5, 1.5), spec([3])], f: (x, g, b) => E.batchNormTraining(x, g, b, 1e-5),
  },
  {
    label: 'batchNormInference', op: 'batchNormInference', params: { eps: 1e-3 },
    inputs: [spec([2, 3, 2, 2]), spec([3], 0.5, 1.5), spec([3]), spec([3]), spec([3], 0.5, 2)],
    f: (x, g, b, m, v) => E.batchNormInference(x, g, b, m, v, 1e-3),
  },
  { label: 'erf', op: 'erf', params: {}, inputs: [spec([20], -4, 4)], f: (x) => E.erf(x) },
  // Exact zeros: the derivative at 0 is alpha, as in PyTorch.
  { label: 'leakyRelu', op: 'leakyRelu', params: { alpha: 0.1 }, inputs: [ints([12])], f: (x) => E.leakyRelu(x, 0.1) },
  {
    label: 'conv → batch norm → relu → max-pool (ceil mode), Hessian-vector product',
    op: 'cnn', params: {}, hvp: true,
    inputs: [spec([3, 2, 5, 5]), spec([3, 2, 3, 3], -0.5, 0.5), spec([3], 0.5, 1.5), spec([3], -0.5, 0.5)],
    f: (x, w, g, b) => {
      const h = E.relu(E.batchNormTraining(E.conv2d(x, w, { pads: [1, 1, 1, 1] }), g, b, 1e-5));
      return E.maxPool2d(h, { kernel: [2, 2], strides: [2, 2], ceilMode: true });
    },
  },
];

/** Random pooling configurations within PyTorch's limits (padding at most half the kernel). */
const GEOMETRY = Array.from({ length: 60 }, () => {
  const pick = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const kernel: [number, number] = [pick(1, 4), pick(1, 4)];
  const pads: [number, number] = [pick(0, Math.floor(kernel[0] / 2)), pick(0, Math.floor(kernel[1] / 2))];
  return {
    x: [1, 1, pick(4, 11), pick(4, 11)],
    kernel,
    strides: [pick(1, 3), pick(1, 3)] as [number, number],
    pads: [pads[0], pads[1], pads[0], pads[1]] as [number, number, number, number],
    dilations: [pick(1, 2), pick(1, 2)] as [number, number],
    ceilMode: rand() < 0.6,
    countIncludePad: rand() < 0.5,
  };
}).filter((g) => g.x[2] + 2 * g.pads[0] >= g.dilations[0] * (g.kernel[0] - 1) + 1 && g.x[3] + 2 * g.pads[1] >= g.dilations[1] * (g.kernel[1] - 1) + 1 && g.x[2] + 2 * g.pads[0] >= g.kernel[0] && g.x[3] + 2 * g.pads[1] >= g.kernel[1]);

function outShapeOf(f: (x: E.Tensor) => E.Tensor, shape: number[]): number[] {
  const { graph } = E.traceGraph((x: E.Tensor) => [f(x)], [{ shape, dtype: 'float32' }]);
  return [...graph.nodes.find((n) => n.id === graph.outputs[0])!.aval.shape];
}

const python = findTorchPython()?.python;

test('PyTorch is importable for the reference comparisons', () => {
  assert.ok(python, TORCH_INSTALL);
});

test('conv, pooling (ties, ceil mode, padding, 60 random geometries), batch norm, erf, leaky relu: values, gradients and a Hessian-vector product equal PyTorch float64', { skip: !python && TORCH_INSTALL }, () => {
  // Engine side first: shapes, outputs, gradients of Σ out·ct, and the HVP (jvp of grad).
  const prepared = CASES.map((c) => {
    const avals = c.inputs.map((s) => ({ shape: s.shape, dtype: 'float32' as const }));
    const { graph } = E.traceGraph((...xs: E.Tensor[]) => [c.f(...xs)], avals);
    const outShape = [...graph.nodes.find((n) => n.id === graph.outputs[0])!.aval.shape];
    const ct = uniform(rand, sizeOf(outShape), -1, 1);
    const dirs = c.hvp ? c.inputs.map((s) => spec(s.shape, -1, 1)) : undefined;
    return { c, avals, outShape, ct, dirs };
  });
  const payload = prepared.map(({ c, ct, dirs }) => ({ op: c.op, params: c.params, inputs: c.inputs, ct, ...(dirs ? { dirs } : {}) }));
  const reply = JSON.parse(execFileSync(python!, [SCRIPT], { input: JSON.stringify({ cases: payload, geometry: GEOMETRY }), encoding: 'utf8', timeout: 120_000 })) as {
    cases: { shape: number[]; out: number[]; grads: (number[] | null)[]; hvp?: (number[] | null)[] }[];
    geometry: { max: number[]; avg: number[]; avgOfOnes: number[] }[];
  };
  const torch = reply.cases;

  // Pooling geometry over many random configurations: output sizes (ceil mode's dropped
  // last window) and average-pool divisors (average of ones = real taps / divisor).
  assert.ok(GEOMETRY.length >= 40, `${GEOMETRY.length} geometries after filtering`);
  assert.ok(GEOMETRY.some((g, k) => g.ceilMode && reply.geometry[k].max[2] < Math.ceil((g.x[2] + 2 * g.pads[0] - g.dilations[0] * (g.kernel[0] - 1) - 1) / g.strides[0]) + 1), 'some ceil-mode window is dropped');
  GEOMETRY.forEach((g, k) => {
    const label = `geometry ${JSON.stringify(g)}`;
    const want = reply.geometry[k];
    const maxShape = outShapeOf((x) => E.maxPool2d(x, g), g.x);
    assert.deepEqual(maxShape, want.max, `${label}: max-pool output shape`);
    const [avgOfOnes] = compile((x) => E.avgPool2d(x, g), [{ shape: g.x, dtype: 'float32' }]).run([new Array(sizeOf(g.x)).fill(1)]);
    assert.deepEqual(outShapeOf((x) => E.avgPool2d(x, g), g.x), want.avg, `${label}: average-pool output shape`);
    assertClose(avgOfOnes, want.avgOfOnes, 1e-15, `${label}: average-pool divisors`);
  });

  prepared.forEach(({ c, avals, outShape, ct, dirs }, k) => {
    const want = torch[k];
    assert.deepEqual(outShape, want.shape, `${c.label}: output shape`);
    const n = c.inputs.length;
    const ctAval = { shape: outShape, dtype: 'float32' as const };
    const loss = (...xs: E.Tensor[]) => E.sum(E.mul(c.f(...xs.slice(0, n)), xs[n]));
    const all = [...c.inputs.map((s) => s.data), ct];
    const [out, ...grads] = compile((...xs: E.Tensor[]) => [c.f(...xs.slice(0, n)), ...(E.grad(loss, [...Array(n).keys()])(...xs) as E.Tensor[])], [...avals, ctAval]).run(all);
    assertClose(out, want.out, 1e-12, `${c.label}: output`);
    grads.forEach((g, i) => assertClose(g, want.grads[i]!, 1e-12, `${c.label}: gradient of input ${i}`));
    if (dirs) {
      const hv = compile(
        (...xs: E.Tensor[]) => {
          const ps = xs.slice(0, n + 1);
          const gradOf = (...qs: E.Tensor[]) => E.grad(loss, [...Array(n).keys()])(...qs) as E.Tensor[];
          return E.jvp(gradOf, ps, [...xs.slice(n + 1), null])[1] as E.Tensor[];
        },
        [...avals, ctAval, ...avals],
      ).run([...all, ...dirs.map((d) => d.data)]);
      hv.forEach((h, i) => assertClose(h, want.hvp![i]!, 1e-11, `${c.label}: Hessian-vector product, input ${i}`));
    }
  });
});
