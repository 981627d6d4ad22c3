import { tanh as tanhKernel } from '../kernels/tfjs/fastPaths.js';
import * as ref from '../kernels/ref/index.js';
import { mul, sub } from '../ops/arith.js';
import { elementwiseRules } from './rules.js';
import { definePrimitive } from './types.js';

export const tanh = definePrimitive({
  name: 'tanh',
  shape: ([x]) => x,
  tf: ([x]) => tanhKernel(x),
  ref: ([x]) => ref.unary(x, Math.tanh),
  onnx: (e, [x]) => e.node('Tanh', [x]),
  ...elementwiseRules((_x, out) => sub(1, mul(out, out))),
});
