import { convOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import { convShapes, type ConvParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfConv from '../kernels/tfjs/conv.js';
import { conv2d as convOp, conv2dBackpropFilter, conv2dBackpropInput } from '../ops/conv.js';
import { sumTangents, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

/**
 * Grouped 2-D convolution (cross-correlation, as ONNX and PyTorch define it) over NCHW:
 * x [N,C,H,W], w [Cout, C/groups, kH, kW]. Bilinear, so its JVP is two convolutions and its
 * VJP the two transposes, which are primitives of their own whose rules close the family.
 */
export const conv2d = definePrimitive<ConvParams>({
  name: 'conv2d',
  shape: ([x, w], p) => {
    if (x.dtype !== 'float32' || w.dtype !== 'float32') throw new Error('conv2d needs float32 x and w');
    return { shape: convShapes(x.shape, w.shape, p).out, dtype: 'float32' };
  },
  tf: ([x, w], p) => tfConv.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, p),
  ref: ([x, w], p) => ref.conv2d(x, w, p),
  onnx: (e, [x, w], p) => convOnnx(e, x, w, p),
  jvp: ([x, w], [tx, tw], out, p) => sumTangents(out, tx && convOp(tx, w, p), tw && convOp(x, tw, p)),
  vjp: (ct, [x, w], _out, p, needs) => [
    ifNeeded(needs, 0, () => conv2dBackpropInput(ct, w, [x.shape[2], x.shape[3]], p)),
    ifNeeded(needs, 1, () => conv2dBackpropFilter(x, ct, [w.shape[2], w.shape[3]], p)),
  ],
});
