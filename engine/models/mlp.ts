import * as E from '../index.js';

import type { Activation, MlpSpec } from '../setup/types.js';

const activations: Record<Activation, (z: E.Tensor) => E.Tensor> = {
  tanh: E.tanh,
  relu: E.relu,
  sigmoid: E.sigmoid,
  gelu: E.gelu,
};

/**
 * h ↦ act(h·W_k + b_k) for every layer but the last. With `rematBlocks`, each layer's
 * forward is a checkpointed region (the `block` rematerialisation policy).
 */
export function mlpForward(model: MlpSpec, params: readonly E.Tensor[], x: E.Tensor, rematBlocks: boolean): E.Tensor {
  const layers = model.sizes.length - 1;
  let h = x;
  for (let k = 0; k < layers; k++) {
    const last = k === layers - 1;
    const layer = (hin: E.Tensor, w: E.Tensor, b: E.Tensor): E.Tensor => {
      const z = E.add(E.matmul(hin, w), b);
      return last ? z : activations[model.activation](z);
    };
    const run = rematBlocks ? E.checkpoint(layer) : layer;
    h = E.withScope(`layer/${k}`, () => run(h, params[2 * k], params[2 * k + 1]));
  }
  return h;
}
