/**
 * The external baseline of the meta-gradient benchmark: the setup's meta-gradient dV/dη
 * (/work/shared/spec/setup-format.md) written the way a TF.js user would, in plain
 * `@tensorflow/tfjs-core` on the current backend: the outer objective is differentiated with
 * `tf.valueAndGrads` w.r.t. the `wrt` tensors, and every unrolled inner step calls `tf.grads`
 * on the inner loss inside it. TF.js records that inner gradient computation on the outer
 * tape (`engine.gradients` runs the inner backward pass with `gradientDepth > 0`), so the
 * outer gradient is reverse-over-reverse through the whole unrolled loop. No engine code
 * takes part in the computation; only the setup layer (types, materialised host data).
 *
 * The maths copies the engine's formulas (engine/models/*.ts, engine/ops/nn.ts,
 * engine/meta/objective.ts, engine/meta/optimizers.ts) so float32 numbers agree; the TF.js
 * gaps in higher-order gradients it works around are listed in ops.ts, the byte count it
 * reports is described in bytes.ts.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the `@tensorflow/tfjs` union package does this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

import type { Materialised } from '../../setup/materialise.js';
import type { MetaName, Setup } from '../../setup/types.js';
import { trackTfjsBytes, type EngineInternals } from './bytes.js';
import { disposeUploaded, uploadAll, uploadMask, type Uploaded } from './inputs.js';
import { mlpForward, perExampleLoss, transformerForward } from './model.js';
import { guardWasmMalloc } from './oom.js';
import { exp, sigmoid } from './ops.js';
import { optimizerStep, type OptState } from './optimizer.js';

export interface NestedResult {
  readonly outerLoss: number;
  readonly metaGrads: Partial<Record<MetaName, Float32Array[]>>;
  /** Peak growth of tf.memory().numBytes over its value before the upload of the setup's tensors. */
  readonly peakBytes: number;
  /** The same for distinct data buffers (clones sharing a buffer counted once). */
  readonly peakBufferBytes: number;
  /** Bytes of the setup's tensors (θ₀, η, batches), held throughout: peakBytes − inputBytes is the active peak. */
  readonly inputBytes: number;
  /** Wall clock of the computation, from after the upload to the downloaded results. */
  readonly timeMs: number;
}

/**
 * V(η) after T unrolled inner steps, each taking `tf.grads` of the inner loss; the arguments
 * are the differentiated tensors, in the order of `wrt` (θ₀ contributing one per tensor).
 */
function outerObjective(setup: Setup, data: Materialised, up: Uploaded, diff: tf.Tensor[]): tf.Scalar {
  let theta0 = up.theta0;
  let logLr = up.logLr;
  let logWd = up.logWd;
  let logits = up.logits;
  let k = 0;
  for (const name of setup.wrt) {
    if (name === 'theta0') theta0 = diff.slice(k, (k += theta0.length));
    else if (name === 'log_lr') logLr = diff[k++]!;
    else if (name === 'log_wd') logWd = diff[k++]!;
    else logits = diff[k++]!;
  }
  const params = data.params;
  const model = setup.model;
  const predict = (theta: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor => {
    if (model.kind === 'mlp') return mlpForward(model, theta, x);
    if (model.kind === 'onnx') throw new Error('the nested tf.grad baseline has no ONNX models (the engine rows do)');
    const named: Record<string, tf.Tensor> = {};
    params.forEach((p, i) => (named[p.name] = theta[i]!));
    return transformerForward(model, named, x, up.causal!);
  };
  const count = params.length;
  const lrs = logLr.rank === 0
    ? Array<tf.Tensor>(count).fill(exp(logLr))
    : params.map((_, i) => exp(tf.reshape(tf.slice(logLr, [i], [1]), [])));
  const rest = logits.shape.slice(1);

  let theta = theta0;
  let state: OptState = [];
  for (let t = 0; t < up.inner.length; t++) {
    // tidy frees the step's temporaries; the tape keeps (clones of) whatever the outer gradient needs.
    [theta, state] = tf.tidy(() => {
      const { x, y } = up.inner[t]!;
      const z = tf.reshape(tf.slice(logits, [t, ...rest.map(() => 0)], [1, ...rest]), rest);
      const innerLoss = (...th: tf.Tensor[]): tf.Scalar => {
        const losses = perExampleLoss(setup.loss, predict(th, x), y);
        const weights = tf.mul(sigmoid(z), 2);
        const dataTerm = tf.div(tf.sum(tf.mul(weights, losses)), losses.size);
        if (!logWd) return dataTerm as tf.Scalar;
        const norms = th.filter((_, i) => params[i]!.decayed).map((w) => tf.sum(tf.square(w)));
        return tf.add(dataTerm, tf.mul(tf.mul(exp(logWd), 0.5), norms.reduce((a, b) => tf.add(a, b)))) as tf.Scalar;
      };
      const g = tf.grads(innerLoss)(theta);
      const next = optimizerStep(setup.optimizer, theta, g, state, lrs, t);
      return [next.theta, next.state] as [tf.Tensor[], OptState];
    });
  }
  return tf.mean(perExampleLoss(setup.loss, predict(theta, up.outer.x), up.outer.y)) as tf.Scalar;
}

/**
 * The setup's outer loss and meta-gradients by nested TF.js gradients on the current backend
 * (select it first, e.g. `await useBackend('wasm')`), with TF.js's exact peak byte count and
 * the wall-clock time. On any failure (e.g. `TfjsOutOfMemory`) every tensor it made is
 * disposed and the engine's tape state reset before the error is rethrown.
 */
export function nestedTfjsMetaGradient(setup: Setup, data: Materialised): NestedResult {
  const tracker = trackTfjsBytes();
  const engine = tf.engine() as unknown as EngineInternals;
  const depth = engine.state.gradientDepth;
  try {
    return guardWasmMalloc(() => {
      const up = uploadAll(data);
      const inputBytes = tf.memory().numBytes - tracker.baseline;
      const t0 = performance.now();
      uploadMask(setup, up);
      const wrtTensors = setup.wrt.flatMap((name) =>
        name === 'theta0' ? up.theta0 : name === 'log_lr' ? [up.logLr] : name === 'log_wd' ? [up.logWd!] : [up.logits],
      );
      const { value, grads } = tf.valueAndGrads((...diff: tf.Tensor[]) => outerObjective(setup, data, up, diff))(wrtTensors);
      const outerLoss = value.dataSync()[0]!;
      const flat = grads.map((g) => Float32Array.from(g.dataSync()));
      const timeMs = performance.now() - t0;
      tf.dispose([value, ...grads]);
      disposeUploaded(up);
      const metaGrads: NestedResult['metaGrads'] = {};
      let k = 0;
      for (const name of setup.wrt) {
        metaGrads[name] = name === 'theta0' ? flat.slice(k, (k += up.theta0.length)) : [flat[k++]!];
      }
      return { outerLoss, metaGrads, peakBytes: tracker.peak(), peakBufferBytes: tracker.peakBuffers(), inputBytes, timeMs };
    });
  } catch (e) {
    // An exception inside tf.grads leaves the tape's saved (kept) tensors alive; scopes and
    // depths were unwound by the engine's own try/finally (scopedRun).
    engine.state.gradientDepth = depth;
    engine.state.kernelDepth = 0;
    if (depth === 0) engine.state.activeTape = null;
    throw e;
  } finally {
    for (const t of [...tracker.live]) {
      try {
        if (!t.isDisposed) t.dispose();
      } catch {
        // a wasm module that aborted may fail to free; benchNestedRow then replaces it
      }
    }
    tracker.stop();
  }
}
