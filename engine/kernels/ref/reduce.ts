import { reducedShape, sizeOf, stridesOf } from '../../core/shape.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';
import { walk } from './strided.js';

export type ReduceKind = 'sum' | 'max';

/**
 * Sum or max over `axes` (already normalised: non-negative, sorted, unique).
 * Walks the input once, accumulating into the output through strides that are
 * zero on reduced axes.
 */
export function reduce(x: RefArray, axes: readonly number[], keepDims: boolean, kind: ReduceKind): RefArray {
  const rank = x.shape.length;
  const valid = axes.every((a, i) => Number.isInteger(a) && a >= 0 && a < rank && (i === 0 || a > axes[i - 1]));
  if (!valid) throw kernelError('reduce', `axes [${axes}] not normalised for shape ${fmt(x.shape)}`);
  const kept = reducedShape(x.shape, axes, true);
  const strides = stridesOf(kept).map((s, d) => (axes.includes(d) ? 0 : s));
  const out = new Float64Array(sizeOf(kept)).fill(kind === 'sum' ? 0 : -Infinity);
  if (kind === 'sum') {
    walk(x.shape, [strides], (i, [o]) => {
      out[o] += x.data[i];
    });
  } else {
    // NaN wins, as in tf.max.
    walk(x.shape, [strides], (i, [o]) => {
      const v = x.data[i];
      if (v > out[o] || Number.isNaN(v)) out[o] = v;
    });
  }
  return refArray(keepDims ? kept : reducedShape(x.shape, axes, false), out);
}
