import * as tf from '@tensorflow/tfjs-core';
import type { DType } from '../core/dtype.js';
import * as ref from '../kernels/ref/index.js';
import { broadcastTo } from '../kernels/tfjs/fastPaths.js';
import { noDerivative } from './rules.js';
import { definePrimitive } from './types.js';

/** Primitives without inputs: they only make values, so they have no derivative. */

export const full = definePrimitive<{ shape: number[]; dtype: DType; value: number }>({
  name: 'full',
  shape: (_, { shape, dtype }) => ({ shape, dtype }),
  tf: (_, { shape, dtype, value }) => tf.fill(shape, value, dtype),
  ref: (_, { shape, value }) => ref.full(shape, value),
  ...noDerivative,
});

export const constant = definePrimitive<{ values: number[]; shape: number[]; dtype: DType }>({
  name: 'constant',
  shape: (_, { shape, dtype }) => ({ shape, dtype }),
  tf: (_, { values, shape, dtype }) => tf.tensor(values, shape, dtype),
  ref: (_, { values, shape }) => ref.refArray(shape, Float64Array.from(values)),
  ...noDerivative,
});

export const iota = definePrimitive<{ shape: number[]; axis: number }>({
  name: 'iota',
  shape: (_, { shape }) => ({ shape, dtype: 'float32' }),
  tf: (_, { shape, axis }) => {
    const line = shape.map((d, i) => (i === axis ? d : 1));
    return broadcastTo(tf.reshape(tf.range(0, shape[axis], 1, 'float32'), line), shape);
  },
  ref: (_, { shape, axis }) => ref.iota(shape, axis),
  ...noDerivative,
});
