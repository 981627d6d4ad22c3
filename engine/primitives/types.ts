import type * as tf from '@tensorflow/tfjs-core';
import type { Aval } from '../core/aval.js';
import type { Params } from '../ir/graph.js';
import type { RefArray } from '../kernels/ref/array.js';
import type { Tensor } from '../trace/tensor.js';
import type { OnnxContext, OnnxEmitter } from '../kernels/onnx/emitter.js';

/**
 * One primitive, defined once: its shape rule, its two kernels (TF.js float32 and the
 * float64 reference), its JVP rule and its VJP rule, and optionally its lowering to ONNX
 * nodes (for the onnxruntime backend, engine/exec/onnxruntime/). Rules are written with engine ops,
 * so every transformation nests. Tangents and cotangents use `null` for a symbolic zero.
 */
export interface Primitive<P extends Params = any> {
  readonly name: string;
  readonly shape: (inputs: readonly Aval[], params: P) => Aval;
  readonly tf: (inputs: tf.Tensor[], params: P) => tf.Tensor;
  readonly ref: (inputs: RefArray[], params: P) => RefArray;
  readonly jvp: (primals: Tensor[], tangents: (Tensor | null)[], out: Tensor, params: P) => Tensor | null;
  /**
   * Cotangents of the inputs. `needs[i]` says whether input i's is wanted (it is not for a
   * constant): a rule may give `null` there instead of building ops nobody reads.
   */
  readonly vjp: (ct: Tensor, primals: Tensor[], out: Tensor, params: P, needs: readonly boolean[]) => (Tensor | null)[];
  /** Emits the ONNX nodes computing this op from its inputs' value names; returns the output's name. */
  readonly onnx?: (e: OnnxEmitter, inputs: string[], params: P, ctx: OnnxContext) => string;
}

export function definePrimitive<P extends Params>(p: Primitive<P>): Primitive<P> {
  return p;
}
