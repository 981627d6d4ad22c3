/**
 * Linear algebra, normalisation, convolution and pooling. Convolutions and pools are 2-D
 * (NCHW) as the engine's primitives; BatchNormalization follows the spec: `training_mode` 1
 * normalises with the batch's statistics (biased variance) at every forward, 0 uses the stored
 * running statistics as constants.
 */
import * as E from '../../../index.js';
import { avgPool2d, batchNormInference, batchNormTraining, conv2d, globalAvgPool2d, maxPool2d } from '../../../ops/conv.js';
import { sizeOf } from '../constArray.js';
import * as fold from '../fold.js';
import { attrFloat, attrInt, attrInts, attrString, hasAttr } from '../nodes.js';
import type { OpContext, OpRule, Value } from './context.js';

function gemm(c: OpContext): Value[] {
  const alpha = attrFloat(c.node, 'alpha', 1);
  const beta = attrFloat(c.node, 'beta', 1);
  const a = c.tensor(0);
  const b = c.tensor(1);
  if (a.rank !== 2 || b.rank !== 2) c.fail(`Gemm of ranks ${a.rank} and ${b.rank} (both must be matrices)`);
  let y = c.guard(() => E.matmul(a, b, attrInt(c.node, 'transA', 0) === 1, attrInt(c.node, 'transB', 0) === 1));
  if (alpha !== 1) y = E.mul(y, alpha);
  const bias = c.maybe(2);
  if (bias) y = c.guard(() => E.add(y, beta === 1 ? c.tensor(2) : E.mul(c.tensor(2), beta)));
  return [y];
}

/** ONNX MatMul (NumPy matmul): 1-D operands gain an axis, batch axes broadcast. */
function matmul(c: OpContext): Value[] {
  let a = c.tensor(0);
  let b = c.tensor(1);
  const vecA = a.rank === 1;
  const vecB = b.rank === 1;
  if (vecA) a = E.reshape(a, [1, a.shape[0]!]);
  if (vecB) b = E.reshape(b, [b.shape[0]!, 1]);
  if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) c.fail(`MatMul of [${c.input(0).shape}] and [${c.input(1).shape}]: inner dimensions differ`);
  let y: E.Tensor;
  if (b.rank === 2) {
    // [..., M, K]·[K, N] as one 2-D product.
    const lead = a.shape.slice(0, -1);
    y = E.reshape(E.matmul(E.reshape(a, [lead.reduce((p, d) => p * d, 1), a.shape[a.rank - 1]!]), b), [...lead, b.shape[1]!]);
  } else {
    const batch = fold.broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2)) ?? c.fail(`MatMul batch axes [${a.shape.slice(0, -2)}] and [${b.shape.slice(0, -2)}] do not broadcast`);
    a = E.broadcastTo(a, [...batch, ...a.shape.slice(-2)]);
    b = E.broadcastTo(b, [...batch, ...b.shape.slice(-2)]);
    y = E.matmul(a, b);
  }
  if (vecA) y = E.reshape(y, [...y.shape.slice(0, -2), y.shape[y.rank - 1]!]);
  if (vecB) y = E.reshape(y, y.shape.slice(0, -1));
  return [y];
}

/** Softmax-like ops: opset 13+ along `axis` (default −1); older opsets over the flattened axes from `axis` (default 1). */
function softmaxLike(f: (x: E.Tensor, axis: number) => E.Tensor): OpRule {
  return (c) => {
    const x = c.tensor(0);
    if (c.opset >= 13) return [f(x, attrInt(c.node, 'axis', -1))];
    const axis = attrInt(c.node, 'axis', 1);
    const a = axis < 0 ? axis + x.rank : axis;
    const rows = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
    return [E.reshape(f(E.reshape(x, [rows, sizeOf(x.shape) / rows]), -1), x.shape)];
  };
}

function reduce(kind: 'mean' | 'sum', axesInputFrom: number): OpRule {
  return (c) => {
    const x = c.input(0);
    const keep = attrInt(c.node, 'keepdims', 1) === 1;
    let axes: number[] | undefined;
    if (hasAttr(c.node, 'axes')) axes = attrInts(c.node, 'axes');
    else if (c.opset >= axesInputFrom && c.maybe(1)) axes = fold.ints(c.constant(1, 'the axes'));
    if (!axes || axes.length === 0) {
      if (attrInt(c.node, 'noop_with_empty_axes', 0) === 1) return [x];
      axes = [...x.shape.keys()];
    }
    const norm = axes.map((a) => (a < 0 ? a + x.shape.length : a));
    const t = c.tensor(0);
    return [kind === 'mean' ? E.mean(t, norm, keep) : E.sum(t, norm, keep)];
  };
}

/** Begin and end pads of each spatial axis, from `pads` or `auto_pad`. */
function spatialPads(c: OpContext, inSize: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[]): number[] {
  const auto = attrString(c.node, 'auto_pad', 'NOTSET');
  if (auto === 'NOTSET') return attrInts(c.node, 'pads', [0, 0, 0, 0]);
  if (auto === 'VALID') return [0, 0, 0, 0];
  if (auto !== 'SAME_UPPER' && auto !== 'SAME_LOWER') c.fail(`auto_pad "${auto}"`);
  const begin: number[] = [];
  const end: number[] = [];
  inSize.forEach((n, i) => {
    const out = Math.ceil(n / strides[i]!);
    const total = Math.max((out - 1) * strides[i]! + (kernel[i]! - 1) * dilations[i]! + 1 - n, 0);
    const small = Math.floor(total / 2);
    begin.push(auto === 'SAME_UPPER' ? small : total - small);
    end.push(auto === 'SAME_UPPER' ? total - small : small);
  });
  return [...begin, ...end];
}

