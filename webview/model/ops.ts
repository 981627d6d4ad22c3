/** The memory-per-op table (pure): executed ops aggregated by op name, one column set per run. */
import type { ProfileRun } from '../../engine/profile/format.js';

export interface OpStats {
  /** Times the op was executed. */
  readonly count: number;
  /** Bytes its executions allocated. */
  readonly allocated: number;
  /** Bytes of its outputs live at the peak. */
  readonly atPeak: number;
  /** Its total time, null when ops were not timed. */
  readonly ms: number | null;
}

export interface OpRow {
  readonly op: string;
  /** One entry per run, in `runs` order. */
  readonly runs: readonly OpStats[];
}

export const OP_FIELDS = ['count', 'allocated', 'atPeak', 'ms'] as const;
export type OpField = (typeof OP_FIELDS)[number];

/** Sort by op name, or by one run's field. */
export type OpSort = { readonly by: 'op'; readonly descending: boolean } | { readonly by: OpField; readonly run: number; readonly descending: boolean };

function statsOf(run: ProfileRun): Map<string, OpStats> {
  const { graph, steps } = run;
  const acc = new Map<string, { count: number; allocated: number; ms: number }>();
  for (let i = 0; i < steps.node.length; i++) {
    const op = graph.ops[graph.nodes.op[steps.node[i]!]!]!;
    const a = acc.get(op) ?? { count: 0, allocated: 0, ms: 0 };
    a.count++;
    a.allocated += steps.allocated_bytes[i]!;
    a.ms += steps.ms ? steps.ms[i]! : 0;
    acc.set(op, a);
  }
  const out = new Map<string, OpStats>();
  for (const [op, a] of acc) out.set(op, { count: a.count, allocated: a.allocated, atPeak: run.peak.by_op[op] ?? 0, ms: steps.ms ? a.ms : null });
  return out;
}

const NONE: OpStats = { count: 0, allocated: 0, atPeak: 0, ms: null };

export function opRows(runs: readonly ProfileRun[]): OpRow[] {
  const stats = runs.map(statsOf);
  const ops = [...new Set(stats.flatMap((s) => [...s.keys()]))].sort();
  return ops.map((op) => ({ op, runs: stats.map((s) => s.get(op) ?? NONE) }));
}

export function sortOpRows(rows: readonly OpRow[], sort: OpSort): OpRow[] {
  const sign = sort.descending ? -1 : 1;
  const byName = (a: OpRow, b: OpRow) => (a.op < b.op ? -1 : a.op > b.op ? 1 : 0);
  if (sort.by === 'op') return [...rows].sort((a, b) => sign * byName(a, b));
  const { by, run } = sort;
  const value = (r: OpRow) => r.runs[run]?.[by] ?? -1;
  return [...rows].sort((a, b) => sign * (value(a) - value(b)) || byName(a, b));
}
