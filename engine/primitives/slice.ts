import { slice as sliceKernel } from '../kernels/tfjs/fastPaths.js';
import * as ref from '../kernels/ref/index.js';
import { pad, slice as sliceOp } from '../ops/shape.js';
import { definePrimitive } from './types.js';

export const slice = definePrimitive<{ begin: number[]; size: number[] }>({
  name: 'slice',
  shape: ([x], { begin, size }) => {
    if (begin.some((b, i) => b < 0 || b + size[i] > x.shape[i])) throw new Error(`slice [${begin}]+[${size}] out of bounds`);
    return { shape: size, dtype: x.dtype };
  },
  tf: ([x], { begin, size }) => sliceKernel(x, begin, size),
  ref: ([x], { begin, size }) => ref.slice(x, begin, size),
  onnx: (e, [x], { begin, size }) =>
    e.node('Slice', [x, e.int64s(begin), e.int64s(begin.map((b, i) => b + size[i])), e.int64s(begin.map((_, i) => i))]),
  jvp: (_, [t], _out, { begin, size }) => t && sliceOp(t, begin, size),
  vjp: (ct, [x], _out, { begin, size }) => [pad(ct, begin, x.shape.map((d, i) => d - begin[i] - size[i]))],
});
