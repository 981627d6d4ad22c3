import { materialise } from '../setup/materialise.js';
import type { Setup, TransformerSpec } from '../setup/types.js';
import { estimateMeta, runMeta, type MetaRun } from '../meta/run.js';
import { maxRelativeDifference } from '../meta/compare.js';
import type { Mode, Remat } from '../meta/problem.js';
import { peakBreakdown } from '../profile/breakdown.js';
import type { BackendChoice } from '../exec/backend.js';

/** The wasm backend's heap stops at 4 GiB; leave room for the runtime's own allocations. */
export const WASM_HEAP_BYTES = 4 * 2 ** 30;
const HEAP_HEADROOM = 0.85;

export interface ModeRow {
  readonly label: string;
  readonly mode: Mode | 'nested tf.grad';
  readonly remat: Remat;
  /** Absent when the row could not fit: then `needsBytes` comes from the static plan. */
  readonly run?: { peakBytes: number; activePeakBytes: number; timeMs: number; backend: string; flops?: number };
  readonly needsBytes?: number;
  readonly maxRelDiff?: number;
  /** Bytes by category at the peak (from the engine's profile of the run or plan). */
  readonly peakByCategory?: Record<string, number>;
}

function fits(bytes: number, backend: string): boolean {
  return backend !== 'wasm' || bytes < WASM_HEAP_BYTES * HEAP_HEADROOM;
}

/** Runs the setup in one mode, unless the static plan says it cannot fit the heap. */
export async function benchMode(setup: Setup, mode: Mode, remat: Remat, backend: BackendChoice, resolved: string, shouldStop: () => boolean): Promise<{ row: ModeRow; run?: MetaRun }> {
  const plan = estimateMeta(setup, { mode, remat });
  const peakByCategory = peakBreakdown(plan.traced.graph, plan.sched, plan.memory).byCategory;
  if (!fits(plan.memory.peakBytes, resolved)) {
    return { row: { label: mode, mode, remat, needsBytes: plan.memory.peakBytes, peakByCategory } };
  }
  const run = await runMeta(setup, materialise(setup), { mode, remat, precision: 'float32', backend, shouldStop });
  const { peakBytes, activePeakBytes, timeMs } = run;
  const flops = run.flops.totalFlops;
  return { row: { label: mode, mode, remat, run: { peakBytes, activePeakBytes, timeMs, backend: run.backend, flops }, peakByCategory }, run };
}

/** Standard and MixFlow on one setup, and how far apart their meta-gradients are. */
export async function benchModes(setup: Setup, remat: Remat, backend: BackendChoice, resolved: string, shouldStop: () => boolean): Promise<ModeRow[]> {
  const std = await benchMode(setup, 'standard', remat, backend, resolved, shouldStop);
  const mix = await benchMode(setup, 'mixflow', remat, backend, resolved, shouldStop);
  const diff = std.run && mix.run ? maxRelativeDifference(std.run.metaGrads, mix.run.metaGrads) : undefined;
  return [std.row, { ...mix.row, maxRelDiff: diff }];
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
