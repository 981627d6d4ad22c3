import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { exp, mul, neg } from '../ops/arith.js';
import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/** The error function (exact GELU, ONNX Erf); erf′(x) = 2/√π · e^{−x²}. */
export const erf = definePrimitive({
  name: 'erf',
  shape: ([x]) => x,
  tf: ([x]) => tf.erf(x),
  ref: ([x]) => ref.unary(x, ref.erf),
  onnx: (e, [x]) => e.node('Erf', [x]),
  ...elementwiseRules((x) => mul(exp(neg(mul(x, x))), TWO_OVER_SQRT_PI)),
});
