/**
 * The memory timeline of a run as chart points (pure): bytes held while each executed op
 * runs (`steps.high_water_bytes`, which reaches the peak exactly), against either the op's
 * position in the execution order or the cumulative op time. Long runs are reduced to at
 * most `maxPoints` points by keeping each bucket's maximum, so the peak is never lost.
 */
import type { ProfileRun } from '../../engine/profile/format.js';

export type TimelineAxis = 'ops' | 'time';

export interface TimelinePoint {
  readonly x: number;
  readonly y: number;
}

export interface TimelineSeries {
  readonly mode: ProfileRun['mode'];
  readonly points: readonly TimelinePoint[];
  readonly peak: TimelinePoint & { readonly step: number };
  readonly inputBytes: number;
  /** Largest x of the series (ops executed, or total op ms). */
  readonly xMax: number;
}

/** Whether every run timed its ops, so the time axis is available. */
export function hasTimeAxis(runs: readonly ProfileRun[]): boolean {
  return runs.every((r) => r.steps.ms !== null);
}

/** x of the end of each step: its 1-based position, or the cumulative op time. */
function stepEnds(run: ProfileRun, axis: TimelineAxis): Float64Array {
  const n = run.steps.node.length;
  const xs = new Float64Array(n);
  const ms = run.steps.ms;
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += axis === 'time' && ms ? ms[i]! : 1;
    xs[i] = t;
  }
  return xs;
}

export function timelineSeries(run: ProfileRun, axis: TimelineAxis, maxPoints = 1200): TimelineSeries {
  const hw = run.steps.high_water_bytes;
  const n = hw.length;
  const xs = stepEnds(run, axis);
  const input = run.totals.input_bytes;
  const points: TimelinePoint[] = [{ x: 0, y: input }];
  const bucket = Math.max(1, Math.ceil(n / Math.max(1, maxPoints)));
  for (let start = 0; start < n; start += bucket) {
    let best = start;
    for (let i = start + 1; i < Math.min(n, start + bucket); i++) if (hw[i]! > hw[best]!) best = i;
    points.push({ x: xs[best]!, y: hw[best]! });
  }
  const step = run.peak.step;
  const peak = { step, x: step < 0 ? 0 : xs[step]!, y: run.peak.bytes };
  return { mode: run.mode, points, peak, inputBytes: input, xMax: n > 0 ? xs[n - 1]! : 0 };
}
