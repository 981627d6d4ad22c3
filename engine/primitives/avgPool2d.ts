import { avgPoolOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { Aval } from '../core/aval.js';
import { poolOutSize, type AvgPoolParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfPool from '../kernels/tfjs/pool.js';
import { avgPool2d as avgOp, avgPool2dGrad } from '../ops/pool.js';
import { definePrimitive } from './types.js';

export function avgPoolShape(x: Aval, p: AvgPoolParams): Aval {
  if (x.shape.length !== 4 || x.dtype !== 'float32') throw new Error(`average pool needs float32 x [N,C,H,W], got [${x.shape}]`);
  const [Ho, Wo] = poolOutSize(x.shape[2], x.shape[3], p.kernel, p.strides, p.pads, [1, 1], p.ceilMode);
  return { shape: [x.shape[0], x.shape[1], Ho, Wo], dtype: 'float32' };
}

/** Mean over each window, divisors as PyTorch's (countIncludePad, ceil mode). Linear. */
export const avgPool2d = definePrimitive<AvgPoolParams>({
  name: 'avgPool2d',
  shape: ([x], p) => avgPoolShape(x, p),
  tf: ([x], p) => tfPool.avgPool2d(x as tf.Tensor4D, p),
  ref: ([x], p) => ref.avgPool2d(x, p),
  onnx: (e, [x], p, { inputs }) => avgPoolOnnx(e, x, p, inputs[0]),
  jvp: (_, [t], _out, p) => t && avgOp(t, p),
  vjp: (ct, [x], _out, p) => [avgPool2dGrad(ct, [x.shape[2], x.shape[3]], p)],
});
