import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';
import { lift, type TensorLike } from './create.js';

/** Elementwise arithmetic; binary ops broadcast like NumPy and accept plain numbers. */
export const add = (a: TensorLike, b: TensorLike): Tensor => bind('add', [lift(a), lift(b)]);
export const sub = (a: TensorLike, b: TensorLike): Tensor => bind('sub', [lift(a), lift(b)]);
export const mul = (a: TensorLike, b: TensorLike): Tensor => bind('mul', [lift(a), lift(b)]);
export const div = (a: TensorLike, b: TensorLike): Tensor => bind('div', [lift(a), lift(b)]);
export const neg = (x: Tensor): Tensor => bind('neg', [x]);
export const exp = (x: Tensor): Tensor => bind('exp', [x]);
export const log = (x: Tensor): Tensor => bind('log', [x]);
export const tanh = (x: Tensor): Tensor => bind('tanh', [x]);
export const sigmoid = (x: Tensor): Tensor => bind('sigmoid', [x]);
export const relu = (x: Tensor): Tensor => bind('relu', [x]);
export const sqrt = (x: Tensor): Tensor => bind('sqrt', [x]);

/** x^p for a constant exponent; p = 1 is x itself. */
export function pow(x: Tensor, p: number): Tensor {
  return p === 1 ? x : bind('pow', [x], { exponent: p });
}

export const square = (x: Tensor): Tensor => pow(x, 2);

export type Comparison = 'gt' | 'ge' | 'lt' | 'le' | 'eq';

/** A float32 0/1 mask. */
export const compare = (a: TensorLike, b: TensorLike, op: Comparison): Tensor => bind('compare', [lift(a), lift(b)], { op });
export const greater = (a: TensorLike, b: TensorLike): Tensor => compare(a, b, 'gt');
export const equal = (a: TensorLike, b: TensorLike): Tensor => compare(a, b, 'eq');

/** `a` where the mask is non-zero, else `b` (all three broadcast). */
export const select = (mask: Tensor, a: TensorLike, b: TensorLike): Tensor => bind('select', [mask, lift(a), lift(b)]);
export const erf = (x: Tensor): Tensor => bind('erf', [x]);

/** x for x > 0, else alpha·x (ONNX LeakyRelu; the derivative at 0 is alpha, as in PyTorch). */
export const leakyRelu = (x: Tensor, alpha = 0.01): Tensor => select(greater(x, 0), x, mul(x, alpha));
