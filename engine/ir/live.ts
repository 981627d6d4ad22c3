import type { Graph, GraphNode } from './graph.js';

/** One more than the largest value id in `graph`: the length of an array indexed by id. */
export function idBound(graph: Graph): number {
  let bound = 0;
  for (const i of graph.inputs) if (i.id >= bound) bound = i.id + 1;
  for (const n of graph.nodes) if (n.id >= bound) bound = n.id + 1;
  return bound;
}

/**
 * The nodes some graph output depends on, in graph order. Ids are dense, so a byte per id
 * marks what is needed (a Set of ids made this the slowest part of every pass).
 */
export function liveNodes(graph: Graph): GraphNode[] {
  const needed = new Uint8Array(idBound(graph));
  for (const id of graph.outputs) needed[id] = 1;
  const kept: GraphNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (!needed[n.id]) continue;
    kept.push(n);
    for (const id of n.inputs) needed[id] = 1;
  }
  return kept.reverse();
}
