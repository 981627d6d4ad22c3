import * as tf from '@tensorflow/tfjs-core';
import { sizeOf } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { reshape as reshapeOp } from '../ops/shape.js';
import { definePrimitive } from './types.js';

export const reshape = definePrimitive<{ shape: number[] }>({
  name: 'reshape',
  shape: ([x], { shape }) => {
    if (sizeOf(shape) !== sizeOf(x.shape)) throw new Error(`cannot reshape to [${shape}]`);
    return { shape, dtype: x.dtype };
  },
  tf: ([x], { shape }) => tf.reshape(x, shape),
  ref: ([x], { shape }) => ref.reshape(x, shape),
  onnx: (e, [x], { shape }) => e.node('Reshape', [x, e.int64s(shape)]),
  jvp: (_, [t], _out, { shape }) => t && reshapeOp(t, shape),
  vjp: (ct, [x]) => [reshapeOp(ct, x.shape)],
});
