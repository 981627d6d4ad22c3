import { avalBytes } from '../core/aval.js';
import type { Schedule } from './schedule.js';

/** Memory of one executed node. */
export interface StepMemory {
  readonly nodeId: number;
  /** Bytes of the node's output. */
  readonly allocatedBytes: number;
  /** Bytes released right after the node (values at their last use). */
  readonly freedBytes: number;
  /** Live bytes while the node's output and its inputs coexist. */
  readonly highWaterBytes: number;
  /** Live bytes after the release. */
  readonly liveBytes: number;
}

export interface MemoryProfile {
  /** θ₀, η and batches: held throughout. */
  readonly inputBytes: number;
  readonly peakBytes: number;
  readonly activePeakBytes: number;
  /** Step at which the peak is reached (-1: before the first node). */
  readonly peakStep: number;
  /** Ids of every value held at the peak. */
  readonly liveAtPeak: readonly number[];
  readonly steps: readonly StepMemory[];
}

/**
 * Replays a schedule's allocations and releases with the given value sizes. The
 * executors call it with the bytes of the buffers they really held; the static planner
 * with sizes from shapes alone. Same replay, so the two agree exactly when the kernels do.
 */
export function accountMemory(sched: Schedule, bytesOf: (id: number) => number): MemoryProfile {
  const inputIds = sched.graph.inputs.map((i) => i.id);
  const inputBytes = inputIds.reduce((n, id) => n + bytesOf(id), 0);
  let liveBytes = inputBytes;
  let peak = { bytes: inputBytes, step: -1 };
  const seen = new Set<number>(inputIds);
  const steps: StepMemory[] = sched.order.map((node, step) => {
    const allocatedBytes = seen.has(node.id) ? 0 : bytesOf(node.id);
    seen.add(node.id);
    const highWaterBytes = liveBytes + allocatedBytes;
    if (highWaterBytes > peak.bytes) peak = { bytes: highWaterBytes, step };
    const freedBytes = sched.releaseAfter[step].reduce((n, id) => n + bytesOf(id), 0);
    liveBytes = highWaterBytes - freedBytes;
    return { nodeId: node.id, allocatedBytes, freedBytes, highWaterBytes, liveBytes };
  });
  return {
    inputBytes,
    peakBytes: peak.bytes,
    activePeakBytes: peak.bytes - inputBytes,
    peakStep: peak.step,
    liveAtPeak: liveAt(sched, peak.step),
    steps,
  };
}

/** Ids of the values held while step `at` runs (its output included; -1: before any step). */
export function liveAt(sched: Schedule, at: number): number[] {
  const live = new Set(sched.graph.inputs.map((i) => i.id));
  for (let step = 0; step <= at; step++) {
    live.add(sched.order[step].id);
    if (step < at) for (const id of sched.releaseAfter[step]) live.delete(id);
  }
  return [...live];
}

/** The static plan: the same replay from shapes alone, allocating nothing. */
export function planMemory(sched: Schedule): MemoryProfile {
  return accountMemory(sched, (id) => avalBytes(sched.avalOf.get(id)!));
}
