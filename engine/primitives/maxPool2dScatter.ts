import { maxPoolScatterOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { MaxPoolParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfPool from '../kernels/tfjs/pool.js';
import { maxPool2dPick, maxPool2dScatter as scatterOp } from '../ops/pool.js';
import { maxPoolShape } from './maxPool2d.js';
import { definePrimitive } from './types.js';

/**
 * c (max-pool's output shape) summed into each window's arg-max of x: max-pool's VJP.
 * Linear in c, no derivative in x; its transpose is maxPool2dPick.
 */
export const maxPool2dScatter = definePrimitive<MaxPoolParams>({
  name: 'maxPool2dScatter',
  shape: ([x, c], p) => {
    const out = maxPoolShape([x], p);
    if (c.shape.join() !== out.shape.join()) throw new Error(`c [${c.shape}] must be max-pool's output [${out.shape}]`);
    return x;
  },
  tf: ([x, c], p) => tfPool.maxPool2dScatter(x as tf.Tensor4D, c as tf.Tensor4D, p),
  ref: ([x, c], p) => ref.maxPool2dScatter(x, c, p),
  onnx: (e, [x, c], p, { inputs }) => maxPoolScatterOnnx(e, x, c, p, inputs[0]),
  jvp: ([x], [, tc], _out, p) => tc && scatterOp(x, tc, p),
  vjp: (ct, [x], _out, p) => [null, maxPool2dPick(x, ct, p)],
});
