import { maxPoolPickOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { MaxPoolParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfPool from '../kernels/tfjs/pool.js';
import { maxPool2dPick as pickOp, maxPool2dScatter } from '../ops/pool.js';
import { maxPoolShape } from './maxPool2d.js';
import { definePrimitive } from './types.js';

/**
 * t at each max-pool window's arg-max of x: max-pool's JVP. Linear in t; the arg-max is
 * piecewise constant in x, so x gets no derivative. Its transpose is maxPool2dScatter.
 */
export const maxPool2dPick = definePrimitive<MaxPoolParams>({
  name: 'maxPool2dPick',
  shape: ([x, t], p) => {
    if (t.shape.join() !== x.shape.join()) throw new Error(`t [${t.shape}] must have x's shape [${x.shape}]`);
    return maxPoolShape([x], p);
  },
  tf: ([x, t], p) => tfPool.maxPool2dPick(x as tf.Tensor4D, t as tf.Tensor4D, p),
  ref: ([x, t], p) => ref.maxPool2dPick(x, t, p),
  onnx: (e, [x, t], p) => maxPoolPickOnnx(e, x, t, p),
  jvp: ([x], [, tt], _out, p) => tt && pickOp(x, tt, p),
  vjp: (ct, [x], _out, p) => [null, maxPool2dScatter(x, ct, p)],
});
