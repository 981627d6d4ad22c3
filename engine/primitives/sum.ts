import { reducedShape } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { sum as tfSum } from '../kernels/tfjs/fastPaths.js';
import { broadcastTo, reshape, sum as sumOp } from '../ops/shape.js';
import { definePrimitive } from './types.js';

export type ReduceParams = { axes: number[]; keepDims: boolean };

export const sum = definePrimitive<ReduceParams>({
  name: 'sum',
  shape: ([x], { axes, keepDims }) => ({ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }),
  tf: ([x], { axes, keepDims }) => tfSum(x, axes, keepDims),
  ref: ([x], { axes, keepDims }) => ref.reduce(x, axes, keepDims, 'sum'),
  onnx: (e, [x], { axes, keepDims }) =>
    axes.length === 0 ? e.node('Identity', [x]) : e.node('ReduceSum', [x, e.int64s(axes)], { keepdims: { int: +keepDims } }),
  jvp: (_, [t], _out, { axes, keepDims }) => t && sumOp(t, axes, keepDims),
  vjp: (ct, [x], _out, { axes }) => [broadcastTo(reshape(ct, reducedShape(x.shape, axes, true)), x.shape)],
});
