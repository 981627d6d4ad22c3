import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { concat as concatOp, slice } from '../ops/shape.js';
import { zerosLike } from '../trace/zeros.js';
import { definePrimitive } from './types.js';
import { ifNeeded } from './rules.js';

export const concat = definePrimitive<{ axis: number }>({
  name: 'concat',
  shape: (xs, { axis }) => {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((n, x) => n + x.shape[axis], 0);
    return { shape, dtype: xs[0].dtype };
  },
  tf: (xs, { axis }) => tf.concat(xs, axis),
  ref: (xs, { axis }) => ref.concat(xs, axis),
  onnx: (e, xs, { axis }) => e.node('Concat', xs, { axis: { int: axis } }),
  jvp: (xs, ts, _out, { axis }) =>
    ts.every((t) => t === null) ? null : concatOp(ts.map((t, i) => t ?? zerosLike(xs[i])), axis),
  vjp: (ct, xs, _out, { axis }, needs) => {
    let offset = 0;
    return xs.map((x, k) => {
      const begin = x.shape.map((_, i) => (i === axis ? offset : 0));
      offset += x.shape[axis];
      return ifNeeded(needs, k, () => slice(ct, begin, x.shape));
    });
  },
});
