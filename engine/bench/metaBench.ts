import { materialise, type Materialised } from '../setup/materialise.js';
import type { Setup, TransformerSpec } from '../setup/types.js';
import { estimateMeta, runMeta, type MetaRun } from '../meta/run.js';
import { maxRelativeDifference } from '../meta/compare.js';
import type { Mode, Remat } from '../meta/problem.js';
import { peakBreakdown } from '../profile/breakdown.js';
import type { BackendChoice, BackendName } from '../exec/backend.js';
import { memoryLimit, WASM_HEAP_BYTES } from '../plan/limits.js';
import { median } from './median.js';

export { WASM_HEAP_BYTES };

export interface ModeRow {
  readonly label: string;
  readonly mode: Mode | 'nested tf.grad';
  readonly remat: Remat;
  /**
   * Absent when the row could not fit: then `needsBytes` comes from the static plan. `timeMs`
   * is the median of `timesMs`, one per repetition (modes interleaved, see `benchModes`).
   */
  readonly run?: {
    peakBytes: number; activePeakBytes: number; timeMs: number; backend: string; timesMs?: readonly number[]; flops?: number;
    /** onnxruntime: median of lowering to ONNX and creating the sessions (one per distinct segment), included in `timeMs`. */
    setupMs?: number;
    /** onnxruntime: median time inside session.run, summed over the segments. */
    kernelMs?: number;
    /** `measured` by our executor, or `planned` (onnxruntime). */
    memory?: 'measured' | 'planned';
  };
  readonly needsBytes?: number;
  readonly maxRelDiff?: number;
  /** Bytes by category at the peak (from the engine's profile of the run or plan). */
  readonly peakByCategory?: Record<string, number>;
}

/** Whether the static plan fits what the backend holds (engine/plan/limits.ts). */
function fits(bytes: number, backend: string): boolean {
  return bytes <= memoryLimit(backend as BackendName).bytes;
}


type Plan = ReturnType<typeof estimateMeta>;

/** Runs the setup in one mode, unless its static plan says it cannot fit the heap (or `force`). */
async function benchMode(setup: Setup, data: () => Materialised, mode: Mode, remat: Remat, plan: Plan, backend: BackendChoice, resolved: string, shouldStop: () => boolean, force: boolean): Promise<{ row: ModeRow; run?: MetaRun }> {
  const peakByCategory = peakBreakdown(plan.traced.graph, plan.sched, plan.memory).byCategory;
  if (!force && !fits(plan.memory.peakBytes, resolved)) {
    return { row: { label: mode, mode, remat, needsBytes: plan.memory.peakBytes, peakByCategory } };
  }
  const run = await runMeta(setup, data(), { mode, remat, precision: 'float32', backend, shouldStop });
  const { peakBytes, activePeakBytes, timeMs } = run;
  const flops = run.flops.totalFlops;
  return { row: { label: mode, mode, remat, run: { peakBytes, activePeakBytes, timeMs, backend: run.backend, timesMs: [timeMs], flops, memory: run.memorySource }, peakByCategory }, run };
}

/**
 * Standard and MixFlow on one setup, `runs` times each, interleaved (standard then MixFlow,
 * then MixFlow then standard, …: each goes first in every other repetition, so neither always
 * follows the same run) so that a shared machine's load falls on both alike; each row's time is
 * the median, `timesMs` keeps every run for the spread. Also how far apart the meta-gradients are.
 * `also` adds further backends (e.g. onnxruntime), interleaved with the first within each
 * repetition; their rows follow the first backend's two, two per backend.
 */
