import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';

/** Batched matmul over the last two axes; batch axes must match. */
export function matmul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  return bind('matmul', [a, b], { transposeA, transposeB });
}
