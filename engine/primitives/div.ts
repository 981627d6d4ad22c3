import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { div as divOp, mul, neg } from '../ops/arith.js';
import { sumToShape } from '../ops/shape.js';
import type { Tensor } from '../trace/tensor.js';
import { sumTangents, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

/** d(a/b) = da/b − (a/b)·db/b: both terms reuse the output instead of squaring b. */
export const div = definePrimitive({
  name: 'div',
  shape: ([a, b]) => ({ shape: broadcastShapes(a.shape, b.shape), dtype: a.dtype }),
  tf: ([a, b]) => tf.div(a, b),
  ref: ([a, b]) => ref.binary(a, b, (x, y) => x / y),
  onnx: (e, [a, b]) => e.node('Div', [a, b]),
  jvp: ([, b], [ta, tb], out) =>
    sumTangents(out, ta && divOp(ta, b), tb && neg(divOp(mul(out, tb), b))),
  vjp: (ct: Tensor, [a, b], out, _p, needs) => {
    const ctOverB = divOp(ct, b);
    return [ifNeeded(needs, 0, () => sumToShape(ctOverB, a.shape)), ifNeeded(needs, 1, () => sumToShape(neg(mul(ctOverB, out)), b.shape))];
  },
});
