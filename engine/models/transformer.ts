import * as E from '../index.js';

import type { TransformerSpec } from '../setup/types.js';

export type NamedParams = Readonly<Record<string, E.Tensor>>;

/** x·W (+ b) over the last axis of a [B,S,D] activation, as one 2-D matmul. */
function linear(x: E.Tensor, w: E.Tensor, b?: E.Tensor): E.Tensor {
  const [bsz, s, d] = x.shape;
  const y = E.reshape(E.matmul(E.reshape(x, [bsz * s, d]), w), [bsz, s, w.shape[1]]);
  return b ? E.add(y, b) : y;
}

/** [B,S,D] → [B,H,S,D/H]. */
function splitHeads(x: E.Tensor, heads: number): E.Tensor {
  const [bsz, s, d] = x.shape;
  return E.transpose(E.reshape(x, [bsz, s, heads, d / heads]), [0, 2, 1, 3]);
}

function mergeHeads(x: E.Tensor): E.Tensor {
  const [bsz, h, s, dh] = x.shape;
  return E.reshape(E.transpose(x, [0, 2, 1, 3]), [bsz, s, h * dh]);
}

/** Causal multi-head self-attention; queries are scaled before the product (cheaper than scaling scores). */
function attention(h: E.Tensor, p: NamedParams, prefix: string, heads: number): E.Tensor {
  const [, s, d] = h.shape;
  const q = splitHeads(E.mul(linear(h, p[`${prefix}.wq`]), 1 / Math.sqrt(d / heads)), heads);
  const k = splitHeads(linear(h, p[`${prefix}.wk`]), heads);
  const v = splitHeads(linear(h, p[`${prefix}.wv`]), heads);
  const scores = E.matmul(q, k, false, true);
  // An additive mask: its VJP passes the cotangent straight through (a select would keep the mask).
  const causal = E.select(E.compare(E.iota([s, s], 0), E.iota([s, s], 1), 'ge'), 0, -1e9);
  const probs = E.softmax(E.add(scores, causal));
  return linear(mergeHeads(E.matmul(probs, v)), p[`${prefix}.wo`]);
}

/** One pre-norm block: x + attn(LN(x)), then + MLP(LN(·)) with gelu. */
function block(x: E.Tensor, p: NamedParams, i: number, heads: number): E.Tensor {
  const pre = `block${i}`;
  const a = E.withScope('attn', () =>
    attention(E.layerNorm(x, p[`${pre}.ln1.g`], p[`${pre}.ln1.b`]), p, `${pre}.attn`, heads),
  );
  const x1 = E.add(x, a);
  const m = E.withScope('mlp', () => {
    const h = E.layerNorm(x1, p[`${pre}.ln2.g`], p[`${pre}.ln2.b`]);
    return linear(E.gelu(linear(h, p[`${pre}.mlp.w1`], p[`${pre}.mlp.b1`])), p[`${pre}.mlp.w2`], p[`${pre}.mlp.b2`]);
  });
  return E.add(x1, m);
}

/** Names of the parameters one block reads, so a checkpointed block takes exactly those. */
function blockParamNames(i: number): string[] {
  const pre = `block${i}`;
  return ['ln1.g', 'ln1.b', 'attn.wq', 'attn.wk', 'attn.wv', 'attn.wo', 'ln2.g', 'ln2.b', 'mlp.w1', 'mlp.b1', 'mlp.w2', 'mlp.b2'].map(
    (n) => `${pre}.${n}`,
  );
}

/**
 * Decoder-only pre-norm causal transformer: token + learned position embeddings, blocks,
 * final LayerNorm, untied output projection. Returns logits [B,S,V]. With `rematBlocks`
 * each block is a checkpointed region (the `block` rematerialisation policy).
 */
export function transformerForward(model: TransformerSpec, p: NamedParams, ids: E.Tensor, rematBlocks: boolean): E.Tensor {
  const s = ids.shape[1];
  let x = E.withScope('embed', () => E.add(E.gather(p['tok_emb'], ids), E.slice(p['pos_emb'], [0, 0], [s, model.d_model])));
  for (let i = 0; i < model.layers; i++) {
    const names = blockParamNames(i);
    const run = (xin: E.Tensor, ...ws: E.Tensor[]): E.Tensor => {
      const local: Record<string, E.Tensor> = {};
      names.forEach((n, k) => (local[n] = ws[k]));
      return block(xin, local, i, model.heads);
    };
    const step = rematBlocks ? E.checkpoint(run) : run;
    x = E.withScope(`block/${i}`, () => step(x, ...names.map((n) => p[n])));
  }
  return E.withScope('head', () => linear(E.layerNorm(x, p['ln_f.g'], p['ln_f.b']), p['out.w'], p['out.b']));
}
