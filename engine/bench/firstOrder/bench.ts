/**
 * First-order gradient benchmark: the engine's traced-and-scheduled gradient against
 * TF.js's own tape (`tf.valueAndGrads`) on the same backend, for an MLP (4 × 512, tanh,
 * batch 256, MSE) and a small causal transformer (2 blocks, d_model 64, 2 heads, seq 64).
 *
 * Both sides do the same work per run: upload host inputs, compute loss and gradients,
 * download them, free everything. The engine is traced and scheduled once (reported as
 * `trace ms`); only execution is timed. Times are medians over several runs after warm-up.
 *
 * Peak bytes are measured with one instrument for both sides, TF.js's own byte counter
 * (`trackPeakBytes`, peak.ts). The engine's own accounting (`memory.peakBytes`, values
 * between kernels only) is reported next to it.
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core alone ships no gradient functions; the `@tensorflow/tfjs` union package registers them like this.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as E from '../../index.js';
import { mlpModel } from './mlp.js';
import type { Model } from './model.js';
import { trackPeakBytes } from './peak.js';
import { transformerModel } from './transformer.js';
import { median } from '../median.js';

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
