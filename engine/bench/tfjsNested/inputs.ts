/** The nested baseline's tensors on the TF.js backend: the setup's inputs and the causal mask. */
import * as tf from '@tensorflow/tfjs-core';

import type { Materialised } from '../../setup/materialise.js';
import type { HostTensor, Setup } from '../../setup/types.js';

export interface Uploaded {
  theta0: tf.Tensor[];
  logLr: tf.Tensor;
  logWd?: tf.Tensor;
  logits: tf.Tensor;
  inner: { x: tf.Tensor; y: tf.Tensor }[];
  outer: { x: tf.Tensor; y: tf.Tensor };
  /** Additive causal mask [S,S] (transformer only). */
  causal?: tf.Tensor;
}

function upload(h: HostTensor): tf.Tensor {
  return h.dtype === 'int32' ? tf.tensor(Int32Array.from(h.data), h.shape, 'int32') : tf.tensor(Float32Array.from(h.data), h.shape, 'float32');
}

/** The same inputs the engine uploads (θ₀, η, every batch), plus the transformer's mask. */
export function uploadAll(data: Materialised): Uploaded {
  const up: Uploaded = {
    theta0: data.theta0.map(upload),
    logLr: upload(data.eta.log_lr),
    logits: upload(data.eta.example_logits),
    inner: data.inner.map((b) => ({ x: upload(b.x), y: upload(b.y) })),
    outer: { x: upload(data.outer.x), y: upload(data.outer.y) },
  };
  if (data.eta.log_wd) up.logWd = upload(data.eta.log_wd);
  return up;
}

/** The transformer's additive causal mask [S,S]: a constant of the computation, not an input. */
export function uploadMask(setup: Setup, up: Uploaded): void {
  if (setup.model.kind === 'transformer') {
    const s = setup.model.seq;
    const mask = new Float32Array(s * s);
    for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) mask[i * s + j] = -1e9;
    up.causal = tf.tensor(mask, [s, s]);
  }
}

export function disposeUploaded(up: Uploaded): void {
  tf.dispose([...up.theta0, up.logLr, up.logits, ...up.inner.flatMap((b) => [b.x, b.y]), up.outer.x, up.outer.y]);
  if (up.logWd) up.logWd.dispose();
  if (up.causal) up.causal.dispose();
}
