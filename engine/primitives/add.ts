import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { sumToShape } from '../ops/shape.js';
import { ifNeeded, sumTangents } from './rules.js';
import { definePrimitive } from './types.js';

export const add = definePrimitive({
  name: 'add',
  shape: ([a, b]) => ({ shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype }),
  tf: ([a, b]) => tf.add(a, b),
  ref: ([a, b]) => ref.binary(a, b, (x, y) => x + y),
  onnx: (e, [a, b]) => e.node('Add', [a, b]),
  jvp: (_, [ta, tb], out) => sumTangents(out, ta, tb),
  vjp: (ct, [a, b], _out, _p, needs) => [ifNeeded(needs, 0, () => sumToShape(ct, a.shape)), ifNeeded(needs, 1, () => sumToShape(ct, b.shape))],
});
