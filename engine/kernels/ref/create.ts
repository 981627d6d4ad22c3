import { sizeOf, stridesOf } from '../../core/shape.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';

export function full(shape: readonly number[], value: number): RefArray {
  return refArray(shape, new Float64Array(sizeOf(shape)).fill(value));
}

/** Each element holds its coordinate along `axis`. */
export function iota(shape: readonly number[], axis: number): RefArray {
  if (axis < 0 || axis >= shape.length) throw kernelError('iota', `axis ${axis} out of range for shape ${fmt(shape)}`);
  const stride = stridesOf(shape)[axis];
  const dim = shape[axis];
  const out = new Float64Array(sizeOf(shape));
  // The coordinate along `axis` of flat index i is floor(i / stride) mod dim.
  for (let i = 0; i < out.length; i++) out[i] = Math.floor(i / stride) % dim;
  return refArray(shape, out);
}
