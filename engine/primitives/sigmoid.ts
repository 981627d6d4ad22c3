import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { mul, sub } from '../ops/arith.js';
import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

export const sigmoid = definePrimitive({
  name: 'sigmoid',
  shape: ([x]) => x,
  tf: ([x]) => tf.sigmoid(x),
  ref: ([x]) => ref.unary(x, (v) => 1 / (1 + Math.exp(-v))),
  onnx: (e, [x]) => e.node('Sigmoid', [x]),
  ...elementwiseRules((_x, out) => mul(out, sub(1, out))),
});
