/**
 * ONNX lowerings of the convolution and pooling family (NCHW). Conv and MaxPool map to their
 * ONNX ops; the rest are written so they follow our own window geometry (engine/core/window.ts)
 * exactly: the filter gradient is a convolution with batch and channels swapped, average pooling
 * a depthwise convolution with ones divided by our divisors (PyTorch's), max-pool's pick and
 * scatter go through MaxPool's flat arg-max indices.
 */
import type { Aval } from '../../core/aval.js';
import { avgPoolDivisors, poolOutSize, type AvgPoolParams, type ConvParams, type MaxPoolParams, type Pads, type Pair } from '../../core/window.js';
import { type OnnxAttr, type OnnxEmitter } from './emitter.js';

const ints = (xs: readonly number[]): OnnxAttr => ({ ints: xs });

export function convOnnx(e: OnnxEmitter, x: string, w: string, p: ConvParams): string {
  return e.node('Conv', [x, w], { strides: ints(p.strides), pads: ints(p.pads), dilations: ints(p.dilations), group: { int: p.groups } });
}

/**
 * Pads for a transposed window op so that its output is exactly `size`: the far pad grows to
 * cover a ceil-mode overhang, and output_padding restores rows a floor-mode window skipped.
 */
function transposedPads(size: Pair, outSize: Pair, span: Pair, strides: Pair, pads: Pads): { pads: Pads; outputPadding: Pair } {
  const end: number[] = [];
  const extra: number[] = [];
  for (const a of [0, 1] as const) {
    const reach = strides[a] * (outSize[a] - 1) + span[a] - pads[a];
    const far = pads[a + 2];
    if (reach - far >= size[a]) {
      end.push(reach - size[a]);
      extra.push(0);
    } else {
      end.push(far);
      extra.push(size[a] - (reach - far));
    }
  }
  return { pads: [pads[0], pads[1], end[0], end[1]], outputPadding: [extra[0], extra[1]] };
}

/** The input cotangent of conv2d: ConvTranspose with our weight layout, sized to the input. */
export function convBackpropInputOnnx(e: OnnxEmitter, g: string, w: string, p: ConvParams & { inputSize: Pair }, gAval: Aval, wAval: Aval): string {
  const span: Pair = [p.dilations[0] * (wAval.shape[2] - 1) + 1, p.dilations[1] * (wAval.shape[3] - 1) + 1];
  const { pads, outputPadding } = transposedPads(p.inputSize, [gAval.shape[2], gAval.shape[3]], span, p.strides, p.pads);
  return e.node('ConvTranspose', [g, w], {
    strides: ints(p.strides), pads: ints(pads), dilations: ints(p.dilations), group: { int: p.groups }, output_padding: ints(outputPadding),
  });
}

/**
 * The weight cotangent of conv2d: dW[o,c,i,j] = Σ g[n,o,·,·] x[n,c,·+i·d,·+j·d] is a
 * convolution over the batch axis of x (channels first) with g as the kernel, stride and
 * dilation swapped, grouped as conv2d's groups; then cut to the kernel size.
 */
export function convBackpropFilterOnnx(e: OnnxEmitter, x: string, g: string, p: ConvParams & { kernelSize: Pair }, xAval: Aval): string {
  const [N, C, H, W] = xAval.shape;
  const G = p.groups;
  const xt = e.node('Reshape', [e.node('Transpose', [e.node('Reshape', [x, e.int64s([N, G, C / G, H, W])])], { perm: ints([2, 1, 0, 3, 4]) }), e.int64s([C / G, G * N, H, W])]);
  const gt = e.node('Transpose', [g], { perm: ints([1, 0, 2, 3]) });
  const full = e.node('Conv', [xt, gt], { strides: ints(p.dilations), dilations: ints(p.strides), pads: ints(p.pads), group: { int: G } });
  const cut = e.node('Slice', [full, e.int64s([0, 0]), e.int64s(p.kernelSize), e.int64s([2, 3])]);
  return e.node('Transpose', [cut], { perm: ints([1, 0, 2, 3]) });
}

