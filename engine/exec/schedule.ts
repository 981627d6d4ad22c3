import type { Aval } from '../core/aval.js';
import type { Graph, GraphNode } from '../ir/graph.js';

/**
 * The execution plan both executors and the static planner follow: live nodes in trace
 * order, input-free nodes (constants) moved to just before their first use, and for each
 * step the values that die after it. Graph inputs and outputs are never released.
 */
export interface Schedule {
  readonly graph: Graph;
  readonly order: readonly GraphNode[];
  readonly releaseAfter: readonly (readonly number[])[];
  readonly avalOf: ReadonlyMap<number, Aval>;
}

function liveNodes(graph: Graph): GraphNode[] {
  const needed = new Set(graph.outputs);
  const kept: GraphNode[] = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const n = graph.nodes[i];
    if (!needed.has(n.id)) continue;
    kept.push(n);
    for (const id of n.inputs) needed.add(id);
  }
  return kept.reverse();
}

function placeSourcesLate(nodes: GraphNode[]): GraphNode[] {
  const sources = new Map(nodes.filter((n) => n.inputs.length === 0).map((n) => [n.id, n]));
  const order: GraphNode[] = [];
  for (const n of nodes) {
    if (n.inputs.length === 0) continue;
    for (const id of n.inputs) {
      const s = sources.get(id);
      if (s) {
        order.push(s);
        sources.delete(id);
      }
    }
    order.push(n);
  }
  return [...order, ...sources.values()];
}

export function schedule(graph: Graph): Schedule {
  const order = placeSourcesLate(liveNodes(graph));
  const avalOf = new Map<number, Aval>(graph.inputs.map((i) => [i.id, i.aval]));
  for (const n of order) avalOf.set(n.id, n.aval);
  const kept = new Set([...graph.inputs.map((i) => i.id), ...graph.outputs]);
  const lastUse = new Map<number, number>();
  order.forEach((n, step) => {
    lastUse.set(n.id, step);
    for (const id of n.inputs) lastUse.set(id, step);
  });
  const releaseAfter: number[][] = order.map(() => []);
  for (const [id, step] of lastUse) if (!kept.has(id)) releaseAfter[step].push(id);
  return { graph, order, releaseAfter, avalOf };
}
