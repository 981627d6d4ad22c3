/**
 * First-order gradient benchmark: the engine's traced-and-scheduled gradient against
 * TF.js's own tape (`tf.valueAndGrads`) on the same backend, for an MLP (4 × 512, tanh,
 * batch 256, MSE) and a small causal transformer (2 blocks, d_model 64, 2 heads, seq 64).
 *
 * Both sides do the same work per run: upload host inputs, compute loss and gradients,
 * download them, free everything. The engine is traced and scheduled once (reported as
 * `trace ms`); only execution is timed. Times are medians over several runs after warm-up.
 *
 * Peak bytes are measured with one instrument for both sides: TF.js's own byte counter
 * (`tf.memory().numBytes`, i.e. `engine.state.numBytes`), hooked with a setter so that
 * every change is seen, not just values at sample points (see `trackPeakBytes`). That
 * includes kernel-internal temporaries (e.g. the transposes a kernel makes before its
 * matmul). The engine's own accounting (`memory.peakBytes`, values between kernels only)
 * is reported next to it.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone ships no gradient functions; the `@tensorflow/tfjs` union package registers them like this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as E from '../index.js';

export interface Row {
  readonly model: string;
  readonly backend: string;
  /** Nodes in the engine's schedule. */
  readonly nodes: number;
  readonly traceMs: number;
  readonly engineMs: number;
  readonly tfMs: number;
  /** The engine's accounted peak (buffers between kernels), bytes. */
  readonly engineAccountedPeak: number;
  /** Peak of tf.memory().numBytes during an engine run, kernel temporaries included. */
  readonly enginePeak: number;
  /** Peak of tf.memory().numBytes during a tf.valueAndGrads run. */
  readonly tfPeak: number;
  /** max |engine − tf| / max |tf| over loss and gradients: both compute the same thing. */
  readonly maxRelDiff: number;
  /** Engine time by op (ms per run, from `timeNodes`), largest first. */
  readonly engineOpMs: readonly { op: string; ms: number; count: number }[];
}

// ---- the peak-bytes instrument -------------------------------------------------------

/**
 * Runs `fn` with TF.js's byte counter instrumented and returns the peak growth over the
 * counter's value at the start. Every tensor TF.js creates or disposes goes through
 * `trackTensor`/`disposeTensor`, which do `state.numBytes += / -= bytes` and nothing else
 * touches it; turning the field into an accessor therefore sees every intermediate value,
 * including allocations inside kernels and tapes that sampling between calls would miss.
 * (`numBytes` counts every tensor handle, so reshapes sharing a buffer count in full —
 * for both sides alike, and that is what the engine's accounting models too.)
 */
export function trackPeakBytes<T>(fn: () => T): { result: T; peak: number } {
  const state = (tf.engine() as unknown as { state: { numBytes: number } }).state;
  let value = state.numBytes;
  const start = value;
  let peak = value;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (v: number) => {
      value = v;
      if (v > peak) peak = v;
    },
  });
  try {
    return { result: fn(), peak: peak - start };
  } finally {
    Object.defineProperty(state, 'numBytes', { configurable: true, enumerable: true, writable: true, value });
  }
}

// ---- models: parameters, data, and the same loss written twice ------------------------

interface HostInput {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
  /** Differentiated (a parameter) or data. */
  readonly param: boolean;
}

interface Model {
  readonly name: string;
  readonly inputs: HostInput[];
  /** The loss with engine ops, over all inputs in order. */
  readonly engineLoss: (...xs: E.Tensor[]) => E.Tensor;
  /** The same loss with TF.js ops, over all inputs in order. */
  readonly tfLoss: (...xs: tf.Tensor[]) => tf.Scalar;
}

/** Seeded uniform values (mulberry32), so every run benchmarks identical numbers. */
function uniform(seed: number, n: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
let seedCounter = 1;
const param = (name: string, shape: number[], scale: number): HostInput => ({
  name,
  shape,
  dtype: 'float32',
  data: uniform(seedCounter++, size(shape), scale),
  param: true,
});
const ones = (name: string, shape: number[]): HostInput => ({ name, shape, dtype: 'float32', data: new Float32Array(size(shape)).fill(1), param: true });
const zeros = (name: string, shape: number[]): HostInput => ({ name, shape, dtype: 'float32', data: new Float32Array(size(shape)), param: true });

export function mlpModel(layers = 4, width = 512, batch = 256): Model {
  seedCounter = 1; // same numbers however many times a model is built
  const inputs: HostInput[] = [];
  for (let l = 0; l < layers; l++) {
    inputs.push(param(`w${l}`, [width, width], Math.sqrt(3 / width)), param(`b${l}`, [width], 0.1));
  }
  inputs.push({ ...param('x', [batch, width], 1), param: false }, { ...param('y', [batch, width], 0.5), param: false });
  return {
    name: `MLP ${layers}×${width} tanh, batch ${batch}, mse`,
    inputs,
    engineLoss: (...xs) => {
      let h = xs[2 * layers];
      for (let l = 0; l < layers; l++) h = E.tanh(E.add(E.matmul(h, xs[2 * l]), xs[2 * l + 1]));
      return E.mean(E.square(E.sub(h, xs[2 * layers + 1])));
    },
    tfLoss: (...xs) => {
      let h = xs[2 * layers];
      for (let l = 0; l < layers; l++) h = tf.tanh(tf.add(tf.matMul(h, xs[2 * l]), xs[2 * l + 1]));
      return tf.mean(tf.square(tf.sub(h, xs[2 * layers + 1])));
    },
  };
}

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
  seedCounter = 1000;
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

// ---- running both sides ----------------------------------------------------------------

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** One TF.js run, doing what `runTfjs` does: upload, loss + gradients, download, free. */
function runTfOnce(model: Model): Float32Array[] {
  const tensors = model.inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype));
  try {
    const params = model.inputs.flatMap((inp, k) => (inp.param ? [k] : []));
    const f = (...ps: tf.Tensor[]) => {
      const all = [...tensors];
      params.forEach((k, j) => (all[k] = ps[j]));
      return model.tfLoss(...all);
    };
    const { value, grads } = tf.valueAndGrads(f)(params.map((k) => tensors[k]));
    const outs = [value, ...grads].map((t) => Float32Array.from(t.dataSync()));
    [value, ...grads].forEach((t) => t.dispose());
    return outs;
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}