export async function benchModes(
  setup: Setup, remat: Remat, backend: BackendChoice, resolved: string, shouldStop: () => boolean,
  { runs = 3, force = false, onRun, also = [] }: { runs?: number; force?: boolean; onRun?: (mode: Mode, run: MetaRun) => void; also?: readonly BackendName[] } = {},
): Promise<ModeRow[]> {
  const backends: { choice: BackendChoice; resolved: string }[] = [{ choice: backend, resolved }, ...also.map((b) => ({ choice: b, resolved: b }))];
  // Per backend and mode, one entry per repetition: time, and on onnxruntime its compile and kernel parts.
  const samples = () => ({ timeMs: [] as number[], setupMs: [] as number[], kernelMs: [] as number[] });
  const seen = backends.map(() => ({ standard: samples(), mixflow: samples() }));
  // One static plan per mode (breakdown, fit check) for all repetitions.
  const plans: Record<Mode, Plan> = { standard: estimateMeta(setup, { mode: 'standard', remat }), mixflow: estimateMeta(setup, { mode: 'mixflow', remat }) };
  let inputs: Materialised | undefined; // made once, and only if a mode fits
  const data = () => (inputs ??= materialise(setup));
  const first = backends.map(() => ({}) as Partial<Record<Mode, Awaited<ReturnType<typeof benchMode>>>>);
  for (let k = 0; k < runs; k++) {
    for (const [b, { choice, resolved: res }] of backends.entries()) {
      for (const mode of k % 2 ? (['mixflow', 'standard'] as const) : (['standard', 'mixflow'] as const)) {
        const r = await benchMode(setup, data, mode, remat, plans[mode], choice, res, shouldStop, force);
        first[b][mode] ??= r;
        if (!r.run) continue;
        if (r.run.peakBytes !== first[b][mode]!.run!.peakBytes) throw new Error(`${mode}: the peak changed between runs (${first[b][mode]!.run!.peakBytes} vs ${r.run.peakBytes})`);
        const at = seen[b][mode];
        at.timeMs.push(r.run.timeMs);
        const ort = r.run.ortTimings;
        if (ort) {
          // Compiling: lowering and creating the sessions of the distinct segments.
          at.setupMs.push(ort.lowerMs + ort.sessionMs);
          at.kernelMs.push(ort.runMs);
        }
        onRun?.(mode, r.run);
      }
    }
    if (first.every((f) => !f.standard!.run && !f.mixflow!.run)) break;
  }
  return backends.flatMap((_, b) => {
    const std = first[b].standard!;
    const mix = first[b].mixflow!;
    const withTimes = (r: ModeRow, mode: Mode): ModeRow => {
      if (!r.run) return r;
      const { timeMs, setupMs, kernelMs } = seen[b][mode];
      const label = b === 0 ? r.label : `${r.label} (${backends[b].resolved})`;
      return { ...r, label, run: { ...r.run, timeMs: median(timeMs), timesMs: timeMs, ...(setupMs.length ? { setupMs: median(setupMs), kernelMs: median(kernelMs) } : {}) } };
    };
    const diff = std.run && mix.run ? maxRelativeDifference(std.run.metaGrads, mix.run.metaGrads) : undefined;
    return [withTimes(std.row, 'standard'), { ...withTimes(mix.row, 'mixflow'), maxRelDiff: diff }];
  });
}

export interface SweepRow {
  readonly axis: 'layers' | 'seq' | 'T';
  readonly value: number;
  readonly remat: Remat;
  readonly standardPeak: number;
  readonly mixflowPeak: number;
}

/** The flagship's second shape for the speed targets: longer sequences, fewer of them. */
export function withSeqAndBatch(base: Setup, seq: number, batch: number): Setup {
  if (base.model.kind !== 'transformer' || base.inner.kind !== 'synthetic' || base.outer.kind !== 'synthetic') {
    throw new Error('the second shape is a transformer setup with synthetic batches');
  }
  return {
    ...base,
    model: { ...base.model, seq },
    inner: { ...base.inner, batch },
    outer: { ...base.outer, batch },
  };
}

function withShape(base: Setup, axis: SweepRow['axis'], value: number): Setup {
  if (base.model.kind !== 'transformer') throw new Error('sweeps are over a transformer setup');
  if (axis === 'T') {
    if (base.inner.kind !== 'synthetic') throw new Error('sweeps need synthetic inner batches');
    return { ...base, inner: { ...base.inner, steps: value } };
  }
  const model: TransformerSpec = { ...base.model, [axis]: value };
  return { ...base, model };
}

/**
 * Peak ratios standard/MixFlow against layers, seq and T, for every remat policy, from the
 * static plan (equal to the measured peak: the memory tests check that exactly).
 */
export function sweepPeaks(base: Setup, values: Record<SweepRow['axis'], number[]>, remats: readonly Remat[]): SweepRow[] {
  const rows: SweepRow[] = [];
  for (const axis of ['layers', 'seq', 'T'] as const) {
    for (const value of values[axis]) {
      const setup = withShape(base, axis, value);
      for (const remat of remats) {
        const standardPeak = estimateMeta(setup, { mode: 'standard', remat }).memory.peakBytes;
        const mixflowPeak = estimateMeta(setup, { mode: 'mixflow', remat }).memory.peakBytes;
        rows.push({ axis, value, remat, standardPeak, mixflowPeak });
      }
    }
  }
  return rows;
}
