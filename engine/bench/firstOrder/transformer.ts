/** The first-order benchmark's small causal transformer (pre-LayerNorm blocks, xent loss). */
import * as tf from '@tensorflow/tfjs-core';
import * as E from '../../index.js';
import { ones, param, seedParams, uniform, zeros, type HostInput, type Model } from './model.js';

interface TransformerDims {
  vocab: number;
  d: number;
  heads: number;
  seq: number;
  batch: number;
  blocks: number;
  ff: number;
}

const BLOCK_PARAMS = ['ln1g', 'ln1b', 'wq', 'wk', 'wv', 'wo', 'ln2g', 'ln2b', 'w1', 'b1', 'w2', 'b2'] as const;
type BlockParams<T> = Record<(typeof BLOCK_PARAMS)[number], T>;

export function transformerModel(dims: Partial<TransformerDims> = {}): Model {
  const { vocab, d, heads, seq, batch, blocks, ff } = { vocab: 128, d: 64, heads: 2, seq: 64, batch: 8, blocks: 2, ff: 256, ...dims };
  const dh = d / heads;
  seedParams(1000);
  const inputs: HostInput[] = [param('tok', [vocab, d], 0.5), param('pos', [seq, d], 0.1)];
  for (let b = 0; b < blocks; b++) {
    inputs.push(
      ones(`b${b}/ln1g`, [d]),
      zeros(`b${b}/ln1b`, [d]),
      param(`b${b}/wq`, [d, d], Math.sqrt(3 / d)),
      param(`b${b}/wk`, [d, d], Math.sqrt(3 / d)),
      param(`b${b}/wv`, [d, d], Math.sqrt(3 / d)),
      param(`b${b}/wo`, [d, d], Math.sqrt(3 / d)),
      ones(`b${b}/ln2g`, [d]),
      zeros(`b${b}/ln2b`, [d]),
      param(`b${b}/w1`, [d, ff], Math.sqrt(3 / d)),
      param(`b${b}/b1`, [ff], 0.02),
      param(`b${b}/w2`, [ff, d], Math.sqrt(3 / ff)),
      param(`b${b}/b2`, [d], 0.02),
    );
  }
  inputs.push(ones('lnfg', [d]), zeros('lnfb', [d]), param('wout', [d, vocab], Math.sqrt(3 / d)));
  const ids = (seed: number) => Int32Array.from(uniform(seed, batch * seq, 1), (u) => Math.floor((u + 1) / 2 * vocab) % vocab);
  inputs.push(
    { name: 'ids', shape: [batch, seq], dtype: 'int32', data: ids(1001), param: false },
    { name: 'targets', shape: [batch * seq], dtype: 'int32', data: ids(1002), param: false },
  );
  const nBlock = BLOCK_PARAMS.length;
  const unpack = <T>(xs: T[]) => {
    const blocksP: BlockParams<T>[] = [];
    for (let b = 0; b < blocks; b++) {
      const o = {} as BlockParams<T>;
      BLOCK_PARAMS.forEach((k, i) => (o[k] = xs[2 + b * nBlock + i]));
      blocksP.push(o);
    }
    const k = 2 + blocks * nBlock;
    return { tok: xs[0], pos: xs[1], blocks: blocksP, lnfg: xs[k], lnfb: xs[k + 1], wout: xs[k + 2], ids: xs[k + 3], targets: xs[k + 4] };
  };

  const engineLoss = (...xs: E.Tensor[]) => {
    const p = unpack(xs);
    const causal = E.compare(E.iota([seq, seq], 1), E.iota([seq, seq], 0), 'le'); // key ≤ query
    // [batch·seq, d] ↔ [batch·heads, seq, dh]
    const split = (x: E.Tensor) => E.reshape(E.transpose(E.reshape(x, [batch, seq, heads, dh]), [0, 2, 1, 3]), [batch * heads, seq, dh]);
    const merge = (x: E.Tensor) => E.reshape(E.transpose(E.reshape(x, [batch, heads, seq, dh]), [0, 2, 1, 3]), [batch * seq, d]);
    let x = E.reshape(E.add(E.gather(p.tok, p.ids), p.pos), [batch * seq, d]);
    for (const b of p.blocks) {
      const n1 = E.layerNorm(x, b.ln1g, b.ln1b);
      const [q, k, v] = [b.wq, b.wk, b.wv].map((w) => split(E.matmul(n1, w)));
      const scores = E.mul(E.matmul(q, k, false, true), 1 / Math.sqrt(dh));
      const att = E.softmax(E.select(causal, scores, -1e9));
      x = E.add(x, E.matmul(merge(E.matmul(att, v)), b.wo));
      const n2 = E.layerNorm(x, b.ln2g, b.ln2b);
      x = E.add(x, E.add(E.matmul(E.gelu(E.add(E.matmul(n2, b.w1), b.b1)), b.w2), b.b2));
    }
    const logits = E.matmul(E.layerNorm(x, p.lnfg, p.lnfb), p.wout);
    return E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits), E.oneHot(p.targets, vocab)), [-1])));
  };

  const tfLayerNorm = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
    const c = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.mul(c, c), -1, true);
    return tf.add(tf.mul(tf.div(c, tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const tfGelu = (z: tf.Tensor) =>
    tf.mul(tf.mul(z, 0.5), tf.add(tf.tanh(tf.mul(tf.add(z, tf.mul(tf.mul(tf.mul(z, z), z), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
  const tfLoss = (...xs: tf.Tensor[]) => {
    const p = unpack(xs);
    const embed = tfEmbedding();
    const causal = tf.lessEqual(tf.reshape(tf.range(0, seq), [1, seq]), tf.reshape(tf.range(0, seq), [seq, 1])); // key ≤ query
    const split = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [batch, seq, heads, dh]), [0, 2, 1, 3]), [batch * heads, seq, dh]);
    const merge = (x: tf.Tensor) => tf.reshape(tf.transpose(tf.reshape(x, [batch, heads, seq, dh]), [0, 2, 1, 3]), [batch * seq, d]);
    let x = tf.reshape(tf.add(embed(p.tok, p.ids), p.pos), [batch * seq, d]);
    for (const b of p.blocks) {
      const n1 = tfLayerNorm(x, b.ln1g, b.ln1b);
      const [q, k, v] = [b.wq, b.wk, b.wv].map((w) => split(tf.matMul(n1, w)));
      const scores = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dh));
      const att = tf.softmax(tf.where(tf.broadcastTo(causal, scores.shape), scores, tf.fill(scores.shape, -1e9)));
      x = tf.add(x, tf.matMul(merge(tf.matMul(att, v)), b.wo));
      const n2 = tfLayerNorm(x, b.ln2g, b.ln2b);
      x = tf.add(x, tf.add(tf.matMul(tfGelu(tf.add(tf.matMul(n2, b.w1), b.b1)), b.w2), b.b2));
    }
    const logits = tf.matMul(tfLayerNorm(x, p.lnfg, p.lnfb), p.wout);
    return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(p.targets, vocab)), -1))) as tf.Scalar;
  };

  return { name: `transformer ${blocks}×(d ${d}, ${heads} heads), seq ${seq}, batch ${batch}, xent`, inputs, engineLoss, tfLoss };
}

/**
 * tf.gather for embeddings. Its registered gradient uses UnsortedSegmentSum, which the
 * wasm backend lacks (tf.grads then throws); there the same gradient is given through
 * tf.customGrad with scatterND, which sums duplicate ids just the same. Elsewhere TF.js's
 * own gradient is used unchanged.
 */
function tfEmbedding(): (table: tf.Tensor, ids: tf.Tensor) => tf.Tensor {
  if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return (table, ids) => tf.gather(table, ids);
  return (table, ids) => {
    const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
      const t = args[0] as tf.Tensor;
      return {
        value: tf.gather(t, ids),
        gradFunc: (dy: tf.Tensor) => {
          const rows = ids.size;
          const flat = tf.reshape(dy, [rows, ...t.shape.slice(1)]);
          return tf.scatterND(tf.reshape(ids, [rows, 1]), flat, t.shape);
        },
      };
    });
    return f(table);
  };
}
