import { tfjsBackend, useBackend, type BackendChoice, type BackendName } from '../exec/backend.js';
import type { OrtTimings } from '../exec/onnxruntime/executor.js';
import { runPipelined, startOrtWorkers, type OrtWorkers } from '../exec/onnxruntime/pipeline.js';
import type { Segment } from '../exec/onnxruntime/lower.js';
import type { StepEvent } from '../exec/interpret.js';
import type { MemoryProfile } from '../exec/memory.js';
import { runRefAsync } from '../exec/refExecutor.js';
import type { Schedule } from '../exec/schedule.js';
import { runTfjsAsync, type HostArray } from '../exec/tfjsExecutor.js';
import { planMemory } from '../exec/memory.js';
import { planFlops, type FlopsPlan } from '../exec/flops.js';
import type { Origin } from '../ir/graph.js';
import type { Materialised } from '../setup/materialise.js';
import type { Precision } from '../setup/result.js';
import type { HostTensor, MetaName, Setup } from '../setup/types.js';
import type { Traced } from '../trace/traceGraph.js';
import { planMeta, type MetaPlanOptions } from './plan.js';
import type { PassReport } from '../passes/index.js';
import { paramSpecs } from '../setup/transformerParams.js';

export interface MetaRunOptions extends MetaPlanOptions {
  readonly precision: Precision;
  readonly backend: BackendChoice;
  /** Called about a hundred times per run, and once per phase change. */
  readonly onProgress?: (p: MetaProgress) => void;
  /** Polled between nodes; a run asked to stop frees everything and throws `Cancelled`. */
  readonly shouldStop?: () => boolean;
  /** Record each node's time (for profiles). */
  readonly timeNodes?: boolean;
}

export interface MetaProgress {
  /**
   * `planning`: the pre-flight memory plan (engine/plan/preflight.ts); `materialising`: θ₀
   * and the batches; `tracing`: tracing and transforming the graph (`done` ops so far,
   * `total` 0); `running`: executing it (`done` of `total` ops).
   */
  readonly phase: 'planning' | 'materialising' | 'tracing' | 'running';
  readonly done: number;
  readonly total: number;
  /** What is happening, for the phases before running (e.g. `tracing 2 layers`). */
  readonly detail?: string;
  /** Scope of the node being run, e.g. `step/2/grad/block/1`. */
  readonly scope: string;
  readonly origin: Origin;
}

export interface MetaRun {
  readonly outerLoss: number;
  readonly metaGrads: Partial<Record<MetaName, HostTensor | HostTensor[]>>;
  readonly peakBytes: number;
  readonly activePeakBytes: number;
  readonly timeMs: number;
  readonly traceMs: number;
  /** The TF.js backend, `onnxruntime`, or `reference` for the float64 executor. */
  readonly backend: BackendName | 'reference';
  /**
   * How `memory` (and the peaks) were obtained: `measured` by our executor, buffer by buffer;
   * `planned` from shapes by the static plan (onnxruntime, whose allocations we cannot see),
   * which by construction equals what our executor measures for the same schedule.
   */
  readonly memorySource: 'measured' | 'planned';
  /** onnxruntime only: lowering to ONNX, session creation and the run itself (all inside `timeMs`). */
  readonly ortTimings?: OrtTimings;
  readonly precision: Precision;
  readonly traced: Traced;
  readonly sched: Schedule;
  readonly memory: MemoryProfile;
  readonly nodeMs: readonly number[];
  /** What the graph passes removed before scheduling. */
  readonly passes: PassReport;
  /** Planned FLOPs of every executed op (aligned with `sched.order`) and their total. */
  readonly flops: FlopsPlan;
}

/** Graph inputs in order: θ₀, η (log_lr, log_wd?, example_logits), inner batches, outer batch. */
export function hostInputs(data: Materialised): HostArray[] {
  const { log_lr, log_wd, example_logits } = data.eta;
  return [
    ...data.theta0,
    log_lr,
    ...(log_wd ? [log_wd] : []),
    example_logits,
    ...data.inner.flatMap((b) => [b.x, b.y]),
    data.outer.x,
    data.outer.y,
  ];
}

