/**
 * Standard vs MixFlow on one setup, run alternately (standard, MixFlow, MixFlow, standard,
 * …) so that the load of a shared, noisy machine falls on both modes alike; the time is the
 * median over the runs with its range. Peaks are exact and the same on every run.
 */
import type { BackendChoice } from '../exec/backend.js';
import { maxRelativeDifference } from '../meta/compare.js';
import type { Mode, Remat } from '../meta/problem.js';
import { estimateMeta, runMeta, type MetaRun } from '../meta/run.js';
import { peakBreakdown } from '../profile/breakdown.js';
import { materialise } from '../setup/materialise.js';
import type { Setup } from '../setup/types.js';

export interface InterleavedRow {
  readonly mode: Mode;
  readonly remat: Remat;
  readonly peakBytes: number;
  readonly activePeakBytes: number;
  /** Every run's time, in run order. */
  readonly timesMs: readonly number[];
  readonly medianMs: number;
  /** Bytes by category at the peak (from the static plan, equal to the measured peak). */
  readonly peakByCategory: Record<string, number>;
}

export interface Interleaved {
  readonly rows: readonly [InterleavedRow, InterleavedRow];
  /** Largest relative difference between the two modes' meta-gradients. */
  readonly maxRelDiff: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export async function benchInterleaved(
  setup: Setup, remat: Remat, backend: BackendChoice, repeats: number, shouldStop: () => boolean,
  onRun?: (mode: Mode, run: MetaRun) => void,
): Promise<Interleaved> {
  const data = materialise(setup);
  const modes: Mode[] = ['standard', 'mixflow'];
  const times: Record<Mode, number[]> = { standard: [], mixflow: [] };
  const last: Partial<Record<Mode, MetaRun>> = {};
  for (let r = 0; r < repeats; r++) {
    for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
      const run = await runMeta(setup, data, { mode, remat, precision: 'float32', backend, shouldStop });
      times[mode].push(run.timeMs);
      if (last[mode] && last[mode]!.peakBytes !== run.peakBytes) throw new Error(`${mode}: the peak changed between runs (${last[mode]!.peakBytes} vs ${run.peakBytes})`);
      last[mode] = run;
      onRun?.(mode, run);
    }
  }
  const row = (mode: Mode): InterleavedRow => {
    const run = last[mode]!;
    const plan = estimateMeta(setup, { mode, remat });
    return {
      mode,
      remat,
      peakBytes: run.peakBytes,
      activePeakBytes: run.activePeakBytes,
      timesMs: times[mode],
      medianMs: median(times[mode]),
      peakByCategory: peakBreakdown(plan.traced.graph, plan.sched, plan.memory).byCategory,
    };
  };
  return { rows: [row('standard'), row('mixflow')], maxRelDiff: maxRelativeDifference(last.standard!.metaGrads, last.mixflow!.metaGrads) };
}
