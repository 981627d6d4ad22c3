import * as E from '../index.js';

/**
 * Inner optimisers as plain differentiable code: the outer autodiff differentiates them
 * like anything else; no optimiser has a derivative of its own.
 */
import type { OptimizerSpec } from '../setup/types.js';

/** Per-tensor state slots: [] before the first step (m₀ = v₀ = 0 need no tensors), then [m] or [m, v]. */
export type OptimizerState = E.Tensor[][];

/** √x with derivative 0 where x = 0 (its limit for Adam's v̂ of never-seen gradients), at every order. */
export function safeSqrt(x: E.Tensor): E.Tensor {
  const positive = E.greater(x, 0);
  return E.select(positive, E.sqrt(E.select(positive, x, 1)), 0);
}

/** One update θ_{t+1} of every tensor k with learning rate α_k, at step t (0-based). */
export function optimizerStep(
  spec: OptimizerSpec,
  theta: readonly E.Tensor[],
  grads: readonly E.Tensor[],
  state: OptimizerState,
  lrs: readonly E.Tensor[],
  t: number,
): { theta: E.Tensor[]; state: OptimizerState } {
  const fresh = state.length === 0;
  // Scopes `state` and `params` let the profiler tell optimiser state from parameters.
  const params = (f: () => E.Tensor[]) => E.withScope('params', f);
  if (spec.kind === 'sgd') {
    return { theta: params(() => theta.map((p, k) => E.sub(p, E.mul(lrs[k], grads[k])))), state: [] };
  }
  if (spec.kind === 'momentum') {
    const m = E.withScope('state', () => grads.map((g, k) => (fresh ? g : E.add(E.mul(state[k][0], spec.beta), g))));
    return { theta: params(() => theta.map((p, k) => E.sub(p, E.mul(lrs[k], m[k])))), state: m.map((mk) => [mk]) };
  }
  const { b1, b2, eps } = spec;
  const next = E.withScope('state', () => grads.map((g, k) => {
    const m = fresh ? E.mul(g, 1 - b1) : E.add(E.mul(state[k][0], b1), E.mul(g, 1 - b1));
    const v = fresh ? E.mul(E.square(g), 1 - b2) : E.add(E.mul(state[k][1], b2), E.mul(E.square(g), 1 - b2));
    return [m, v];
  }));
  const theta1 = params(() => theta.map((p, k) => {
    const [m, v] = next[k];
    const mHat = E.div(m, 1 - b1 ** (t + 1));
    const vHat = E.div(v, 1 - b2 ** (t + 1));
    return E.sub(p, E.mul(lrs[k], E.div(mHat, E.add(safeSqrt(vHat), eps))));
  }));
  return { theta: theta1, state: next };
}