/** Splits the flat graph outputs into V and one tensor (or tensor list, for θ₀) per `wrt`. */
function unpack(setup: Setup, sched: Schedule, outputs: ArrayLike<number>[]): Pick<MetaRun, 'outerLoss' | 'metaGrads'> {
  const avals = sched.graph.outputs.map((id) => sched.avalOf.get(id)!);
  const host = (k: number): HostTensor => ({ shape: [...avals[k].shape], dtype: 'float32', data: Float64Array.from(outputs[k]) });
  let k = 1;
  const metaGrads: MetaRun['metaGrads'] = {};
  for (const name of setup.wrt) {
    if (name === 'theta0') {
      metaGrads.theta0 = paramSpecs(setup.model).map(() => host(k++));
    } else metaGrads[name] = host(k++);
  }
  return { outerLoss: outputs[0][0], metaGrads };
}

function progressReporter(opts: MetaRunOptions): ((e: StepEvent) => void) | undefined {
  const report = opts.onProgress;
  if (!report) return undefined;
  let next = 0;
  return (e) => {
    if (e.phase !== 'ran' || e.step < next) return;
    next = e.step + Math.max(1, Math.floor(e.steps / 100));
    report({ phase: 'running', done: e.step, total: e.steps, scope: e.node.scope, origin: e.node.origin });
  };
}

/** The graph on onnxruntime; the memory is the static plan's (see `MetaRun.memorySource`). */
async function runOnOrt(sched: Schedule, inputs: HostArray[], opts: MetaRunOptions, workers: OrtWorkers) {
  const report = opts.onProgress;
  const onSegment = report && ((k: number, of: number, seg: Segment) => {
    const n = seg.nodes[0];
    report({ phase: 'running', done: k, total: of, scope: n?.scope ?? '', origin: n?.origin ?? 'primal' });
  });
  const r = await runPipelined(sched, inputs, { onSegment, shouldStop: opts.shouldStop }, workers);
  return { outputs: r.outputs, memory: planMemory(sched), nodeMs: [] as number[], ortTimings: r.timings };
}

/** Traces, transforms and runs a setup's meta-gradient; `timeMs` covers exactly that. */
export async function runMeta(setup: Setup, data: Materialised, opts: MetaRunOptions): Promise<MetaRun> {
  const backend = opts.precision === 'float64' ? 'reference' : await useBackend(opts.backend);
  // Per-op times (profiles) need our executor: onnxruntime runs the graph as a whole.
  const executor = backend === 'onnxruntime' && opts.timeNodes ? tfjsBackend() : backend;
  const t0 = performance.now();
  // onnxruntime's workers load it while the graph is traced.
  const workers = executor === 'onnxruntime' ? startOrtWorkers() : undefined;
  const report = opts.onProgress;
  report?.({ phase: 'tracing', done: 0, total: 0, scope: '', origin: 'primal' });
  let planned: ReturnType<typeof planMeta>;
  try {
    planned = planMeta(setup, opts, report && ((done) => report({ phase: 'tracing', done, total: 0, scope: '', origin: 'primal' })));
  } catch (e) {
    await workers?.stop();
    throw e;
  }
  const { traced, sched, passes } = planned;
  const traceMs = performance.now() - t0;
  const run = { onStep: progressReporter(opts), shouldStop: opts.shouldStop, timeNodes: opts.timeNodes };
  const inputs = hostInputs(data);
  const res = workers
    ? await runOnOrt(sched, inputs, opts, workers)
    : executor === 'reference'
      ? await runRefAsync(sched, inputs, run)
      : await runTfjsAsync(sched, inputs, run);
  const outputs = res.outputs.map((o) => ('data' in o ? o.data : o));
  const timeMs = performance.now() - t0;
  return {
    backend: executor,
    memorySource: 'ortTimings' in res ? 'planned' : 'measured',
    ortTimings: 'ortTimings' in res ? (res.ortTimings as OrtTimings) : undefined,
    ...unpack(setup, sched, outputs),
    peakBytes: res.memory.peakBytes,
    activePeakBytes: res.memory.activePeakBytes,
    timeMs,
    traceMs,
    precision: opts.precision,
    traced,
    sched,
    memory: res.memory,
    nodeMs: res.nodeMs,
    passes,
    flops: planFlops(sched),
  };
}

/** The static plan of a setup's meta-gradient from shapes alone (bytes and FLOPs): nothing is allocated. */
export function estimateMeta(
  setup: Setup,
  opts: MetaPlanOptions,
): { sched: Schedule; memory: MemoryProfile; flops: FlopsPlan; traced: Traced; passes: PassReport } {
  const { traced, sched, passes } = planMeta(setup, opts);
  return { traced, sched, passes, memory: planMemory(sched), flops: planFlops(sched) };
}
