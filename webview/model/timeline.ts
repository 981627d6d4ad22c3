/**
 * The memory timeline's x axis (pure): where each executed op starts and ends on the axis
 * (its position in the execution order, the cumulative op time, or the progress 0–1 of its
 * run, which aligns runs of different lengths), and which op runs at a given x.
 */
import type { ProfileRun } from '../../engine/profile/format.js';
import type { TimelineAxisName } from '../protocol.js';

/** Whether every run timed its ops, so the time axis is available. */
export function hasTimeAxis(runs: readonly ProfileRun[]): boolean {
  return runs.every((r) => r.steps.ms !== null);
}

/** x of the start of each step (and the end of the last, at index n) on an axis. */
export function stepXs(run: ProfileRun, axis: TimelineAxisName): Float64Array {
  const n = run.steps.node.length;
  const xs = new Float64Array(n + 1);
  const ms = run.steps.ms;
  for (let i = 0; i < n; i++) xs[i + 1] = xs[i]! + (axis === 'time' && ms ? ms[i]! : 1);
  if (axis === 'progress' && n > 0) for (let i = 0; i <= n; i++) xs[i] = xs[i]! / n;
  return xs;
}

/** The step running at x (the last step starting at or before x), -1 for no steps. */
export function stepAt(xs: Float64Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 2;
  if (hi < 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (xs[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
