import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { div } from '../ops/arith.js';
import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

export const sqrt = definePrimitive({
  name: 'sqrt',
  shape: ([x]) => x,
  tf: ([x]) => tf.sqrt(x),
  ref: ([x]) => ref.unary(x, Math.sqrt),
  onnx: (e, [x]) => e.node('Sqrt', [x]),
  ...elementwiseRules((_x, out) => div(0.5, out)),
});