export interface BenchOptions {
  readonly runs?: number;
  readonly warmup?: number;
  readonly models?: readonly Model[];
}

export async function benchFirstOrder(backend: E.BackendName, opts: BenchOptions = {}): Promise<Row[]> {
  const { runs = 5, warmup = 2 } = opts;
  const used = await E.useBackend(backend);
  const models = opts.models ?? [mlpModel(), transformerModel()];
  const rows: Row[] = [];
  for (const model of models) {
    const params = model.inputs.flatMap((inp, k) => (inp.param ? [k] : []));
    const t0 = performance.now();
    const { graph } = E.traceGraph(
      (...xs: E.Tensor[]) => {
        const [value, grads] = E.valueAndGrad(model.engineLoss, params)(...xs);
        return [value, ...(grads as E.Tensor[])];
      },
      model.inputs.map((i) => ({ shape: i.shape, dtype: i.dtype, name: i.name })),
    );
    const sched = E.schedule(graph);
    const traceMs = performance.now() - t0;
    const host = model.inputs.map((i) => ({ shape: i.shape, data: i.data }));

    for (let i = 0; i < warmup; i++) {
      E.runTfjs(sched, host);
      runTfOnce(model);
    }
    // Alternate the two so drift (GC, thermal) hits both alike.
    const engineTimes: number[] = [];
    const tfTimes: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t = performance.now();
      E.runTfjs(sched, host);
      engineTimes.push(performance.now() - t);
      t = performance.now();
      runTfOnce(model);
      tfTimes.push(performance.now() - t);
    }
    const eng = trackPeakBytes(() => E.runTfjs(sched, host));
    const ref = trackPeakBytes(() => runTfOnce(model));
    let maxDiff = 0;
    let maxRef = 0;
    ref.result.forEach((r, k) => {
      const e = eng.result.outputs[k];
      for (let j = 0; j < r.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(e[j] - r[j]));
        maxRef = Math.max(maxRef, Math.abs(r[j]));
      }
    });

    // Where the engine's time goes: one timed run, aggregated by op.
    const timed = E.runTfjs(sched, host, { timeNodes: true });
    const byOp = new Map<string, { ms: number; count: number }>();
    sched.order.forEach((n, i) => {
      const o = byOp.get(n.op) ?? { ms: 0, count: 0 };
      o.ms += timed.nodeMs[i];
      o.count++;
      byOp.set(n.op, o);
    });

    rows.push({
      model: model.name,
      backend: used,
      nodes: sched.order.length,
      traceMs,
      engineMs: median(engineTimes),
      tfMs: median(tfTimes),
      engineAccountedPeak: eng.result.memory.peakBytes,
      enginePeak: eng.peak,
      tfPeak: ref.peak,
      maxRelDiff: maxDiff / Math.max(maxRef, 1e-30),
      engineOpMs: [...byOp].map(([op, v]) => ({ op, ...v })).sort((a, b) => b.ms - a.ms),
    });
  }
  return rows;
}

// ---- printing ----------------------------------------------------------------------------

const mb = (b: number) => `${(b / 2 ** 20).toFixed(2)} MB`;
const ms = (t: number) => `${t.toFixed(1)} ms`;

export function formatRows(rows: readonly Row[], { profile = true }: { profile?: boolean } = {}): string {
  const header = ['backend', 'model', 'nodes', 'trace', 'engine', 'tf.grads', 'speed', 'engine peak (acct / measured)', 'tf peak', 'peak ratio', 'max rel diff'];
  const body = rows.map((r) => [
    r.backend,
    r.model,
    String(r.nodes),
    ms(r.traceMs),
    ms(r.engineMs),
    ms(r.tfMs),
    `${(r.tfMs / r.engineMs).toFixed(2)}×`,
    `${mb(r.engineAccountedPeak)} / ${mb(r.enginePeak)}`,
    mb(r.tfPeak),
    `${(r.enginePeak / r.tfPeak).toFixed(2)}`,
    r.maxRelDiff.toExponential(1),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join(' │ ');
  const out = [line(header), widths.map((w) => '─'.repeat(w)).join('─┼─'), ...body.map(line)];
  out.push('', 'speed = tf.grads time / engine time (> 1: engine faster); peak ratio = engine measured / tf (< 1: engine lower).');
  if (profile) {
    for (const r of rows) {
      const total = r.engineOpMs.reduce((n, o) => n + o.ms, 0);
      const top = r.engineOpMs.slice(0, 6).map((o) => `${o.op} ${o.ms.toFixed(1)} ms (${((100 * o.ms) / total).toFixed(0)}%, ×${o.count})`);
      out.push(`engine time by op, ${r.backend} ${r.model}: ${top.join(', ')}`);
    }
  }
  return out.join('\n');
}

export function printRows(rows: readonly Row[]): void {
  console.log(formatRows(rows));
}
