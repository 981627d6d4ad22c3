import { convBackpropFilterOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import { convShapes, type ConvParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfConv from '../kernels/tfjs/conv.js';
import { conv2d, conv2dBackpropFilter as bpfOp, conv2dBackpropInput } from '../ops/conv.js';
import { sumTangents, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

export type BackpropFilterParams = ConvParams & { readonly kernelSize: [number, number] };

/**
 * v = B_x g, the transpose of w ↦ conv2d(x, w): the weight cotangent of conv2d (a
 * correlation of x with g). Bilinear in (x, g). From ⟨v̄, B_x g⟩ = ⟨conv2d(x, v̄), g⟩:
 * x̄ = conv2dBackpropInput(g, v̄), ḡ = conv2d(x, v̄).
 */
export const conv2dBackpropFilter = definePrimitive<BackpropFilterParams>({
  name: 'conv2dBackpropFilter',
  shape: ([x, g], p) => {
    const wShape = [g.shape[1], x.shape[1] / p.groups, ...p.kernelSize];
    const { out } = convShapes(x.shape, wShape, p);
    if (out.some((d, i) => d !== g.shape[i])) throw new Error(`cotangent [${g.shape}] is not conv2d's output [${out}] for input [${x.shape}]`);
    return { shape: wShape, dtype: 'float32' };
  },
  tf: ([x, g], p) => tfConv.conv2dBackpropFilter(x as tf.Tensor4D, g as tf.Tensor4D, p.kernelSize, p),
  ref: ([x, g], p) => ref.conv2dBackpropFilter(x, g, p.kernelSize, p),
  onnx: (e, [x, g], p, { inputs }) => convBackpropFilterOnnx(e, x, g, p, inputs[0]),
  jvp: ([x, g], [tx, tg], out, p) => sumTangents(out, tx && bpfOp(tx, g, p.kernelSize, p), tg && bpfOp(x, tg, p.kernelSize, p)),
  vjp: (ct, [x, g], _out, p, needs) => [ifNeeded(needs, 0, () => conv2dBackpropInput(g, ct, [x.shape[2], x.shape[3]], p)), ifNeeded(needs, 1, () => conv2d(x, ct, p))],
});
