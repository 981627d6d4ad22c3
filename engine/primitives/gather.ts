import * as tf from '@tensorflow/tfjs-core';
import { sizeOf } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { gather as gatherOp, segmentSum } from '../ops/indexing.js';
import { reshape } from '../ops/shape.js';
import { definePrimitive } from './types.js';

/** Rows of a table by integer ids (embeddings); its VJP scatters back with segmentSum. */
export const gather = definePrimitive({
  name: 'gather',
  shape: ([table, ids]) => {
    if (ids.dtype !== 'int32') throw new Error('gather ids must be int32');
    return { shape: [...ids.shape, ...table.shape.slice(1)], dtype: table.dtype };
  },
  tf: ([table, ids]) => tf.gather(table, ids, 0),
  ref: ([table, ids]) => ref.gather(table, ids, 0),
  onnx: (e, [table, ids]) => e.node('Gather', [table, ids], { axis: { int: 0 } }),
  jvp: ([, ids], [t]) => t && gatherOp(t, ids),
  vjp: (ct, [table, ids]) => {
    const rows = sizeOf(ids.shape);
    const flat = reshape(ct, [rows, ...table.shape.slice(1)]);
    return [segmentSum(flat, reshape(ids, [rows]), table.shape[0]), null];
  },
});
