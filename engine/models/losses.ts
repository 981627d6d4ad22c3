import * as E from '../index.js';

/** Per-example (or per-token) losses ℓ, over the last axis of the predictions. */

/** ½·Σ_j (ŷ_j − y_j)². */
export function mse(pred: E.Tensor, target: E.Tensor): E.Tensor {
  const d = E.sub(pred, target);
  return E.mul(E.sum(E.mul(d, d), [-1]), 0.5);
}

/** −log softmax(ŷ)[y], for integer class ids `y`. */
export function xent(logits: E.Tensor, ids: E.Tensor): E.Tensor {
  const classes = logits.shape[logits.rank - 1];
  return E.neg(E.sum(E.mul(E.logSoftmax(logits), E.oneHot(ids, classes)), [-1]));
}

import type { LossKind } from '../setup/types.js';

export function perExampleLoss(kind: LossKind, pred: E.Tensor, y: E.Tensor): E.Tensor {
  return kind === 'mse' ? mse(pred, y) : xent(pred, y);
}
