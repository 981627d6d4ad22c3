/**
 * The setup's models (MLP, causal transformer) and per-example losses in plain TF.js, built
 * from the twice-differentiable ops (ops.ts); the maths copies engine/models/*.ts: q scaled
 * by 1/√dh before q·kᵀ, an additive causal mask of −1e9.
 */
import * as tf from '@tensorflow/tfjs-core';

import type { Activation, MlpSpec, Setup, TransformerSpec } from '../../setup/types.js';
import { embedding, gelu, layerNorm, logSoftmax, sigmoid, softmax, tanh, type Unary } from './ops.js';

const activations: Record<Activation, Unary> = { tanh, relu: tf.relu, sigmoid, gelu };

export function mlpForward(model: MlpSpec, theta: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor {
  const layers = model.sizes.length - 1;
  let h = x;
  for (let k = 0; k < layers; k++) {
    const z = tf.add(tf.matMul(h, theta[2 * k]!), theta[2 * k + 1]!);
    h = k === layers - 1 ? z : activations[model.activation](z);
  }
  return h;
}

/** x·W (+ b) over the last axis of [B,S,D], as one 2-D matmul. */
function linear(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const [bsz, s, d] = x.shape as [number, number, number];
  const y = tf.reshape(tf.matMul(tf.reshape(x, [bsz * s, d]), w), [bsz, s, w.shape[1]!]);
  return b ? tf.add(y, b) : y;
}

function splitHeads(x: tf.Tensor, heads: number): tf.Tensor {
  const [bsz, s, d] = x.shape as [number, number, number];
  return tf.transpose(tf.reshape(x, [bsz, s, heads, d / heads]), [0, 2, 1, 3]);
}

function mergeHeads(x: tf.Tensor): tf.Tensor {
  const [bsz, h, s, dh] = x.shape as [number, number, number, number];
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [bsz, s, h * dh]);
}

type Named = Readonly<Record<string, tf.Tensor>>;

export function transformerForward(model: TransformerSpec, p: Named, ids: tf.Tensor, causal: tf.Tensor): tf.Tensor {
  const s = ids.shape[1]!;
  const heads = model.heads;
  let x = tf.add(embedding(p['tok_emb']!, ids), tf.slice(p['pos_emb']!, [0, 0], [s, model.d_model]));
  for (let i = 0; i < model.layers; i++) {
    const pre = `block${i}`;
    const h = layerNorm(x, p[`${pre}.ln1.g`]!, p[`${pre}.ln1.b`]!);
    const d = h.shape[2]!;
    const q = splitHeads(tf.mul(linear(h, p[`${pre}.attn.wq`]!), 1 / Math.sqrt(d / heads)), heads);
    const k = splitHeads(linear(h, p[`${pre}.attn.wk`]!), heads);
    const v = splitHeads(linear(h, p[`${pre}.attn.wv`]!), heads);
    const probs = softmax(tf.add(tf.matMul(q, k, false, true), causal));
    const x1 = tf.add(x, linear(mergeHeads(tf.matMul(probs, v)), p[`${pre}.attn.wo`]!));
    const h2 = layerNorm(x1, p[`${pre}.ln2.g`]!, p[`${pre}.ln2.b`]!);
    const m = linear(gelu(linear(h2, p[`${pre}.mlp.w1`]!, p[`${pre}.mlp.b1`]!)), p[`${pre}.mlp.w2`]!, p[`${pre}.mlp.b2`]!);
    x = tf.add(x1, m);
  }
  return linear(layerNorm(x, p['ln_f.g']!, p['ln_f.b']!), p['out.w']!, p['out.b']!);
}

/** Per-example (per-token) losses over the last axis. */
export function perExampleLoss(kind: Setup['loss'], pred: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (kind === 'mse') {
    const d = tf.sub(pred, y);
    return tf.mul(tf.sum(tf.mul(d, d), -1), 0.5);
  }
  const classes = pred.shape[pred.rank - 1]!;
  // Not tf.oneHot(y, C, 1, 0, 'float32'): the wasm OneHot kernel ignores `dtype` and writes
  // int32 bits into the float32 tensor (1 reads as 1.4e-45). The int32 default plus a cast is right.
  return tf.neg(tf.sum(tf.mul(logSoftmax(pred), tf.cast(tf.oneHot(y, classes), 'float32')), -1));
}
