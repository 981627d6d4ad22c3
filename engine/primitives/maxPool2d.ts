import { maxPoolOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import { poolOutSize, type MaxPoolParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfPool from '../kernels/tfjs/pool.js';
import { maxPool2dPick, maxPool2dScatter } from '../ops/pool.js';
import type { Aval } from '../core/aval.js';
import { definePrimitive } from './types.js';

export function maxPoolShape([x]: readonly Aval[], p: MaxPoolParams): Aval {
  if (x.shape.length !== 4 || x.dtype !== 'float32') throw new Error(`max-pool needs float32 x [N,C,H,W], got [${x.shape}]`);
  const [Ho, Wo] = poolOutSize(x.shape[2], x.shape[3], p.kernel, p.strides, p.pads, p.dilations, p.ceilMode);
  return { shape: [x.shape[0], x.shape[1], Ho, Wo], dtype: 'float32' };
}

/**
 * Max over each window (padding counts as −∞). Its derivative is the tangent at each
 * window's arg-max (the first maximum in row-major order, as PyTorch breaks ties): the
 * JVP picks it (maxPool2dPick), the VJP scatters back to it (maxPool2dScatter).
 */
export const maxPool2d = definePrimitive<MaxPoolParams>({
  name: 'maxPool2d',
  shape: maxPoolShape,
  tf: ([x], p) => tfPool.maxPool2d(x as tf.Tensor4D, p),
  ref: ([x], p) => ref.maxPool2d(x, p),
  onnx: (e, [x], p) => maxPoolOnnx(e, x, p),
  jvp: ([x], [t], _out, p) => t && maxPool2dPick(x, t, p),
  vjp: (ct, [x], _out, p) => [maxPool2dScatter(x, ct, p)],
});
