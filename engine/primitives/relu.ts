import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { greater } from '../ops/arith.js';
import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

/** relu′(0) = 0, as the setup format specifies. */
export const relu = definePrimitive({
  name: 'relu',
  shape: ([x]) => x,
  tf: ([x]) => tf.relu(x),
  ref: ([x]) => ref.unary(x, (v) => (v > 0 ? v : 0)),
  onnx: (e, [x]) => e.node('Relu', [x]),
  ...elementwiseRules((x) => greater(x, 0)),
});
