import * as tf from '@tensorflow/tfjs-core';
import { broadcastShapes } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { broadcastTo } from '../kernels/tfjs/fastPaths.js';
import { select as selectOp } from '../ops/arith.js';
import { sumToShape } from '../ops/shape.js';
import { broadcastTangent, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

export const select = definePrimitive({
  name: 'select',
  shape: ([m, a, b]) => ({ shape: broadcastShapes(m.shape, broadcastShapes(a.shape, b.shape)), dtype: a.dtype }),
  tf: ([m, a, b]) => {
    const shape = broadcastShapes(m.shape, broadcastShapes(a.shape, b.shape));
    return tf.where(tf.cast(broadcastTo(m, shape), 'bool'), broadcastTo(a, shape), broadcastTo(b, shape));
  },
  ref: ([m, a, b]) => ref.select(m, a, b),
  onnx: (e, [m, a, b]) => e.node('Where', [e.cast(m, 'bool'), a, b]),
  jvp: ([m], [, ta, tb], out) =>
    ta === null && tb === null ? null : broadcastTangent(selectOp(m, ta ?? 0, tb ?? 0), out.shape),
  vjp: (ct, [m, a, b], _out, _p, needs) => [
    null,
    ifNeeded(needs, 1, () => sumToShape(selectOp(m, ct, 0), a.shape)),
    ifNeeded(needs, 2, () => sumToShape(selectOp(m, 0, ct), b.shape)),
  ],
});
