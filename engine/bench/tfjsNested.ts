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
 * engine/meta/objective.ts, engine/meta/optimizers.ts) so float32 numbers agree:
 * gelu in tanh form, LayerNorm eps 1e-5 over the last axis, q scaled by 1/√dh before q·kᵀ,
 * an additive causal mask of −1e9, softmax / log-softmax shifted by a max that carries no
 * derivative, Adam with a where-based √v̂ whose derivative is 0 where v̂ = 0.
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
 *    (see `perExampleLoss`), and when tf.grads throws, TF.js leaves the tape's kept tensors
 *    alive (`nestedTfjsMetaGradient` frees everything it made, whatever happens).
 *
 * Ops used as they are, whose gradients' gradients were checked against finite differences:
 * add, sub, mul, div, square, sqrt, log, matMul (2-D and batched), sum, mean, reshape,
 * transpose, slice, relu (gradient via `step`), tf.where with a constant condition, gather (cpu).
 *
 * ## Peak bytes
 * TF.js's byte counter `tf.memory().numBytes` is `engine.state.numBytes`, changed only by
 * `Engine.trackTensor` (+bytes, every tensor handle made: kernel outputs, uploads, clones,
 * kernel-internal temporaries made through the engine) and `Engine.disposeTensor` (−bytes);
 * both are invoked as `this.trackTensor(…)` / `this.disposeTensor(…)` or through the tracker
 * function, so instance properties shadowing the prototype methods see every call.
 * `trackTfjsBytes` installs such wrappers that call the original and then take the running
 * max of `state.numBytes`: exact, not sampled. The baseline is the counter just before the
 * setup's tensors are uploaded, so the peak includes θ₀, η and the batches, like the engine's
 * `peak_bytes`. TF.js saves a clone of every tensor a gradient needs; on wasm the Identity
 * kernel copies, so those clones are real memory, while on cpu they share the buffer and
 * `numBytes` (which counts every handle in full) counts it twice; `peakBufferBytes` counts
 * distinct data buffers instead.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone registers no gradient functions; the `@tensorflow/tfjs` union package does this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';

import { materialise, type Materialised } from '../setup/materialise.js';
import type { Activation, HostTensor, MetaName, MlpSpec, OptimizerSpec, Setup, TransformerSpec } from '../setup/types.js';

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

// ---- the byte counter instrument --------------------------------------------------------

interface EngineInternals {
  state: {
    numBytes: number;
    gradientDepth: number;
    kernelDepth: number;
    activeTape: unknown[] | null;
    tensorInfo: Map<object, { bytes: number }>;
  };
  trackTensor(a: tf.Tensor, backend: unknown): void;
  disposeTensor(a: tf.Tensor): void;
}

export interface ByteTracker {
  /** tf.memory().numBytes when tracking began. */
  readonly baseline: number;
  /** Highest tf.memory().numBytes seen since, less the baseline. */
  peak(): number;
  /** Highest total of distinct data-buffer bytes since, less its value at the start. */
  peakBuffers(): number;
  /** Tensors made since tracking began and not disposed yet. */
  readonly live: Set<tf.Tensor>;
  /** Removes the wrappers. */
  stop(): void;
}

/** Starts exact peak tracking of TF.js's byte counter (see the file comment). */
export function trackTfjsBytes(): ByteTracker {
  const engine = tf.engine() as unknown as EngineInternals;
  const baseline = engine.state.numBytes;
  let max = baseline;
  let buffers = 0;
  let maxBuffers = 0;
  const live = new Set<tf.Tensor>();
  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  // Trackers nest: each restores exactly what it shadowed.
  const ownTrack = Object.getOwnPropertyDescriptor(engine, 'trackTensor');
  const ownDispose = Object.getOwnPropertyDescriptor(engine, 'disposeTensor');
  engine.trackTensor = function (this: EngineInternals, a: tf.Tensor, backend: unknown) {
    const fresh = !this.state.tensorInfo.has(a.dataId);
    track.call(this, a, backend);
    live.add(a);
    if (fresh) {
      buffers += this.state.tensorInfo.get(a.dataId)?.bytes ?? 0;
      if (buffers > maxBuffers) maxBuffers = buffers;
    }
    if (this.state.numBytes > max) max = this.state.numBytes;
  };
  engine.disposeTensor = function (this: EngineInternals, a: tf.Tensor) {
    const info = this.state.tensorInfo.get(a.dataId);
    dispose.call(this, a);
    live.delete(a);
    if (info && !this.state.tensorInfo.has(a.dataId)) buffers -= info.bytes;
  };
  return {
    baseline,
    peak: () => max - baseline,
    peakBuffers: () => maxBuffers,
    live,
    stop: () => {
      // The wrappers are own properties shadowing the prototype's methods (or an outer tracker's).
      const restore = (key: 'trackTensor' | 'disposeTensor', own: PropertyDescriptor | undefined) => {
        if (own) Object.defineProperty(engine, key, own);
        else delete (engine as Partial<EngineInternals>)[key];
      };
      restore('trackTensor', ownTrack);
      restore('disposeTensor', ownDispose);
    },
  };
}

