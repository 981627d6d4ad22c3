/** Memory at the peak, grouped for the stacked bars (pure): one row per run, one segment per key. */
import { CATEGORIES, type ProfileRun } from '../../engine/profile/format.js';

export interface Segment {
  readonly key: string;
  readonly bytes: number;
  /** Bytes of the segments before this one in the row. */
  readonly offset: number;
}

export interface BreakdownRow {
  readonly mode: ProfileRun['mode'];
  readonly total: number;
  readonly segments: readonly Segment[];
}

export interface Breakdown {
  /** Every key in display order (the legend). */
  readonly keys: readonly string[];
  readonly rows: readonly BreakdownRow[];
}

/** Inputs first, then inner steps in numeric order, then the rest by name. */
export function compareStepKeys(a: string, b: string): number {
  const rank = (k: string) => (k === '(input)' ? 0 : /^step\/\d+$/.test(k) ? 1 : 2);
  const step = (k: string) => Number(k.slice(5));
  return rank(a) - rank(b) || (rank(a) === 1 ? step(a) - step(b) : a < b ? -1 : a > b ? 1 : 0);
}

function breakdown(runs: readonly ProfileRun[], groups: (r: ProfileRun) => Readonly<Record<string, number>>, keys: readonly string[]): Breakdown {
  const rows = runs.map((r) => {
    const g = groups(r);
    let offset = 0;
    const segments: Segment[] = [];
    for (const key of keys) {
      const bytes = g[key] ?? 0;
      if (bytes > 0) segments.push({ key, bytes, offset });
      offset += bytes;
    }
    return { mode: r.mode, total: offset, segments };
  });
  return { keys, rows };
}

export function byCategory(runs: readonly ProfileRun[]): Breakdown {
  return breakdown(runs, (r) => r.peak.by_category, CATEGORIES);
}

export function byStep(runs: readonly ProfileRun[]): Breakdown {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(r.peak.by_step)))].sort(compareStepKeys);
  return breakdown(runs, (r) => r.peak.by_step, keys);
}

export interface BlockBar {
  readonly block: string;
  /** Bytes at the peak per run (0 where the run has none). */
  readonly bytes: readonly number[];
}

/** The `limit` blocks holding the most bytes at any run's peak, largest first. */
export function topBlocks(runs: readonly ProfileRun[], limit = 12): BlockBar[] {
  const blocks = [...new Set(runs.flatMap((r) => Object.keys(r.peak.by_block)))];
  const bars = blocks.map((block) => ({ block, bytes: runs.map((r) => r.peak.by_block[block] ?? 0) }));
  const most = (b: BlockBar) => Math.max(...b.bytes);
  return bars.sort((a, b) => most(b) - most(a) || (a.block < b.block ? -1 : 1)).slice(0, limit);
}
