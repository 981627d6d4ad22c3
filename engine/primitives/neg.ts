import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { neg as negOp } from '../ops/arith.js';
import { linearRules } from './rules.js';
import { definePrimitive } from './types.js';

export const neg = definePrimitive({
  name: 'neg',
  shape: ([x]) => x,
  tf: ([x]) => tf.neg(x),
  ref: ([x]) => ref.unary(x, (v) => -v),
  onnx: (e, [x]) => e.node('Neg', [x]),
  ...linearRules(negOp, negOp),
});
