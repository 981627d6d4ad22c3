import { broadcastShapes, sameShape, sizeOf, stridesOf, type Shape } from '../../core/shape.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';
import { broadcastStrides, walk } from './strided.js';

/** out.shape[d] = x.shape[perm[d]]. */
export function transpose(x: RefArray, perm: readonly number[]): RefArray {
  const rank = x.shape.length;
  const isPerm = perm.length === rank && [...perm].sort((p, q) => p - q).every((p, i) => p === i);
  if (!isPerm) throw kernelError('transpose', `perm [${perm}] is not a permutation for shape ${fmt(x.shape)}`);
  const inStrides = stridesOf(x.shape);
  const shape = perm.map((p) => x.shape[p]);
  const out = new Float64Array(x.data.length);
  walk(shape, [perm.map((p) => inStrides[p])], (i, [src]) => {
    out[i] = x.data[src];
  });
  return refArray(shape, out);
}

/** Row-major reshape (copies); one dim may be -1 and is inferred. */
export function reshape(x: RefArray, shape: readonly number[]): RefArray {
  const resolved = inferDim(shape, x.data.length);
  if (resolved === undefined || sizeOf(resolved) !== x.data.length) {
    throw kernelError('reshape', `cannot reshape ${fmt(x.shape)} to ${fmt(shape)}`);
  }
  return refArray(resolved, x.data.slice());
}

function inferDim(shape: readonly number[], size: number): number[] | undefined {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown === 0) return [...shape];
  const known = sizeOf(shape.filter((d) => d !== -1));
  if (unknown > 1 || known === 0 || size % known !== 0) return undefined;
  return shape.map((d) => (d === -1 ? size / known : d));
}

export function broadcastTo(x: RefArray, shape: readonly number[]): RefArray {
  const ok = x.shape.length <= shape.length && sameShape(safeBroadcast(x.shape, shape), shape);
  if (!ok) throw kernelError('broadcastTo', `cannot broadcast ${fmt(x.shape)} to ${fmt(shape)}`);
  const out = new Float64Array(sizeOf(shape));
  walk(shape, [broadcastStrides(x.shape, shape)], (i, [src]) => {
    out[i] = x.data[src];
  });
  return refArray(shape, out);
}

function safeBroadcast(a: Shape, b: Shape): Shape {
  try {
    return broadcastShapes(a, b);
  } catch {
    return [];
  }
}

/** The box [begin, begin+size) of x; a size of -1 means "to the end" as in tf.slice. */
export function slice(x: RefArray, begin: readonly number[], size: readonly number[]): RefArray {
  const rank = x.shape.length;
  const desc = `begin [${begin}] size [${size}] for shape ${fmt(x.shape)}`;
  if (begin.length !== rank || size.length !== rank) throw kernelError('slice', `rank mismatch: ${desc}`);
  const shape = size.map((s, d) => (s === -1 ? x.shape[d] - begin[d] : s));
  if (shape.some((s, d) => begin[d] < 0 || s < 0 || begin[d] + s > x.shape[d])) {
    throw kernelError('slice', `out of bounds: ${desc}`);
  }
  const strides = stridesOf(x.shape);
  const base = begin.reduce((acc, b, d) => acc + b * strides[d], 0);
  const out = new Float64Array(sizeOf(shape));
  walk(shape, [strides], (i, [src]) => {
    out[i] = x.data[base + src];
  });
  return refArray(shape, out);
}

/** Zero padding: the transpose of slice, writing x into a zero box at `before`. */
export function pad(x: RefArray, before: readonly number[], after: readonly number[]): RefArray {
  const rank = x.shape.length;
  const desc = `before [${before}] after [${after}] for shape ${fmt(x.shape)}`;
  if (before.length !== rank || after.length !== rank) throw kernelError('pad', `rank mismatch: ${desc}`);
  if ([...before, ...after].some((p) => p < 0)) throw kernelError('pad', `negative padding: ${desc}`);
  const shape = x.shape.map((d, i) => before[i] + d + after[i]);
  const strides = stridesOf(shape);
  const base = before.reduce((acc, b, d) => acc + b * strides[d], 0);
  const out = new Float64Array(sizeOf(shape));
  walk(x.shape, [strides], (i, [dst]) => {
    out[base + dst] = x.data[i];
  });
  return refArray(shape, out);
}

/** Joins arrays along `axis`; all other dims must agree. */
export function concat(xs: readonly RefArray[], axis: number): RefArray {
  if (xs.length === 0) throw kernelError('concat', 'needs at least one array');
  const first = xs[0].shape;
  const all = xs.map((x) => fmt(x.shape)).join(', ');
  if (axis < 0 || axis >= first.length) throw kernelError('concat', `axis ${axis} out of range for shapes ${all}`);
  const agree = xs.every(
    (x) => x.shape.length === first.length && x.shape.every((d, i) => i === axis || d === first[i]),
  );
  if (!agree) throw kernelError('concat', `shapes ${all} differ off axis ${axis}`);
  const shape = [...first];
  shape[axis] = xs.reduce((acc, x) => acc + x.shape[axis], 0);
  const strides = stridesOf(shape);
  const out = new Float64Array(sizeOf(shape));
  let base = 0;
  for (const x of xs) {
    walk(x.shape, [strides], (i, [dst]) => {
      out[base + dst] = x.data[i];
    });
    base += x.shape[axis] * strides[axis];
  }
  return refArray(shape, out);
}
