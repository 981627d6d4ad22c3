import type { Graph } from '../ir/graph.js';
import { liveNodes } from '../ir/live.js';

/**
 * Dead code elimination: drops every node no output depends on (cotangents of inputs
 * nobody asked for, primal results of a JVP whose tangent alone is used, ...). Order and
 * ids of the kept nodes are unchanged.
 */
export function eliminateDeadCode(graph: Graph): Graph {
  const kept = liveNodes(graph);
  return kept.length === graph.nodes.length ? graph : { ...graph, nodes: kept };
}
