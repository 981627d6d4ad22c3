import { add, div, exp, log, mul, sqrt, sub, tanh } from './arith.js';
import { max, mean } from './reduce.js';
import { sum } from './shape.js';
import { stopGradient } from './stopGradient.js';
import type { Tensor } from '../trace/tensor.js';

/** Composite neural-network ops: built from primitives, no rules of their own. */

/** log Σ exp(x) along `axis`, shifted by a max that carries no derivative (it cancels). */
export function logSumExp(x: Tensor, axis = -1): Tensor {
  const shift = stopGradient(max(x, [axis], true));
  return add(log(sum(exp(sub(x, shift)), [axis], true)), shift);
}

export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return sub(x, logSumExp(x, axis));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  const e = exp(sub(x, stopGradient(max(x, [axis], true))));
  return div(e, sum(e, [axis], true));
}

/** GELU, tanh form: 0.5·z·(1 + tanh(√(2/π)·(z + 0.044715·z³))). */
export function gelu(z: Tensor): Tensor {
  const inner = mul(add(z, mul(mul(mul(z, z), z), 0.044715)), Math.sqrt(2 / Math.PI));
  return mul(mul(z, 0.5), add(tanh(inner), 1));
}

/** Layer normalisation over the last axis, with gain and bias. */
export function layerNorm(x: Tensor, gain: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const centred = sub(x, mean(x, [-1], true));
  const variance = mean(mul(centred, centred), [-1], true);
  return add(mul(div(centred, sqrt(add(variance, eps))), gain), bias);
}