function requireImage(c: OpContext, x: E.Tensor): void {
  if (x.rank !== 4) c.fail(`${c.node.opType} on an input of rank ${x.rank} (only 2-D, NCHW inputs of rank 4 are supported)`);
}

function conv(c: OpContext): Value[] {
  const x = c.tensor(0);
  const w = c.tensor(1);
  requireImage(c, x);
  const kernel = attrInts(c.node, 'kernel_shape', w.shape.slice(2));
  const strides = attrInts(c.node, 'strides', [1, 1]);
  const dilations = attrInts(c.node, 'dilations', [1, 1]);
  const groups = attrInt(c.node, 'group', 1);
  const pads = spatialPads(c, x.shape.slice(2), kernel, strides, dilations);
  let y = c.guard(() => conv2d(x, w, { strides: [strides[0]!, strides[1]!], pads: [pads[0]!, pads[1]!, pads[2]!, pads[3]!], dilations: [dilations[0]!, dilations[1]!], groups }));
  if (c.maybe(2)) y = E.add(y, E.reshape(c.tensor(2), [1, w.shape[0]!, 1, 1]));
  return [y];
}

function pool(kind: 'max' | 'avg'): OpRule {
  return (c) => {
    const x = c.tensor(0);
    requireImage(c, x);
    if (c.node.outputs.filter((o) => o).length > 1) c.fail('MaxPool\'s Indices output is not supported');
    const kernel = attrInts(c.node, 'kernel_shape');
    const strides = attrInts(c.node, 'strides', [1, 1]);
    const dilations = attrInts(c.node, 'dilations', [1, 1]);
    const pads = spatialPads(c, x.shape.slice(2), kernel, strides, dilations);
    const ceilMode = attrInt(c.node, 'ceil_mode', 0) === 1;
    const k: [number, number] = [kernel[0]!, kernel[1]!];
    const s: [number, number] = [strides[0]!, strides[1]!];
    const p: [number, number, number, number] = [pads[0]!, pads[1]!, pads[2]!, pads[3]!];
    if (kind === 'max') return [c.guard(() => maxPool2d(x, { kernel: k, strides: s, pads: p, dilations: [dilations[0]!, dilations[1]!], ceilMode }))];
    if (dilations.some((d) => d !== 1)) c.fail('a dilated AveragePool');
    const countIncludePad = attrInt(c.node, 'count_include_pad', 0) === 1;
    return [c.guard(() => avgPool2d(x, { kernel: k, strides: s, pads: p, ceilMode, countIncludePad }))];
  };
}

function batchNorm(c: OpContext): Value[] {
  const x = c.tensor(0);
  const eps = attrFloat(c.node, 'epsilon', 1e-5);
  const extraOutputs = c.node.outputs.slice(1).filter((o) => o).length;
  const training = hasAttr(c.node, 'training_mode') ? attrInt(c.node, 'training_mode') === 1 : c.opset < 14 && extraOutputs > 0;
  const [scale, bias] = [c.tensor(1), c.tensor(2)];
  const y = training
    ? c.guard(() => batchNormTraining(x, scale, bias, eps))
    : c.guard(() => batchNormInference(x, scale, bias, c.tensor(3), c.tensor(4), eps));
  // The running statistics' updates are not part of the prediction: the stored ones stand in.
  return [y, c.input(3), c.input(4), c.input(3), c.input(4)];
}

/** LayerNormalization (opset 17): normalises over the axes from `axis` to the last, biased variance. */
function layerNorm(c: OpContext): Value[] {
  const x = c.tensor(0);
  const eps = attrFloat(c.node, 'epsilon', 1e-5);
  const axis = attrInt(c.node, 'axis', -1);
  const a = axis < 0 ? axis + x.rank : axis;
  const scale = c.tensor(1);
  const bias = c.maybe(2) ? c.tensor(2) : undefined;
  if (a === x.rank - 1 && bias) return [E.layerNorm(x, scale, bias, eps)];
  const axes = [...Array(x.rank - a).keys()].map((i) => a + i);
  const centred = E.sub(x, E.mean(x, axes, true));
  const variance = E.mean(E.mul(centred, centred), axes, true);
  const y = E.mul(E.div(centred, E.sqrt(E.add(variance, eps))), scale);
  return [bias ? E.add(y, bias) : y];
}

export const nnOps: Record<string, OpRule> = {
  Gemm: gemm,
  MatMul: matmul,
  Softmax: softmaxLike(E.softmax),
  LogSoftmax: softmaxLike(E.logSoftmax),
  ReduceMean: reduce('mean', 18),
  ReduceSum: reduce('sum', 13),
  Conv: conv,
  MaxPool: pool('max'),
  AveragePool: pool('avg'),
  GlobalAveragePool: (c) => {
    const x = c.tensor(0);
    requireImage(c, x);
    return [globalAvgPool2d(x)];
  },
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
};
