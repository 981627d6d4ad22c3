/**
 * One differentiable inner-optimiser step in plain TF.js (sgd, momentum, Adam), copying
 * engine/meta/optimizers.ts: Adam's √v̂ is `safeSqrt`, whose derivative is 0 where v̂ = 0.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { OptimizerSpec } from '../../setup/types.js';
import { safeSqrt } from './ops.js';

/** Per parameter tensor: [] (sgd), [m] (momentum) or [m, v] (Adam); empty before the first step. */
export type OptState = tf.Tensor[][];

export function optimizerStep(spec: OptimizerSpec, theta: tf.Tensor[], g: tf.Tensor[], state: OptState, lrs: tf.Tensor[], t: number) {
  const fresh = state.length === 0;
  if (spec.kind === 'sgd') return { theta: theta.map((p, k) => tf.sub(p, tf.mul(lrs[k]!, g[k]!))), state: [] as OptState };
  if (spec.kind === 'momentum') {
    const m = g.map((gk, k) => (fresh ? gk : tf.add(tf.mul(state[k]![0]!, spec.beta), gk)));
    return { theta: theta.map((p, k) => tf.sub(p, tf.mul(lrs[k]!, m[k]!))), state: m.map((mk) => [mk]) };
  }
  const { b1, b2, eps } = spec;
  const next = g.map((gk, k) => {
    const m = fresh ? tf.mul(gk, 1 - b1) : tf.add(tf.mul(state[k]![0]!, b1), tf.mul(gk, 1 - b1));
    const v = fresh ? tf.mul(tf.square(gk), 1 - b2) : tf.add(tf.mul(state[k]![1]!, b2), tf.mul(tf.square(gk), 1 - b2));
    return [m, v];
  });
  const theta1 = theta.map((p, k) => {
    const [m, v] = next[k] as [tf.Tensor, tf.Tensor];
    const mHat = tf.div(m, 1 - b1 ** (t + 1));
    const vHat = tf.div(v, 1 - b2 ** (t + 1));
    return tf.sub(p, tf.mul(lrs[k]!, tf.div(mHat, tf.add(safeSqrt(vHat), eps))));
  });
  return { theta: theta1, state: next };
}
