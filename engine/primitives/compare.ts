import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import type { Comparison } from '../ops/arith.js';
import { noDerivative } from './rules.js';
import { definePrimitive } from './types.js';

const tfCompare = { gt: tf.greater, ge: tf.greaterEqual, lt: tf.less, le: tf.lessEqual, eq: tf.equal };
const ONNX_COMPARE = { gt: 'Greater', ge: 'GreaterOrEqual', lt: 'Less', le: 'LessOrEqual', eq: 'Equal' } as const;
const refCompare: Record<Comparison, (x: number, y: number) => boolean> = {
  gt: (x, y) => x > y,
  ge: (x, y) => x >= y,
  lt: (x, y) => x < y,
  le: (x, y) => x <= y,
  eq: (x, y) => x === y,
};

/** Comparisons give float32 0/1 masks, so masks multiply and select without casts. */
export const compare = definePrimitive<{ op: Comparison }>({
  name: 'compare',
  shape: ([a, b]) => ({ shape: broadcastShapes(a.shape, b.shape), dtype: 'float32' }),
  tf: ([a, b], { op }) => tf.cast(tfCompare[op](a, b), 'float32'),
  ref: ([a, b], { op }) => ref.binary(a, b, (x, y) => (refCompare[op](x, y) ? 1 : 0)),
  onnx: (e, [a, b], { op }) => e.cast(e.node(ONNX_COMPARE[op], [a, b]), 'float32'),
  ...noDerivative,
});
