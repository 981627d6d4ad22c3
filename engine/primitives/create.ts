import * as tf from '@tensorflow/tfjs-core';
import type { DType } from '../core/dtype.js';
import * as ref from '../kernels/ref/index.js';
import { broadcastTo } from '../kernels/tfjs/fastPaths.js';
import { noDerivative } from './rules.js';
import { definePrimitive } from './types.js';

/** Primitives without inputs: they only make values, so they have no derivative. */

/** Elements up to which a constant is written into the ONNX model rather than computed. */
const SMALL_CONSTANT = 4096;

export const full = definePrimitive<{ shape: number[]; dtype: DType; value: number }>({
  name: 'full',
  shape: (_, { shape, dtype }) => ({ shape, dtype }),
  tf: (_, { shape, dtype, value }) => tf.fill(shape, value, dtype),
  ref: (_, { shape, value }) => ref.full(shape, value),
  // Small constants become initializers (no node: session set-up cost grows with nodes).
  onnx: (e, _, { shape, dtype, value }) => {
    const size = shape.reduce((a, b) => a * b, 1);
    if (dtype === 'float32' && size <= SMALL_CONSTANT) return e.floats(new Array<number>(size).fill(value), shape, `${value}`);
    const scalar = e.scalar(value);
    const typed = dtype === 'float32' ? scalar : e.cast(scalar, dtype);
    return e.node('Expand', [typed, e.int64s(shape)]);
  },
  ...noDerivative,
});

export const constant = definePrimitive<{ values: number[]; shape: number[]; dtype: DType }>({
  name: 'constant',
  shape: (_, { shape, dtype }) => ({ shape, dtype }),
  tf: (_, { values, shape, dtype }) => tf.tensor(values, shape, dtype),
  ref: (_, { values, shape }) => ref.refArray(shape, Float64Array.from(values)),
  onnx: (e, _, { values, shape, dtype }) => {
    const init = e.floats(values, shape, values.length <= SMALL_CONSTANT ? values.join(',') : undefined);
    return dtype === 'float32' ? init : e.cast(init, dtype);
  },
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
  onnx: (e, _, { shape, axis }) => {
    const line = shape.map((d, i) => (i === axis ? d : 1));
    const values = Array.from({ length: shape[axis] }, (_, i) => i);
    return e.node('Expand', [e.floats(values, line, `iota:${line.join(',')}`), e.int64s(shape)]);
  },
  ...noDerivative,
});
