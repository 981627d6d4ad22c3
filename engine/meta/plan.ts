import { schedule, type Schedule } from '../exec/schedule.js';
import { optimise, type PassReport } from '../passes/index.js';
import type { Setup } from '../setup/types.js';
import type { Traced } from '../trace/traceGraph.js';
import type { MetaOptions } from './objective.js';
import { traceMeta } from './trace.js';

export interface MetaPlanOptions extends MetaOptions {
  /** Run the graph passes (default true); off only to measure what they save. */
  readonly passes?: boolean;
}

export interface MetaPlan {
  /** The traced graph after the passes: what runs, what is planned, what the profile shows. */
  readonly traced: Traced;
  readonly sched: Schedule;
  readonly passes: PassReport;
}

/**
 * Trace → graph passes → schedule: the one path both `runMeta` and `estimateMeta` take,
 * so the measured peak equals the planned one on the same optimised graph.
 */
export function planMeta(setup: Setup, opts: MetaPlanOptions, onGrow?: (nodes: number) => void): MetaPlan {
  const raw = traceMeta(setup, { mode: opts.mode, remat: opts.remat }, onGrow);
  if (opts.passes === false) {
    const n = raw.graph.nodes.length;
    return { traced: raw, sched: schedule(raw.graph), passes: { nodesBefore: n, nodesAfter: n, simplified: {}, merged: {} } };
  }
  const { graph, report } = optimise(raw.graph);
  const traced = { ...raw, graph };
  return { traced, sched: schedule(graph), passes: report };
}
