/**
 * The parsed, validated `mixflow-setup/1` file (see /work/shared/spec/setup-format.md and
 * README). `parseSetup` (validate.ts) produces a `Setup`; `materialise` turns it into concrete
 * host tensors. Defaults of the optimiser are filled here; defaults of η are filled by
 * `materialise`, because their shapes depend on T and B.
 */
import type { OnnxModel } from '../import/onnx/model.js';

/** Numbers on the host, row-major, whatever the engine's precision: float64 storage. */
export interface HostTensor {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float64Array;
}

export type Activation = 'tanh' | 'relu' | 'sigmoid' | 'gelu';
export const ACTIVATIONS: readonly Activation[] = ['tanh', 'relu', 'sigmoid', 'gelu'];

export interface MlpSpec {
  kind: 'mlp';
  /** [d0, …, dL]; L = sizes.length − 1 layers. */
  sizes: number[];
  activation: Activation;
}

export interface TransformerSpec {
  kind: 'transformer';
  vocab: number;
  d_model: number;
  heads: number;
  layers: number;
  seq: number;
  d_ff: number;
}

/**
 * `{"kind":"onnx","file":PATH,"block_depth":k}`: the user's own model, imported at validation
 * (engine/import/onnx/). `file` is as written in the setup; `path` is resolved against the
 * setup file's folder.
 */
export interface OnnxSpec {
  kind: 'onnx';
  file: string;
  path: string;
  block_depth: number;
  graph: OnnxModel;
}

export type ModelSpec = MlpSpec | TransformerSpec | OnnxSpec;

export type LossKind = 'mse' | 'xent';

export type MetaName = 'log_lr' | 'log_wd' | 'example_logits' | 'theta0';
export const META_NAMES: readonly MetaName[] = ['log_lr', 'log_wd', 'example_logits', 'theta0'];

/** θ₀: explicit tensors in parameter order (MLP: W_0, b_0, W_1, b_1, …), generated, or an ONNX file's. */
export type Theta0Spec =
  | { init: 'explicit'; tensors: HostTensor[] }
  | { init: 'glorot'; seed: number }
  /** An ONNX model's own initializers. */
  | { init: 'model' };

export type OptimizerSpec =
  | { kind: 'sgd' }
  | { kind: 'momentum'; beta: number }
  | { kind: 'adam'; b1: number; b2: number; eps: number };

export const OPTIMIZER_DEFAULTS = { beta: 0.9, b1: 0.9, b2: 0.999, eps: 1e-8 } as const;

/**
 * One batch. MLP: x float32 [B, d0]; y float32 [B, dL] (mse) or int32 [B] (xent). ONNX: x
 * float32 [B, …input shape], y as an MLP's with the prediction's [C] or [D].
 * Transformer: x, y int32 [B, S].
 */
export interface Batch {
  x: HostTensor;
  y: HostTensor;
}

export type InnerSpec =
  | { kind: 'explicit'; batches: Batch[] }
  | { kind: 'synthetic'; seed: number; batch: number; steps: number };

export type OuterSpec =
  | { kind: 'explicit'; batch: Batch }
  | { kind: 'synthetic'; seed: number; batch: number };

/** η as given in the file; absent entries take their defaults in `materialise`. */
export interface EtaSpec {
  /** One shared number, or one per parameter tensor. */
  log_lr?: number | number[];
  log_wd?: number;
  /** [T, B] (MLP) or [T, B, S] (transformer). */
  example_logits?: HostTensor;
}

export interface Setup {
  model: ModelSpec;
  loss: LossKind;
  theta0: Theta0Spec;
  optimizer: OptimizerSpec;
  inner: InnerSpec;
  outer: OuterSpec;
  eta: EtaSpec;
  /** Unique names, in the file's order. */
  wrt: MetaName[];
}

/** T, the number of inner steps. */
export function innerSteps(setup: Pick<Setup, 'inner'>): number {
  return setup.inner.kind === 'explicit' ? setup.inner.batches.length : setup.inner.steps;
}

/** B, the batch size every inner step shares. */
export function innerBatchSize(setup: Pick<Setup, 'inner'>): number {
  return setup.inner.kind === 'explicit' ? setup.inner.batches[0]!.x.shape[0]! : setup.inner.batch;
}

/** B_out, the outer batch's size. */
export function outerBatchSize(setup: Pick<Setup, 'outer'>): number {
  return setup.outer.kind === 'explicit' ? setup.outer.batch.x.shape[0]! : setup.outer.batch;
}

/** Shape of `example_logits`: [T, B], or [T, B, S] for a transformer. */
export function exampleLogitsShape(setup: Pick<Setup, 'inner' | 'model'>): number[] {
  const tb = [innerSteps(setup), innerBatchSize(setup)];
  return setup.model.kind === 'transformer' ? [...tb, setup.model.seq] : tb;
}

/** The shape of one example's x for an MLP or ONNX model: [d0], or the ONNX input's shape. */
export function exampleShape(model: MlpSpec | OnnxSpec): number[] {
  return model.kind === 'mlp' ? [model.sizes[0]!] : [...model.graph.inputShape];
}

/** The prediction's width for an MLP or ONNX model: dL, or the ONNX output's C (or D). */
export function predictionWidth(model: MlpSpec | OnnxSpec): number {
  return model.kind === 'mlp' ? model.sizes[model.sizes.length - 1]! : model.graph.outputShape[0]!;
}

export function hostTensor(shape: number[], dtype: HostTensor['dtype'] = 'float32', data?: Float64Array): HostTensor {
  const n = shape.reduce((a, d) => a * d, 1);
  if (data && data.length !== n) throw new Error(`hostTensor: ${data.length} values for shape [${shape}]`);
  return { shape, dtype, data: data ?? new Float64Array(n) };
}
