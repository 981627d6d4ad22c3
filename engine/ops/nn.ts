import { add, div, exp, log, mul, sqrt, sub, tanh } from './arith.js';
import { max, mean } from './reduce.js';
import { reshape, sum } from './shape.js';
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

/** Axis 1's shape broadcast against x: [C] → [1, C, 1, …]. */
function perChannel(v: Tensor, x: Tensor): Tensor {
  return reshape(v, x.shape.map((d, i) => (i === 1 ? d : 1)));
}

/**
 * Batch normalisation with batch statistics (ONNX BatchNormalization training_mode=1,
 * PyTorch train mode): mean and biased variance over every axis but 1. A composite:
 * scale and 1/σ are folded into one per-channel factor before touching the activation,
 * so reverse mode keeps one full-size intermediate (x − μ), as a fused primitive would
 * keep x (README, "Batch normalisation").
 */
export function batchNormTraining(x: Tensor, scale: Tensor, bias: Tensor, eps = 1e-5): Tensor {
  const axes = x.shape.flatMap((_, i) => (i === 1 ? [] : [i]));
  const centred = sub(x, mean(x, axes, true));
  const variance = mean(mul(centred, centred), axes, true);
  const factor = div(perChannel(scale, x), sqrt(add(variance, eps)));
  return add(mul(centred, factor), perChannel(bias, x));
}

/** Batch normalisation with given statistics: x·k + (b − μ·k), k = scale/√(var + ε). */
export function batchNormInference(x: Tensor, scale: Tensor, bias: Tensor, runningMean: Tensor, runningVar: Tensor, eps = 1e-5): Tensor {
  const factor = div(perChannel(scale, x), sqrt(add(perChannel(runningVar, x), eps)));
  const shift = sub(perChannel(bias, x), mul(perChannel(runningMean, x), factor));
  return add(mul(x, factor), shift);
}
