import { normaliseAxes, sizeOf } from '../core/shape.js';
import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';
import { mul } from './arith.js';
import { sum } from './shape.js';

export { sum };

export function mean(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  const ax = normaliseAxes(axes, x.rank);
  const count = sizeOf(ax.map((a) => x.shape[a]));
  return mul(sum(x, ax, keepDims), 1 / count);
}

export function max(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  return bind('max', [x], { axes: normaliseAxes(axes, x.rank), keepDims });
}
