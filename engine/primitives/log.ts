import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { div } from '../ops/arith.js';
import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

export const log = definePrimitive({
  name: 'log',
  shape: ([x]) => x,
  tf: ([x]) => tf.log(x),
  ref: ([x]) => ref.unary(x, Math.log),
  onnx: (e, [x]) => e.node('Log', [x]),
  ...elementwiseRules((x) => div(1, x)),
});
