import { broadcastShapes, sizeOf, type Shape } from '../../core/shape.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';
import { broadcastStrides, walk } from './strided.js';

/** Broadcasts shapes, re-throwing with the kernel's name and all operand shapes. */
function broadcastAll(kernel: string, shapes: readonly Shape[]): number[] {
  try {
    return shapes.reduce<number[]>((acc, s) => broadcastShapes(acc, s), []);
  } catch {
    throw kernelError(kernel, `shapes ${shapes.map(fmt).join(' and ')} do not broadcast`);
  }
}

export function unary(x: RefArray, fn: (v: number) => number): RefArray {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = fn(x.data[i]);
  return refArray(x.shape, out);
}

export function binary(a: RefArray, b: RefArray, fn: (x: number, y: number) => number): RefArray {
  const shape = broadcastAll('binary', [a.shape, b.shape]);
  const out = new Float64Array(sizeOf(shape));
  const strides = [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)];
  walk(shape, strides, (i, [ia, ib]) => {
    out[i] = fn(a.data[ia], b.data[ib]);
  });
  return refArray(shape, out);
}

/** Picks `a` where `cond` is non-zero, else `b`, broadcasting all three. */
export function select(cond: RefArray, a: RefArray, b: RefArray): RefArray {
  const shape = broadcastAll('select', [cond.shape, a.shape, b.shape]);
  const out = new Float64Array(sizeOf(shape));
  const strides = [cond.shape, a.shape, b.shape].map((s) => broadcastStrides(s, shape));
  walk(shape, strides, (i, [ic, ia, ib]) => {
    out[i] = cond.data[ic] !== 0 ? a.data[ia] : b.data[ib];
  });
  return refArray(shape, out);
}