/** Thrown when the wasm heap cannot grow (its `_malloc` returns 0, which TF.js does not check). */
export class TfjsOutOfMemory extends Error {
  constructor(bytes: number) {
    super(`TF.js backend could not allocate ${bytes} bytes`);
    this.name = 'TfjsOutOfMemory';
  }
}

/**
 * While `fn` runs, a failed wasm allocation throws `TfjsOutOfMemory`. Unchecked, the wasm
 * backend writes the tensor at address 0 and corrupts the heap (then a kernel may fault with
 * "memory access out of bounds", or results are silently wrong).
 */
function guardWasmMalloc<T>(fn: () => T): T {
  const backend = tf.backend() as unknown as { wasm?: { _malloc(n: number): number } };
  const wasm = backend.wasm;
  if (!wasm || typeof wasm._malloc !== 'function') return fn();
  const malloc = wasm._malloc;
  wasm._malloc = (n: number) => {
    const p = malloc.call(wasm, n);
    if (p === 0 && n > 0) throw new TfjsOutOfMemory(n);
    return p;
  };
  try {
    return fn();
  } finally {
    wasm._malloc = malloc;
  }
}

// ---- twice-differentiable building blocks (see gap list above) --------------------------

type Unary = (x: tf.Tensor) => tf.Tensor;

/** An elementwise op whose customGrad saves its input x and returns dy·f′(x), f′ built from TF.js ops. */
function savingInput(f: Unary, derivative: Unary): Unary {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    (args[1] as tf.GradSaveFunc)([x]);
    return { value: f(x), gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0]!)) };
  });
  return (x) => op(x);
}

