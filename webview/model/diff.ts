/**
 * Two profiles compared (pure): runs matched by mode (and, with several of one mode, by
 * position); per matched pair the peak, active peak and time, and the deltas by category, by
 * scope (block) and by op at the peak, sorted by what changed most.
 */
import { CATEGORIES, type ProfileFile, type ProfileRun } from '../../engine/profile/format.js';

export interface Delta {
  readonly key: string;
  readonly a: number;
  readonly b: number;
  /** b − a. */
  readonly delta: number;
}

export interface RunDiff {
  readonly mode: ProfileRun['mode'];
  readonly a: ProfileRun;
  readonly b: ProfileRun;
  readonly peak: Delta;
  readonly activePeak: Delta;
  readonly time: Delta;
  readonly categories: readonly Delta[];
  readonly scopes: readonly Delta[];
  readonly ops: readonly Delta[];
}

function delta(key: string, a: number, b: number): Delta {
  return { key, a, b, delta: b - a };
}

/** Every key of either record, largest |delta| first (then by key). */
export function recordDeltas(a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>, keys?: readonly string[]): Delta[] {
  const all = keys ?? [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return all.map((k) => delta(k, a[k] ?? 0, b[k] ?? 0)).sort((p, q) => Math.abs(q.delta) - Math.abs(p.delta) || (p.key < q.key ? -1 : p.key > q.key ? 1 : 0));
}

export function diffProfiles(a: ProfileFile, b: ProfileFile): RunDiff[] {
  const used = new Set<number>();
  const out: RunDiff[] = [];
  for (const ra of a.runs) {
    const j = b.runs.findIndex((rb, k) => !used.has(k) && rb.mode === ra.mode);
    if (j < 0) continue;
    used.add(j);
    const rb = b.runs[j]!;
    out.push({
      mode: ra.mode, a: ra, b: rb,
      peak: delta('peak', ra.totals.peak_bytes, rb.totals.peak_bytes),
      activePeak: delta('active peak', ra.totals.active_peak_bytes, rb.totals.active_peak_bytes),
      time: delta('time', ra.totals.time_ms, rb.totals.time_ms),
      categories: recordDeltas(ra.peak.by_category, rb.peak.by_category, CATEGORIES),
      scopes: recordDeltas(ra.peak.by_block, rb.peak.by_block),
      ops: recordDeltas(ra.peak.by_op, rb.peak.by_op),
    });
  }
  return out;
}

/** What differs in how the two were run (remat, backend, setup), for the diff's header. */
export function settingsDiff(a: ProfileFile, b: ProfileFile): string[] {
  const out: string[] = [];
  const set = (p: ProfileFile, f: (r: ProfileRun) => string) => [...new Set(p.runs.map(f))].join('/');
  for (const [name, f] of [['remat', (r: ProfileRun) => r.remat], ['backend', (r: ProfileRun) => r.backend], ['precision', (r: ProfileRun) => r.precision]] as const) {
    const x = set(a, f);
    const y = set(b, f);
    if (x !== y) out.push(`${name} ${x} → ${y}`);
  }
  if ((a.setup.path ?? '') !== (b.setup.path ?? '')) out.push(`setup ${a.setup.path ?? '(in memory)'} → ${b.setup.path ?? '(in memory)'}`);
  return out;
}
