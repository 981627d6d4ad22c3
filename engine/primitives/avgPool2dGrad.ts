import { avgPoolGradOnnx } from '../kernels/onnx/window.js';
import type * as tf from '@tensorflow/tfjs-core';
import type { AvgPoolParams } from '../core/window.js';
import * as ref from '../kernels/ref/index.js';
import * as tfPool from '../kernels/tfjs/pool.js';
import { avgPool2d, avgPool2dGrad as gradOp } from '../ops/pool.js';
import { avgPoolShape } from './avgPool2d.js';
import { definePrimitive } from './types.js';

export type AvgPoolGradParams = AvgPoolParams & { readonly inputSize: [number, number] };

/** The transpose of avgPool2d (its VJP): each cotangent spread over its window. Linear. */
export const avgPool2dGrad = definePrimitive<AvgPoolGradParams>({
  name: 'avgPool2dGrad',
  shape: ([c], p) => {
    const x = { shape: [c.shape[0], c.shape[1], ...p.inputSize], dtype: c.dtype };
    const out = avgPoolShape(x, p);
    if (c.shape.join() !== out.shape.join()) throw new Error(`cotangent [${c.shape}] is not the pooled size [${out.shape}] of [${x.shape}]`);
    return x;
  },
  tf: ([c], p) => tfPool.avgPool2dGrad(c as tf.Tensor4D, p.inputSize, p),
  ref: ([c], p) => ref.avgPool2dGrad(c, p.inputSize, p),
  onnx: (e, [c], p, { inputs }) => avgPoolGradOnnx(e, c, p, inputs[0]),
  jvp: (_, [t], _out, p) => t && gradOp(t, p.inputSize, p),
  vjp: (ct, _c, _out, p) => [avgPool2d(ct, p)],
});
