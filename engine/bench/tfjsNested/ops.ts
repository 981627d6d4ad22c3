/**
 * Twice-differentiable TF.js building blocks of the nested-TF.js baseline. The maths copies
 * the engine's formulas (engine/ops/nn.ts, engine/meta/optimizers.ts) so float32 numbers
 * agree: gelu in tanh form, LayerNorm eps 1e-5 over the last axis, softmax / log-softmax
 * shifted by a max that carries no derivative, a where-based √ whose derivative is 0 at 0.
 *
 * ## TF.js higher-order gradient gaps (tfjs-core 4.22, checked in test/bench/tfjsNested.test.ts)
 *
 * 1. Kernels whose gradient reads their saved *output* — Exp, Tanh, Sigmoid, Softmax,
 *    LogSoftmax (its custom gradient saves its value); by the same mechanism, unused here,
 *    Elu and Pow's derivative in its exponent — are not differentiable a second time: the engine saves a `clone` of the output and records the
 *    clone's tape node *before* the kernel's own node, so `getFilteredNodesXToY` (one forward
 *    sweep over the tape) never marks the clone as depending on x. The second-order term
 *    through the saved output is silently dropped (or, when it is the only path, tf.grads
 *    throws "Cannot compute gradient of y=f(x) with respect to x"). Here exp, tanh and
 *    sigmoid are therefore `tf.customGrad` ops that save their *input* and recompute the
 *    derivative from it (`savingInput`); softmax / log-softmax are composed from that exp,
 *    sum, log, sub and div.
 * 2. `tf.max` (gradient uses `equal`, which has no gradient) and `tf.greater` (no gradient at
 *    all, so even a first-order gradient through `tf.where(tf.greater(x, 0), …)` throws):
 *    the softmax shift is a `tf.customGrad` stop-gradient around `tf.max` (`stopMax`, as the
 *    engine's `stopGradient(max(…))`), and Adam's √v̂ condition is a customGrad
 *    `greater` with a zero gradient (`positive`). The √v̂ is differentiated once only (it is
 *    in the update, not in the inner loss); tf.where's own gradient uses `logicalNot`, which
 *    has no gradient, so a where whose condition depends on x is not twice differentiable.
 * 3. `tf.gather`'s gradient is `unsortedSegmentSum`, which the wasm backend lacks (first
 *    order already fails there). Where that kernel is missing, the embedding lookup is a
 *    customGrad gather whose gradient is a customGrad scatterND (summing duplicate ids)
 *    whose gradient is a gather again: differentiable twice. Elsewhere tf.gather is used
 *    as is (its gradient's gradient, gather of the cotangent, is correct).
 * 4. Not a gradient gap, but on the way: the wasm OneHot kernel ignores its `dtype` argument
 *    (see `perExampleLoss` in model.ts), and when tf.grads throws, TF.js leaves the tape's kept
 *    tensors alive (`nestedTfjsMetaGradient` frees everything it made, whatever happens).
 *
 * Ops used as they are, whose gradients' gradients were checked against finite differences:
 * add, sub, mul, div, square, sqrt, log, matMul (2-D and batched), sum, mean, reshape,
 * transpose, slice, relu (gradient via `step`), tf.where with a constant condition, gather (cpu).
 */
import * as tf from '@tensorflow/tfjs-core';

export type Unary = (x: tf.Tensor) => tf.Tensor;

/** An elementwise op whose customGrad saves its input x and returns dy·f′(x), f′ built from TF.js ops. */
function savingInput(f: Unary, derivative: Unary): Unary {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return { value: f(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0]!)) };
  });
  return (x) => op(x);
}

export const exp = savingInput(tf.exp, tf.exp);
export const tanh = savingInput(tf.tanh, (x) => tf.sub(1, tf.square(tf.tanh(x))));
export const sigmoid = savingInput(tf.sigmoid, (x) => {
  const s = tf.sigmoid(x);
  return tf.mul(s, tf.sub(1, s));
});

/** max over the last axis (kept), with no derivative: the engine's stopGradient(max(x, [-1], true)). */
const stopMax = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.max(x, -1, true), gradFunc: () => tf.zeros(x.shape) };
}) as Unary;

/** x > 0 as a bool tensor, with a zero gradient (tf.greater has none registered). */
const positive = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.greater(x, 0), gradFunc: () => tf.zeros(x.shape) };
}) as Unary;

/** √x with derivative 0 where x = 0 (engine/meta/optimizers.ts `safeSqrt`). */
export function safeSqrt(x: tf.Tensor): tf.Tensor {
  const pos = positive(x);
  return tf.where(pos, tf.sqrt(tf.where(pos, x, tf.ones(x.shape))), tf.zeros(x.shape));
}

export function logSoftmax(x: tf.Tensor): tf.Tensor {
  const shift = stopMax(x);
  return tf.sub(x, tf.add(tf.log(tf.sum(exp(tf.sub(x, shift)), -1, true)), shift));
}

export function softmax(x: tf.Tensor): tf.Tensor {
  const e = exp(tf.sub(x, stopMax(x)));
  return tf.div(e, tf.sum(e, -1, true));
}

export function gelu(z: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(z, tf.mul(tf.mul(tf.mul(z, z), z), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(z, 0.5), tf.add(tanh(inner), 1));
}

export function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.mul(centred, centred), -1, true);
  return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, eps))), gain), bias);
}

/** Rows `ids` of `table`, differentiable twice on every backend (gap 3). */
export function embedding(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  if (tf.getKernel('UnsortedSegmentSum', tf.getBackend())) return tf.gather(table, ids);
  const rows = ids.size;
  const width = table.shape[1]!;
  const flatIds = tf.reshape(ids, [rows, 1]);
  const scatter = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const dy = args[0] as tf.Tensor;
    return {
      value: tf.scatterND(flatIds, tf.reshape(dy, [rows, width]), table.shape),
      gradFunc: (c: tf.Tensor) => tf.gather(c, ids),
    };
  });
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const t = args[0] as tf.Tensor;
    return { value: tf.gather(t, ids), gradFunc: (dy: tf.Tensor) => scatter(dy) };
  });
  return lookup(table);
}

/** The twice-differentiable replacements, exported for the tests that check them. */
export const secondOrderOps = { exp, tanh, sigmoid, softmax, logSoftmax, gelu, layerNorm, embedding, safeSqrt, stopMax } as const;