const exp = savingInput(tf.exp, tf.exp);
const tanh = savingInput(tf.tanh, (x) => tf.sub(1, tf.square(tf.tanh(x))));
const sigmoid = savingInput(tf.sigmoid, (x) => {
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
function safeSqrt(x: tf.Tensor): tf.Tensor {
  const pos = positive(x);
  return tf.where(pos, tf.sqrt(tf.where(pos, x, tf.ones(x.shape))), tf.zeros(x.shape));
}

function logSoftmax(x: tf.Tensor): tf.Tensor {
  const shift = stopMax(x);
  return tf.sub(x, tf.add(tf.log(tf.sum(exp(tf.sub(x, shift)), -1, true)), shift));
}

function softmax(x: tf.Tensor): tf.Tensor {
  const e = exp(tf.sub(x, stopMax(x)));
  return tf.div(e, tf.sum(e, -1, true));
}

function gelu(z: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(z, tf.mul(tf.mul(tf.mul(z, z), z), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(z, 0.5), tf.add(tanh(inner), 1));
}

function layerNorm(x: tf.Tensor, gain: tf.Tensor, bias: tf.Tensor, eps = 1e-5): tf.Tensor {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.mul(centred, centred), -1, true);
  return tf.add(tf.mul(tf.div(centred, tf.sqrt(tf.add(variance, eps))), gain), bias);
}

/** Rows `ids` of `table`, differentiable twice on every backend (gap 3). */
function embedding(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
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

// ---- models and losses -------------------------------------------------------------------

const activations: Record<Activation, Unary> = { tanh, relu: tf.relu, sigmoid, gelu };

function mlpForward(model: MlpSpec, theta: readonly tf.Tensor[], x: tf.Tensor): tf.Tensor {
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

function transformerForward(model: TransformerSpec, p: Named, ids: tf.Tensor, causal: tf.Tensor): tf.Tensor {
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
function perExampleLoss(kind: Setup['loss'], pred: tf.Tensor, y: tf.Tensor): tf.Tensor {
  if (kind === 'mse') {
    const d = tf.sub(pred, y);
    return tf.mul(tf.sum(tf.mul(d, d), -1), 0.5);
  }
  const classes = pred.shape[pred.rank - 1]!;
  // Not tf.oneHot(y, C, 1, 0, 'float32'): the wasm OneHot kernel ignores `dtype` and writes
  // int32 bits into the float32 tensor (1 reads as 1.4e-45). The int32 default plus a cast is right.
  return tf.neg(tf.sum(tf.mul(logSoftmax(pred), tf.cast(tf.oneHot(y, classes), 'float32')), -1));
}

// ---- optimisers ---------------------------------------------------------------------------

type OptState = tf.Tensor[][];

function optimizerStep(spec: OptimizerSpec, theta: tf.Tensor[], g: tf.Tensor[], state: OptState, lrs: tf.Tensor[], t: number) {
  const fresh = state.length === 0;
  if (spec.kind === 'sgd') return { theta: theta.map((p, k) => tf.sub(p, tf.mul(lrs[k]!, g[k]!))), state: [] as OptState };
  if (spec.kind === 'momentum') {
    const m = g.map((gk, k) => (fresh ? gk : tf.add(tf.mul(state[k]![0]!, spec.beta), gk)));
    return { theta: theta.map((p, k) => tf.sub(p, tf.mul(lrs[k]!, m[k]!))), state: m.map((mk) => [mk]) };
  }
  const { b1, b2, eps } = spec;
  const next = g.map((gk, k) => {
    const m = fresh ? tf.mul(gk, 1 - b1) : tf.add(tf.mul(state[k]![0]!, b1), tf.mul(gk, 1 - b1));
    const v = fresh ? tf.mul(tf.square(gk), 1 - b2) : tf.add(tf.mul(state[k]![1]!, b2), tf.mul(tf.square(gk), 1 - b2));
    return [m, v];
  });
  const theta1 = theta.map((p, k) => {
    const [m, v] = next[k] as [tf.Tensor, tf.Tensor];
    const mHat = tf.div(m, 1 - b1 ** (t + 1));
    const vHat = tf.div(v, 1 - b2 ** (t + 1));
    return tf.sub(p, tf.mul(lrs[k]!, tf.div(mHat, tf.add(safeSqrt(vHat), eps))));
  });
  return { theta: theta1, state: next };
}

// ---- the meta-gradient ----------------------------------------------------------------------

interface Uploaded {
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
function uploadAll(setup: Setup, data: Materialised): Uploaded {
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
function uploadMask(setup: Setup, up: Uploaded): void {
  if (setup.model.kind === 'transformer') {
    const s = setup.model.seq;
    const mask = new Float32Array(s * s);
    for (let i = 0; i < s; i++) for (let j = i + 1; j < s; j++) mask[i * s + j] = -1e9;
    up.causal = tf.tensor(mask, [s, s]);
  }
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

function disposeUploaded(up: Uploaded): void {
  tf.dispose([...up.theta0, up.logLr, up.logits, ...up.inner.flatMap((b) => [b.x, b.y]), up.outer.x, up.outer.y]);
  if (up.logWd) up.logWd.dispose();
  if (up.causal) up.causal.dispose();
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
      const up = uploadAll(setup, data);
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

/** Size of the wasm heap now, or 0 on another backend. */
function wasmHeapBytes(): number {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.length ?? 0;
}

/** The largest wasm heap (Emscripten's getHeapMax: 4 GiB less one 64 KiB page). */
const WASM_HEAP_MAX = 4294901760;

/**
 * True for an allocation failure of a TF.js backend: a refused wasm `_malloc` from JS
 * (`TfjsOutOfMemory`), an Emscripten abort from a failed C++ allocation (kernels allocate
 * some bookkeeping and temporaries themselves) once the heap has grown to its maximum, or a
 * host typed array that cannot be allocated (cpu backend).
 */
export function isAllocationFailure(e: unknown, heapBytes = wasmHeapBytes()): boolean {
  if (e instanceof TfjsOutOfMemory) return true;
  if (e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(e.message)) return true;
  return e instanceof WebAssembly.RuntimeError && /Aborted/.test(e.message) && heapBytes > 0.9 * WASM_HEAP_MAX;
}

/** An Emscripten abort leaves the wasm module unusable: it must be replaced. */
function isWasmAbort(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError && /Aborted/.test(e.message);
}

/**
 * Replaces the current backend by a fresh instance from its registered factory (for wasm a
 * new module with an empty heap); kernels are set up again by `setBackend`.
 */
async function restartBackend(): Promise<void> {
  const name = tf.getBackend();
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }>;
    registry: Record<string, tf.KernelBackend>;
  };
  const entry = engine.registryFactory[name];
  if (!entry) throw new Error(`backend '${name}' has no registered factory`);
  // The aborted module's own dispose faults ("memory access out of bounds"): skip it, the
  // whole module (heap included) is garbage once the engine lets go of it.
  const dead = engine.registry[name];
  if (dead) dead.dispose = () => {};
  tf.removeBackend(name);
  tf.registerBackend(name, entry.factory, entry.priority);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' could not be restarted`);
  await tf.ready();
}

export type NestedRow =
  | { readonly peakBytes: number; readonly peakBufferBytes: number; readonly inputBytes: number; readonly timeMs: number }
  | { readonly oom: true };

/**
 * One benchmark row for a setup on the current backend (select it first, e.g.
 * `await useBackend('wasm')`): TF.js's peak bytes and the time, or `{oom: true}` when an
 * allocation fails (the wasm heap stops at 4 GiB). After a failure every tensor of the run is
 * disposed and, if the wasm module aborted, the backend is restarted, so the process can go on.
 */
export async function benchNestedRow(setup: Setup): Promise<NestedRow> {
  const data = materialise(setup);
  try {
    const r = nestedTfjsMetaGradient(setup, data);
    return { peakBytes: r.peakBytes, peakBufferBytes: r.peakBufferBytes, inputBytes: r.inputBytes, timeMs: r.timeMs };
  } catch (e) {
    const oom = isAllocationFailure(e);
    if (isWasmAbort(e)) await restartBackend();
    if (oom) return { oom: true };
    throw e;
  }
}
