import type { Graph } from '../ir/graph.js';

/**
 * Dead code elimination: drops every node no output depends on (cotangents of inputs
 * nobody asked for, primal results of a JVP whose tangent alone is used, ...). Order and
 * ids of the kept nodes are unchanged.
 */
export function eliminateDeadCode(graph: Graph): Graph {
  const needed = new Set(graph.outputs);
  const kept = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (!needed.has(n.id)) continue;
    kept.push(n);
    for (const id of n.inputs) needed.add(id);
  }
  return kept.length === graph.nodes.length ? graph : { ...graph, nodes: kept.reverse() };
}
