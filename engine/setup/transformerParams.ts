/**
 * Parameter tensors of the models: names, shapes, order, kind and whether weight decay
 * applies (an ONNX model's come from its file: see `onnxParamSpecs` and engine/import/onnx/). The order is normative: a per-tensor `log_lr` follows it, θ₀ is materialised in it
 * and a transformer's `theta0` meta-gradient is keyed by these names.
 *
 * MLP with sizes [d0, …, dL]: `layer{k}.w` [d_k, d_{k+1}], `layer{k}.b` [d_{k+1}] for
 * k = 0 … L−1, i.e. W_0, b_0, W_1, b_1, …; decay on the W's.
 *
 * Transformer (V vocab, D d_model, S seq, F d_ff, N layers), 2 + 12·N + 4 tensors:
 *   tok_emb [V,D], pos_emb [S,D],
 *   for each block i = 0 … N−1:
 *     block{i}.ln1.g [D], block{i}.ln1.b [D],
 *     block{i}.attn.wq [D,D], block{i}.attn.wk [D,D], block{i}.attn.wv [D,D], block{i}.attn.wo [D,D],
 *     block{i}.ln2.g [D], block{i}.ln2.b [D],
 *     block{i}.mlp.w1 [D,F], block{i}.mlp.b1 [F], block{i}.mlp.w2 [F,D], block{i}.mlp.b2 [D],
 *   ln_f.g [D], ln_f.b [D], out.w [D,V], out.b [V].
 * Decay applies to the attention, MLP and output matrices (kind 'matrix') only, never to
 * embeddings, norms or biases.
 *
 * Initialisation (`theta0: {"init":"glorot","seed":S}`, see materialise.ts / prng.ts):
 *   'matrix'     glorot uniform, U(−a, a) with a = √(6/(fan_in + fan_out)), shape [fan_in, fan_out]
 *   'embedding'  N(0, 0.02²)
 *   'norm_gain'  1
 *   'bias', 'norm_bias'  0
 */
import type { ModelSpec, OnnxSpec, TransformerSpec } from './types.js';

/** `initializer`: an ONNX model's parameter (θ₀ comes from the file, never generated). */
export type ParamKind = 'matrix' | 'bias' | 'embedding' | 'norm_gain' | 'norm_bias' | 'initializer';

export interface ParamSpec {
  name: string;
  shape: number[];
  kind: ParamKind;
  /** Whether the weight-decay term (λ/2)·‖W‖² includes this tensor. */
  decayed: boolean;
}

/** Standard deviation of the embeddings' normal initialisation. */
export const EMBEDDING_INIT_STD = 0.02;

function matrix(name: string, rows: number, cols: number): ParamSpec {
  return { name, shape: [rows, cols], kind: 'matrix', decayed: true };
}

function vector(name: string, n: number, kind: 'bias' | 'norm_gain' | 'norm_bias'): ParamSpec {
  return { name, shape: [n], kind, decayed: false };
}

function layerNorm(prefix: string, d: number): ParamSpec[] {
  return [vector(`${prefix}.g`, d, 'norm_gain'), vector(`${prefix}.b`, d, 'norm_bias')];
}

export function mlpParamSpecs(sizes: readonly number[]): ParamSpec[] {
  const specs: ParamSpec[] = [];
  for (let k = 0; k + 1 < sizes.length; k++) {
    specs.push(matrix(`layer${k}.w`, sizes[k]!, sizes[k + 1]!), vector(`layer${k}.b`, sizes[k + 1]!, 'bias'));
  }
  return specs;
}

export function transformerParamSpecs(spec: Omit<TransformerSpec, 'kind' | 'heads'> & { heads?: number }): ParamSpec[] {
  const { vocab: V, d_model: D, seq: S, d_ff: F, layers: N } = spec;
  const specs: ParamSpec[] = [
    { name: 'tok_emb', shape: [V, D], kind: 'embedding', decayed: false },
    { name: 'pos_emb', shape: [S, D], kind: 'embedding', decayed: false },
  ];
  for (let i = 0; i < N; i++) {
    const b = `block${i}`;
    specs.push(
      ...layerNorm(`${b}.ln1`, D),
      matrix(`${b}.attn.wq`, D, D),
      matrix(`${b}.attn.wk`, D, D),
      matrix(`${b}.attn.wv`, D, D),
      matrix(`${b}.attn.wo`, D, D),
      ...layerNorm(`${b}.ln2`, D),
      matrix(`${b}.mlp.w1`, D, F),
      vector(`${b}.mlp.b1`, F, 'bias'),
      matrix(`${b}.mlp.w2`, F, D),
      vector(`${b}.mlp.b2`, D, 'bias'),
    );
  }
  specs.push(...layerNorm('ln_f', D), matrix('out.w', D, V), vector('out.b', V, 'bias'));
  return specs;
}

/**
 * An ONNX model's parameters: its floating initializers of rank ≥ 1 in the file's order but
 * BatchNormalization's running statistics, keyed by initializer name; decay on rank ≥ 2.
 */
export function onnxParamSpecs(model: OnnxSpec): ParamSpec[] {
  return model.graph.params.map((p) => ({ name: p.name, shape: [...p.shape], kind: 'initializer', decayed: p.decayed }));
}

/** The parameter list of any model, in the normative order. */
export function paramSpecs(model: ModelSpec): ParamSpec[] {
  if (model.kind === 'onnx') return onnxParamSpecs(model);
  return model.kind === 'mlp' ? mlpParamSpecs(model.sizes) : transformerParamSpecs(model);
}
