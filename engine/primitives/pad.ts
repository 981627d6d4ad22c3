import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { pad as padOp, slice } from '../ops/shape.js';
import { definePrimitive } from './types.js';

/** Zero padding: the transpose of slice. */
export const pad = definePrimitive<{ before: number[]; after: number[] }>({
  name: 'pad',
  shape: ([x], { before, after }) => ({ shape: x.shape.map((d, i) => before[i] + d + after[i]), dtype: x.dtype }),
  tf: ([x], { before, after }) => tf.pad(x, before.map((b, i) => [b, after[i]] as [number, number])),
  ref: ([x], { before, after }) => ref.pad(x, before, after),
  onnx: (e, [x], { before, after }) => e.node('Pad', [x, e.int64s([...before, ...after])]),
  jvp: (_, [t], _out, { before, after }) => t && padOp(t, before, after),
  vjp: (ct, [x], _out, { before }) => [slice(ct, before, x.shape)],
});
