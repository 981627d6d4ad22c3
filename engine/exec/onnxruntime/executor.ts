import { Cancelled } from '../interpret.js';
import type { Schedule } from '../schedule.js';
import type { HostArray } from '../tfjsExecutor.js';
import { checkLowerable, lowerSegment, type LoweredModel, type Segment } from './lower.js';
import { partition } from './partition.js';
import { loadOrt, type OrtSession, type OrtSessionOptions, type OrtTensor } from './runtime.js';

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

/** A lowered schedule with its live sessions (one per segment), for running it more than once. */
export class OrtProgram {
  private constructor(
    private readonly sched: Schedule,
    private readonly segments: readonly { seg: Segment; model: LoweredModel; session: OrtSession }[],
    readonly lowerMs: number,
    readonly sessionMs: number,
  ) {}

  static async create(sched: Schedule, options: OrtSessionOptions = {}, maxNodes = DEFAULT_SEGMENT_NODES): Promise<OrtProgram> {
    const ort = loadOrt();
    checkLowerable(sched);
    let lowerMs = 0;
    let sessionMs = 0;
    const parts: { seg: Segment; model: LoweredModel; session: OrtSession }[] = [];
    try {
      for (const seg of partition(sched, maxNodes)) {
        const t0 = performance.now();
        const model = lowerSegment(sched, seg);
        const t1 = performance.now();
        const session = await ort.InferenceSession.create(model.bytes, { ...DEFAULT_SESSION_OPTIONS, ...options });
        lowerMs += t1 - t0;
        sessionMs += performance.now() - t1;
        parts.push({ seg, model, session });
      }
    } catch (e) {
      await Promise.all(parts.map((p) => p.session.release()));
      throw e;
    }
    return new OrtProgram(sched, parts, lowerMs, sessionMs);
  }

  get nodeCount(): number {
    return this.segments.reduce((n, s) => n + s.model.nodeCount, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  /** Runs the segments in order; `shouldStop` is polled between segments (a session cannot be interrupted). */
  async run(inputs: readonly HostArray[], opts: OrtRunOptions = {}): Promise<{ outputs: Float32Array[]; runMs: number }> {
    const ort = loadOrt();
    const t0 = performance.now();
    const env = new Map<number, OrtTensor>();
    this.sched.graph.inputs.forEach((inp, i) => {
      const data = inp.aval.dtype === 'int32' ? Int32Array.from(inputs[i].data) : Float32Array.from(inputs[i].data);
      env.set(inp.id, new ort.Tensor(inp.aval.dtype, data, inp.aval.shape));
    });
    const lastUse = new Map<number, number>();
    this.segments.forEach(({ seg }, k) => seg.inputs.forEach((id) => lastUse.set(id, k)));
    const kept = new Set([...this.sched.graph.inputs.map((i) => i.id), ...this.sched.graph.outputs]);
    for (const [k, { seg, model, session }] of this.segments.entries()) {
      if (opts.shouldStop?.()) throw new Cancelled();
      opts.onSegment?.(k, this.segments.length, seg);
      const feeds: Record<string, OrtTensor> = {};
      seg.inputs.forEach((id, i) => (feeds[model.inputNames[i]] = env.get(id)!));
      const res = await session.run(feeds);
      seg.outputs.forEach((id, i) => env.set(id, res[model.outputNames[i]]));
      // Values no later segment reads are dropped as soon as possible.
      for (const id of seg.inputs) if (lastUse.get(id) === k && !kept.has(id)) env.delete(id);
    }
    const outputs = this.sched.graph.outputs.map((id) => Float32Array.from(env.get(id)!.data as ArrayLike<number>));
    return { outputs, runMs: performance.now() - t0 };
  }

  async release(): Promise<void> {
    await Promise.all(this.segments.map((s) => s.session.release()));
  }
}

/** Lowers, creates the sessions, runs once and releases them. */
export async function runOnnxruntime(sched: Schedule, inputs: readonly HostArray[], opts: OrtRunOptions = {}): Promise<OrtRun> {
  const program = await OrtProgram.create(sched, opts.session, opts.maxNodes);
  try {
    const { outputs, runMs } = await program.run(inputs, opts);
    return { outputs, nodeCount: program.nodeCount, segments: program.segmentCount, timings: { lowerMs: program.lowerMs, sessionMs: program.sessionMs, runMs } };
  } finally {
    await program.release();
  }
}
