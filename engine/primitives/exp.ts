import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';

import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

export const exp = definePrimitive({
  name: 'exp',
  shape: ([x]) => x,
  tf: ([x]) => tf.exp(x),
  ref: ([x]) => ref.unary(x, Math.exp),
  ...elementwiseRules((_x, out) => out),
});
