import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { neg, sub as subOp } from '../ops/arith.js';
import { sumToShape } from '../ops/shape.js';
import { broadcastTangent, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

export const sub = definePrimitive({
  name: 'sub',
  shape: ([a, b]) => ({ shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype }),
  tf: ([a, b]) => tf.sub(a, b),
  ref: ([a, b]) => ref.binary(a, b, (x, y) => x - y),
  onnx: (e, [a, b]) => e.node('Sub', [a, b]),
  jvp: (_, [ta, tb], out) => {
    if (tb === null) return ta === null ? null : broadcastTangent(ta, out.shape);
    return broadcastTangent(ta === null ? neg(tb) : subOp(ta, tb), out.shape);
  },
  vjp: (ct, [a, b], _out, _p, needs) => [ifNeeded(needs, 0, () => sumToShape(ct, a.shape)), ifNeeded(needs, 1, () => sumToShape(neg(ct), b.shape))],
});
