/**
 * An imported ONNX model: what the engine needs to evaluate it as a function of (θ, x).
 *
 * - θ (`params`): every floating-point initializer of rank ≥ 1, in the file's order, except
 *   the running mean and variance of BatchNormalization nodes; θ₀ = the stored values.
 *   Weight decay applies to those of rank ≥ 2.
 * - `constants`: the other initializers (integer shapes, scalars, running statistics).
 * - `segments`: the node list cut into remat blocks (runs of consecutive computing nodes
 *   whose names share their first `block_depth` path components); each knows the tensors it
 *   reads from before it and the ones later segments (or the output) read from it.
 */
import type { ConstArray } from './constArray.js';
import type { OnnxNode } from './nodes.js';

export interface OnnxParam {
  readonly name: string;
  readonly shape: readonly number[];
  /** Whether the weight-decay term includes it (rank ≥ 2). */
  readonly decayed: boolean;
  /** θ₀, as stored in the file. */
  readonly values: Float64Array;
}

export interface Segment {
  /** The block: the first `block_depth` path components its computing nodes share. */
  readonly key: string;
  readonly nodes: readonly OnnxNode[];
  /** Tensors (by ONNX value name) the segment reads that were computed before it, or θ, or x. */
  readonly inputs: readonly string[];
  /** Tensors it computes that later segments or the model's output read. */
  readonly outputs: readonly string[];
}

export interface OnnxModel {
  readonly opset: number;
  readonly producer: string;
  readonly inputName: string;
  /** The input's shape for one example (without the batch dimension, which the batches give). */
  readonly inputShape: readonly number[];
  readonly outputName: string;
  /** The prediction's shape for one example: [C] (logits) or [D]. */
  readonly outputShape: readonly number[];
  readonly params: readonly OnnxParam[];
  readonly constants: ReadonlyMap<string, ConstArray>;
  readonly nodes: readonly OnnxNode[];
  /** Names of the values computed from x or θ (the rest fold to constants at import). */
  readonly computed: ReadonlySet<string>;
  readonly segments: readonly Segment[];
  readonly blockDepth: number;
}
