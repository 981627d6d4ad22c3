import { exp as expKernel } from '../kernels/tfjs/fastPaths.js';
import * as ref from '../kernels/ref/index.js';

import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

export const exp = definePrimitive({
  name: 'exp',
  shape: ([x]) => x,
  tf: ([x]) => expKernel(x),
  ref: ([x]) => ref.unary(x, Math.exp),
  onnx: (e, [x]) => e.node('Exp', [x]),
  ...elementwiseRules((_x, out) => out),
});