function maxPoolAttrs(p: MaxPoolParams): Record<string, OnnxAttr> {
  return { kernel_shape: ints(p.kernel), strides: ints(p.strides), pads: ints(p.pads), dilations: ints(p.dilations), ceil_mode: { int: +p.ceilMode } };
}

export function maxPoolOnnx(e: OnnxEmitter, x: string, p: MaxPoolParams): string {
  return e.node('MaxPool', [x], maxPoolAttrs(p));
}

/** MaxPool's second output: each window's arg-max as a flat index into x (first maximum wins). */
function argmaxIndices(e: OnnxEmitter, x: string, p: MaxPoolParams): string {
  return e.nodeOutputs('MaxPool', [x], 2, maxPoolAttrs(p))[1];
}

/** t at each window's arg-max of x. */
export function maxPoolPickOnnx(e: OnnxEmitter, x: string, t: string, p: MaxPoolParams): string {
  return e.node('Gather', [e.node('Reshape', [t, e.int64s([-1])]), argmaxIndices(e, x, p)], { axis: { int: 0 } });
}

/** c summed into each window's arg-max of x (ScatterND adds duplicates), in x's shape. */
export function maxPoolScatterOnnx(e: OnnxEmitter, x: string, c: string, p: MaxPoolParams, xAval: Aval): string {
  const size = xAval.shape.reduce((a, b) => a * b, 1);
  const zeros = e.node('Expand', [e.scalar(0), e.int64s([size])]);
  const at = e.node('Reshape', [argmaxIndices(e, x, p), e.int64s([-1, 1])]);
  const sum = e.node('ScatterND', [zeros, at, e.node('Reshape', [c, e.int64s([-1])])], { reduction: { string: 'add' } });
  return e.node('Reshape', [sum, e.int64s(xAval.shape)]);
}

/** Depthwise ones [C,1,kH,kW] and 1/divisor per output position, our geometry throughout. */
function avgPoolParts(e: OnnxEmitter, C: number, H: number, W: number, p: AvgPoolParams): { ones: string; scale: string; outSize: Pair } {
  const outSize = poolOutSize(H, W, p.kernel, p.strides, p.pads, [1, 1], p.ceilMode);
  const [kh, kw] = p.kernel;
  const ones = e.floats(new Array<number>(C * kh * kw).fill(1), [C, 1, kh, kw], 'ones');
  const scale = e.floats(Array.from(avgPoolDivisors(H, W, p), (d) => 1 / d), outSize, `avg:${H},${W},${JSON.stringify(p)}`);
  return { ones, scale, outSize };
}

export function avgPoolOnnx(e: OnnxEmitter, x: string, p: AvgPoolParams, xAval: Aval): string {
  const [, C, H, W] = xAval.shape;
  const { ones, scale, outSize } = avgPoolParts(e, C, H, W, p);
  const pads: Pads = [p.pads[0], p.pads[1], 0, 0];
  for (const a of [0, 1] as const) pads[a + 2] = Math.max(0, p.strides[a] * (outSize[a] - 1) + p.kernel[a] - p.pads[a] - [H, W][a]);
  const sums = e.node('Conv', [x, ones], { strides: ints(p.strides), pads: ints(pads), group: { int: C } });
  return e.node('Mul', [sums, scale]);
}

/** avgPool2d's transpose: each cotangent divided by its divisor, spread over its window. */
export function avgPoolGradOnnx(e: OnnxEmitter, c: string, p: AvgPoolParams & { inputSize: Pair }, cAval: Aval): string {
  const [, C] = cAval.shape;
  const [H, W] = p.inputSize;
  const { ones, scale, outSize } = avgPoolParts(e, C, H, W, p);
  const { pads, outputPadding } = transposedPads(p.inputSize, outSize, p.kernel, p.strides, p.pads);
  return e.node('ConvTranspose', [e.node('Mul', [c, scale]), ones], { strides: ints(p.strides), pads: ints(pads), group: { int: C }, output_padding: ints(outputPadding) });
}

