import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { mul as mulOp } from '../ops/arith.js';
import { sumToShape } from '../ops/shape.js';
import { ifNeeded, scaleTangent, sumTangents } from './rules.js';
import { definePrimitive } from './types.js';

export const mul = definePrimitive({
  name: 'mul',
  shape: ([a, b]) => ({ shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype }),
  tf: ([a, b]) => tf.mul(a, b),
  ref: ([a, b]) => ref.binary(a, b, (x, y) => x * y),
  onnx: (e, [a, b]) => e.node('Mul', [a, b]),
  jvp: ([a, b], [ta, tb], out) => sumTangents(out, scaleTangent(ta, b), scaleTangent(tb, a)),
  vjp: (ct, [a, b], _out, _p, needs) => [
    ifNeeded(needs, 0, () => sumToShape(mulOp(ct, b), a.shape)),
    ifNeeded(needs, 1, () => sumToShape(mulOp(ct, a), b.shape)),
  ],
});
