import { availableParallelism } from 'node:os';
import { Cancelled } from '../interpret.js';
import type { Schedule } from '../schedule.js';
import type { HostArray } from '../tfjsExecutor.js';
import * as ref from '../../kernels/ref/index.js';
import { checkLowerable, lowerSegment, type Segment } from './lower.js';
import { distinctModels, partition } from './partition.js';
import { loadOrt, type OrtSession, type OrtSessionOptions, type OrtTensor } from './runtime.js';

/**
 * Session options that decide the cost here (measured on the flagship, README): graph
 * optimisation off (`all` ran the kernels a tenth faster but took twice as long to set up);
 * intra-op threads on every core (up to 4: the ops are small), told to sleep rather than spin
 * when idle: every session owns a pool, and dozens of spinning pools on two cores ran the
 * flagship four times slower. No memory arena: a repeated segment's session is kept until its
 * last use, and each arena would keep its segment's largest need that long (flagship MixFlow:
 * 1.0 GB resident with arenas, 0.63 GB without, same time). Denormals flushed to zero: a
 * causal mask's -1e9 sends exp into float32's denormal range, where x86 arithmetic is slow
 * (flagship: Exp on the attention scores 1.2 ms → 0.44 ms per call).
 */
export const DEFAULT_SESSION_OPTIONS: OrtSessionOptions = {
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: Math.min(4, availableParallelism()),
  executionMode: 'sequential',
  enableMemPattern: true,
  enableCpuMemArena: false,
  logSeverityLevel: 3,
  extra: { session: { intra_op: { allow_spinning: '0' }, set_denormal_as_zero: '1' } },
};

export interface OrtTimings {
  /** Graph → ONNX protobuf, once per distinct segment. */
  readonly lowerMs: number;
  /** InferenceSession.create (parsing, kernel creation, optimisation if any), once per distinct segment. */
  readonly sessionMs: number;
  /** session.run with the inputs handed over and the outputs taken back (summed over segments). */
  readonly runMs: number;
}

export interface OrtRun {
  readonly outputs: Float32Array[];
  readonly timings: OrtTimings;
  /** ONNX nodes compiled (distinct segments only). */
  readonly nodeCount: number;
  readonly segments: number;
  /** Distinct segments, i.e. sessions created. */
  readonly sessions: number;
}

export interface OrtRunOptions {
  readonly session?: OrtSessionOptions;
  /** Segment bounds `[start, end)` over the schedule (default: cut by content, cuts.ts). */
  readonly bounds?: readonly (readonly [number, number])[];
  /** Called before each segment runs (progress). */
  readonly onSegment?: (k: number, of: number, seg: Segment) => void;
  /** Polled between segments; a run asked to stop throws `Cancelled`. */
  readonly shouldStop?: () => boolean;
}

/** A value as both runners hand it to onnxruntime. */
export interface StartingValue {
  readonly id: number;
  readonly type: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
  readonly dims: readonly number[];
}

/**
 * What both runners start from: the graph inputs, and the values partition.ts lifted out of
 * segments (scalar constants, and slices of graph inputs cut here on the host).
 */
export function startingValues(sched: Schedule, inputs: readonly HostArray[], segments: readonly Segment[]): StartingValue[] {
  const typed = (dtype: 'float32' | 'int32', data: ArrayLike<number>) => (dtype === 'int32' ? Int32Array.from(data) : Float32Array.from(data));
  const inputIndex = new Map(sched.graph.inputs.map((inp, i) => [inp.id, i]));
  const asRef = new Map<number, ref.RefArray>();
  const sliced = (input: number, begin: readonly number[], dims: readonly number[]) => {
    let x = asRef.get(input);
    if (!x) {
      const host = inputs[inputIndex.get(input)!];
      asRef.set(input, (x = ref.refArray(host.shape, Float64Array.from(host.data))));
    }
    return ref.slice(x, begin, dims).data;
  };
  return [
    ...sched.graph.inputs.map((inp, i) => ({ id: inp.id, type: inp.aval.dtype, data: typed(inp.aval.dtype, inputs[i].data), dims: inp.aval.shape })),
    ...segments.flatMap((seg) => seg.lifted ?? []).map((v) => ({
      id: v.id,
      type: v.dtype,
      data: typed(v.dtype, v.slice ? sliced(v.slice.input, v.slice.begin, v.dims) : [v.value!]),
      dims: v.dims,
    })),
  ];
}

interface Compiled {
  readonly session: OrtSession;
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
}

/**
 * Runs the schedule segment by segment on this thread. A segment equal to an earlier one (same
 * model, partition.ts) runs on the session compiled for it, so each repeated step or layer is
 * lowered and set up once; a session is released after the last segment that uses it (or on
 * failure). The plain form of pipeline.ts (which hides compiling behind running on two worker
 * threads), for small graphs where a worker's start-up would dominate, e.g. one op at a time.
 */
export async function runOnnxruntime(sched: Schedule, inputs: readonly HostArray[], opts: OrtRunOptions = {}): Promise<OrtRun> {
  const ort = loadOrt();
  checkLowerable(sched);
  const segments = partition(sched, opts.bounds);
  const { modelOf, firstUse, lastUse } = distinctModels(segments);
  const options = { ...DEFAULT_SESSION_OPTIONS, ...opts.session };
  const env = new Map<number, OrtTensor>(startingValues(sched, inputs, segments).map((v) => [v.id, new ort.Tensor(v.type, v.data, v.dims)]));
  const compiled = new Map<number, Compiled>();
  let lowerMs = 0;
  let sessionMs = 0;
  let runMs = 0;
  let nodeCount = 0;
  const compile = async (seg: Segment): Promise<Compiled> => {
    const t0 = performance.now();
    const model = lowerSegment(sched, seg);
    const t1 = performance.now();
    const session = await ort.InferenceSession.create(model.bytes, options);
    lowerMs += t1 - t0;
    sessionMs += performance.now() - t1;
    nodeCount += model.nodeCount;
    return { session, inputNames: model.inputNames, outputNames: model.outputNames };
  };
  try {
    for (const [k, seg] of segments.entries()) {
      if (opts.shouldStop?.()) throw new Cancelled();
      opts.onSegment?.(k, segments.length, seg);
      const m = modelOf[k];
      if (firstUse[m] === k) compiled.set(m, await compile(seg));
      const c = compiled.get(m)!;
      const t0 = performance.now();
      const feeds: Record<string, OrtTensor> = {};
      seg.inputs.forEach((id, i) => (feeds[c.inputNames[i]] = env.get(id)!));
      const res = await c.session.run(feeds);
      seg.outputs.forEach((id, i) => env.set(id, res[c.outputNames[i]]));
      for (const id of seg.released) env.delete(id);
      runMs += performance.now() - t0;
      if (lastUse[m] === k) {
        compiled.delete(m);
        await c.session.release();
      }
    }
  } finally {
    await Promise.all([...compiled.values()].map((c) => c.session.release()));
  }
  const outputs = sched.graph.outputs.map((id) => Float32Array.from(env.get(id)!.data as ArrayLike<number>));
  return { outputs, nodeCount, segments: segments.length, sessions: firstUse.length, timings: { lowerMs, sessionMs, runMs } };
}
