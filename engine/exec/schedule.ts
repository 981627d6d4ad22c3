import type { Aval } from '../core/aval.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { idBound, liveNodes } from '../ir/live.js';

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
  const bound = idBound(graph);
  const kept = new Uint8Array(bound);
  for (const i of graph.inputs) kept[i.id] = 1;
  for (const id of graph.outputs) kept[id] = 1;
  // Each value's last step, and the values in order of first appearance (the order in which
  // each step releases them).
  const lastUse = new Int32Array(bound).fill(-1);
  const seen: number[] = [];
  const use = (id: number, step: number) => {
    if (lastUse[id] < 0) seen.push(id);
    lastUse[id] = step;
  };
  order.forEach((n, step) => {
    use(n.id, step);
    for (const id of n.inputs) use(id, step);
  });
  const releaseAfter: number[][] = order.map(() => []);
  for (const id of seen) if (!kept[id]) releaseAfter[lastUse[id]].push(id);
  return { graph, order, releaseAfter, avalOf };
}
