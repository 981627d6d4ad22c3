import * as tf from '@tensorflow/tfjs-core';
import { reducedShape } from '../core/shape.js';
import * as ref from '../kernels/ref/index.js';
import { div, equal, mul } from '../ops/arith.js';
import { reshape, sum } from '../ops/shape.js';
import type { Tensor } from '../trace/tensor.js';
import type { ReduceParams } from './sum.js';
import { definePrimitive } from './types.js';

/** Where the maximum is attained, ties sharing equally: the derivative of max. */
function argmaxWeights(x: Tensor, out: Tensor, { axes }: ReduceParams): Tensor {
  const mask = equal(x, reshape(out, reducedShape(x.shape, axes, true)));
  return div(mask, sum(mask, axes, true));
}

export const max = definePrimitive<ReduceParams>({
  name: 'max',
  shape: ([x], { axes, keepDims }) => ({ shape: reducedShape(x.shape, axes, keepDims), dtype: x.dtype }),
  tf: ([x], { axes, keepDims }) => tf.max(x, axes, keepDims),
  ref: ([x], { axes, keepDims }) => ref.reduce(x, axes, keepDims, 'max'),
  onnx: (e, [x], { axes, keepDims }) =>
    axes.length === 0 ? e.node('Identity', [x]) : e.node('ReduceMax', [x], { axes: { ints: axes }, keepdims: { int: +keepDims } }),
  jvp: ([x], [t], out, p) => t && sum(mul(t, argmaxWeights(x, out, p)), p.axes, p.keepDims),
  vjp: (ct, [x], out, p) => [mul(reshape(ct, reducedShape(x.shape, p.axes, true)), argmaxWeights(x, out, p))],
});
