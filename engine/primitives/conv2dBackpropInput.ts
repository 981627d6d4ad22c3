import { convBackpropInputOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import { convShapes, type ConvParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfConv from '../kernels/tfjs/conv.js';
import { conv2d, conv2dBackpropFilter, conv2dBackpropInput as bpiOp } from '../ops/conv.js';
import { sumTangents, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

export type BackpropInputParams = ConvParams & { readonly inputSize: [number, number] };

/**
 * z = Aᵀ_w g, the transpose of x ↦ conv2d(x, w): the input cotangent of conv2d
 * (a transposed convolution). Bilinear in (g, w). Its VJP follows from
 * ⟨z̄, Aᵀ_w g⟩ = ⟨conv2d(z̄, w), g⟩: ḡ = conv2d(z̄, w), w̄ = conv2dBackpropFilter(z̄, g).
 */
export const conv2dBackpropInput = definePrimitive<BackpropInputParams>({
  name: 'conv2dBackpropInput',
  shape: ([g, w], p) => {
    const xShape = [g.shape[0], w.shape[1] * p.groups, ...p.inputSize];
    const { out } = convShapes(xShape, w.shape, p);
    if (out.some((d, i) => d !== g.shape[i])) throw new Error(`cotangent [${g.shape}] is not conv2d's output [${out}] for input [${xShape}]`);
    return { shape: xShape, dtype: 'float32' };
  },
  tf: ([g, w], p) => tfConv.conv2dBackpropInput(g as tf.Tensor4D, w as tf.Tensor4D, p.inputSize, p),
  ref: ([g, w], p) => ref.conv2dBackpropInput(g, w, p.inputSize, p),
  onnx: (e, [g, w], p, { inputs }) => convBackpropInputOnnx(e, g, w, p, inputs[0], inputs[1]),
  jvp: ([g, w], [tg, tw], out, p) => sumTangents(out, tg && bpiOp(tg, w, p.inputSize, p), tw && bpiOp(g, tw, p.inputSize, p)),
  vjp: (ct, [g, w], _out, p, needs) => [ifNeeded(needs, 0, () => conv2d(ct, w, p)), ifNeeded(needs, 1, () => conv2dBackpropFilter(ct, g, [w.shape[2], w.shape[3]], p))],
});
