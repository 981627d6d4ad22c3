import { broadcastShapes, sameShape } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { broadcastTo as broadcastKernel } from '../kernels/tfjs/fastPaths.js';
import { broadcastTo as broadcastOp, sumToShape } from '../ops/shape.js';
import { definePrimitive } from './types.js';

export const broadcastTo = definePrimitive<{ shape: number[] }>({
  name: 'broadcastTo',
  shape: ([x], { shape }) => {
    if (!sameShape(broadcastShapes(x.shape, shape), shape)) throw new Error(`cannot broadcast to [${shape}]`);
    return { shape, dtype: x.dtype };
  },
  tf: ([x], { shape }) => broadcastKernel(x, shape),
  ref: ([x], { shape }) => ref.broadcastTo(x, shape),
  onnx: (e, [x], { shape }) => e.node('Expand', [x, e.int64s(shape)]),
  jvp: (_, [t], _out, { shape }) => t && broadcastOp(t, shape),
  vjp: (ct, [x]) => [sumToShape(ct, x.shape)],
});
