import type { GraphNode, Origin } from '../ir/graph.js';
import { blockGroup, stepGroup } from './format.js';

/** Time and FLOPs of the ops of one group of scopes (an inner step, a block, a phase). */
export interface WorkRow {
  readonly group: string;
  readonly ops: number;
  readonly ms: number;
  readonly flops: number;
}

export type WorkGrouping = 'phase' | 'step' | 'block';

const groupers: Record<WorkGrouping, (n: GraphNode) => string> = {
  /** The transformation that made the op: primal, tangent, cotangent, remat, customVjp. */
  phase: (n) => n.origin satisfies Origin,
  step: (n) => stepGroup(n.scope),
  block: (n) => blockGroup(n.scope),
};

/**
 * Where the time goes: executed ops grouped by phase, inner step or block, with their
 * measured time and planned FLOPs (so achieved GFLOP/s per group), largest time first.
 * `order`, `nodeMs` and `nodeFlops` are aligned by step.
 */
export function workBy(grouping: WorkGrouping, order: readonly GraphNode[], nodeMs: readonly number[], nodeFlops: readonly number[]): WorkRow[] {
  const key = groupers[grouping];
  const rows = new Map<string, { ops: number; ms: number; flops: number }>();
  order.forEach((n, i) => {
    const g = key(n);
    const r = rows.get(g) ?? { ops: 0, ms: 0, flops: 0 };
    r.ops++;
    r.ms += nodeMs[i] ?? 0;
    r.flops += nodeFlops[i] ?? 0;
    rows.set(g, r);
  });
  return [...rows].map(([group, r]) => ({ group, ...r })).sort((a, b) => b.ms - a.ms || b.flops - a.flops);
}

/** GFLOP/s of `flops` done in `ms` (0 when no time was measured). */
export function gflopsPerSecond(flops: number, ms: number): number {
  return ms > 0 ? flops / ms / 1e6 : 0;
}

/** `1.23 GFLOP` or, below a tenth of one, `12.3 MFLOP`. */
export function formatFlops(flops: number): string {
  return flops >= 1e8 ? `${(flops / 1e9).toFixed(2)} GFLOP` : `${(flops / 1e6).toFixed(1)} MFLOP`;
}

/** Achieved rate: `4.56 GFLOP/s` or, below a tenth of one, `12.3 MFLOP/s`. */
export function formatRate(flops: number, ms: number): string {
  const g = gflopsPerSecond(flops, ms);
  return g >= 0.1 ? `${g.toFixed(2)} GFLOP/s` : `${(g * 1000).toFixed(1)} MFLOP/s`;
}
