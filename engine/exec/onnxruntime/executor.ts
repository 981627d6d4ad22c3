import { Cancelled } from '../interpret.js';
import type { Schedule } from '../schedule.js';
import type { HostArray } from '../tfjsExecutor.js';
import { checkLowerable, lowerSegment, type Segment } from './lower.js';
import { partition } from './partition.js';
import { loadOrt, type OrtSessionOptions, type OrtTensor } from './runtime.js';

/** Nodes per session (see partition.ts); measured on the flagship, README. */
export const DEFAULT_SEGMENT_NODES = 1000;

/**
 * Session options that decide the cost here (measured on the flagship, README): graph
 * optimisation off, because creating a session, not running it, is the bottleneck (`basic`
 * doubled a segment's creation time to save a fifth of its run); one intra-op thread per session
 * (two worker threads already use both cores, pipeline.ts).
 */
export const DEFAULT_SESSION_OPTIONS: OrtSessionOptions = {
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  executionMode: 'sequential',
  enableMemPattern: true,
  logSeverityLevel: 3,
};

export interface OrtTimings {
  /** Graph → ONNX protobuf. */
  readonly lowerMs: number;
  /** InferenceSession.create (parsing, kernel creation, optimisation if any). */
  readonly sessionMs: number;
  /** session.run with the inputs uploaded and the outputs copied out (summed over segments). */
  readonly runMs: number;
  /**
   * Lowering to the outputs, when sessions are created on worker threads while earlier
   * segments run (pipeline.ts): less than the sum of the parts.
   */
  readonly wallMs?: number;
}

export interface OrtRun {
  readonly outputs: Float32Array[];
  readonly timings: OrtTimings;
  readonly nodeCount: number;
  readonly segments: number;
}

export interface OrtRunOptions {
  readonly session?: OrtSessionOptions;
  /** Nodes per session (default DEFAULT_SEGMENT_NODES). */
  readonly maxNodes?: number;
  /** Called before each segment runs (progress). */
  readonly onSegment?: (k: number, of: number, seg: Segment) => void;
  /** Polled between segments; a run asked to stop throws `Cancelled`. */
  readonly shouldStop?: () => boolean;
}

/** The graph inputs as typed arrays, as both runners hand them to onnxruntime. */
export function inputArrays(sched: Schedule, inputs: readonly HostArray[]): (Float32Array | Int32Array)[] {
  return sched.graph.inputs.map((inp, i) => (inp.aval.dtype === 'int32' ? Int32Array.from(inputs[i].data) : Float32Array.from(inputs[i].data)));
}

/**
 * Runs the schedule on this thread, one segment after another (lower, create its session, run,
 * release): the plain form of pipeline.ts, which hides session creation behind runs on two
 * worker threads. Used where a worker's start-up would dominate, e.g. one op at a time.
 */
export async function runOnnxruntime(sched: Schedule, inputs: readonly HostArray[], opts: OrtRunOptions = {}): Promise<OrtRun> {
  const ort = loadOrt();
  checkLowerable(sched);
  const segments = partition(sched, opts.maxNodes ?? DEFAULT_SEGMENT_NODES);
  const options = { ...DEFAULT_SESSION_OPTIONS, ...opts.session };
  const env = new Map<number, OrtTensor>();
  const arrays = inputArrays(sched, inputs);
  sched.graph.inputs.forEach((inp, i) => env.set(inp.id, new ort.Tensor(inp.aval.dtype, arrays[i], inp.aval.shape)));
  let lowerMs = 0;
  let sessionMs = 0;
  let runMs = 0;
  let nodeCount = 0;
  for (const [k, seg] of segments.entries()) {
    if (opts.shouldStop?.()) throw new Cancelled();
    opts.onSegment?.(k, segments.length, seg);
    const t0 = performance.now();
    const model = lowerSegment(sched, seg);
    const t1 = performance.now();
    const session = await ort.InferenceSession.create(model.bytes, options);
    const t2 = performance.now();
    try {
      const feeds: Record<string, OrtTensor> = {};
      seg.inputs.forEach((id, i) => (feeds[model.inputNames[i]] = env.get(id)!));
      const res = await session.run(feeds);
      seg.outputs.forEach((id, i) => env.set(id, res[model.outputNames[i]]));
    } finally {
      await session.release();
    }
    lowerMs += t1 - t0;
    sessionMs += t2 - t1;
    runMs += performance.now() - t2;
    nodeCount += model.nodeCount;
    for (const id of seg.released) env.delete(id);
  }
  const outputs = sched.graph.outputs.map((id) => Float32Array.from(env.get(id)!.data as ArrayLike<number>));
  return { outputs, nodeCount, segments: segments.length, timings: { lowerMs, sessionMs, runMs } };
}
