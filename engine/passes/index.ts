import type { Graph } from '../ir/graph.js';
import { eliminateCommonSubexpressions, type CseOptions } from './cse.js';
import { eliminateDeadCode } from './dce.js';
import { simplify } from './simplify.js';

export { eliminateDeadCode } from './dce.js';
export { eliminateCommonSubexpressions, type CseOptions } from './cse.js';
export { simplify } from './simplify.js';

/** What the passes did: nodes before and after, and rewrites per rule or op. */
export interface PassReport {
  readonly nodesBefore: number;
  readonly nodesAfter: number;
  readonly simplified: Record<string, number>;
  readonly merged: Record<string, number>;
}

export interface Optimised {
  readonly graph: Graph;
  readonly report: PassReport;
}

/**
 * The graph passes between tracing and scheduling: dead code, algebraic simplification,
 * common subexpressions, dead code again. The executors, the planner and the profile all
 * see the optimised graph, so measured memory still equals the plan exactly; every pass
 * keeps values exact (finite inputs) and never raises the planned peak.
 */
export function optimise(graph: Graph, cse: CseOptions = {}): Optimised {
  const simplified: Record<string, number> = {};
  const merged: Record<string, number> = {};
  const live = eliminateDeadCode(graph);
  const out = eliminateDeadCode(eliminateCommonSubexpressions(eliminateDeadCode(simplify(live, simplified)), merged, cse));
  return { graph: out, report: { nodesBefore: live.nodes.length, nodesAfter: out.nodes.length, simplified, merged } };
}
