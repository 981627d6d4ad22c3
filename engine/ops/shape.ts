import { normaliseAxes, sameShape, sizeOf } from '../core/shape.js';
import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const known = shape.filter((d) => d !== -1);
  const resolved = shape.map((d) => (d === -1 ? sizeOf(x.shape) / sizeOf(known) : d));
  if (sameShape(resolved, x.shape)) return x;
  return bind('reshape', [x], { shape: resolved });
}

export function transpose(x: Tensor, perm?: readonly number[]): Tensor {
  const p = perm ?? [...x.shape.keys()].reverse();
  if (p.every((a, i) => a === i)) return x;
  return bind('transpose', [x], { perm: [...p] });
}

export function broadcastTo(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return bind('broadcastTo', [x], { shape: [...shape] });
}

export function slice(x: Tensor, begin: readonly number[], size: readonly number[]): Tensor {
  const sz = size.map((s, i) => (s === -1 ? x.shape[i] - begin[i] : s));
  if (sameShape(sz, x.shape)) return x;
  return bind('slice', [x], { begin: [...begin], size: sz });
}

export function pad(x: Tensor, before: readonly number[], after: readonly number[]): Tensor {
  if ([...before, ...after].every((d) => d === 0)) return x;
  return bind('pad', [x], { before: [...before], after: [...after] });
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 1) return xs[0];
  return bind('concat', xs, { axis: axis < 0 ? axis + xs[0].rank : axis });
}

/** Splits `x` into equal parts along `axis`. */
export function split(x: Tensor, parts: number, axis: number): Tensor[] {
  const ax = axis < 0 ? axis + x.rank : axis;
  const n = x.shape[ax] / parts;
  return [...Array(parts).keys()].map((k) => {
    const begin = x.shape.map((_, i) => (i === ax ? k * n : 0));
    const size = x.shape.map((d, i) => (i === ax ? n : d));
    return slice(x, begin, size);
  });
}

export function expandDims(x: Tensor, axis: number): Tensor {
  const ax = axis < 0 ? axis + x.rank + 1 : axis;
  return reshape(x, [...x.shape.slice(0, ax), 1, ...x.shape.slice(ax)]);
}

export function sum(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  const ax = normaliseAxes(axes, x.rank);
  if (ax.length === 0) return x;
  return bind('sum', [x], { axes: ax, keepDims });
}

/** Reverses broadcasting: sums `x` down to `shape` (the VJP of every broadcasting op). */
export function sumToShape(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  const lead = x.rank - shape.length;
  const axes: number[] = [];
  x.shape.forEach((d, i) => {
    if (i < lead || (shape[i - lead] === 1 && d !== 1)) axes.push(i);
  });
  return reshape(sum(x, axes, true), shape);
}
