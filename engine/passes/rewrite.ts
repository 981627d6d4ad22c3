import type { Graph, GraphNode } from '../ir/graph.js';
import { idBound } from '../ir/live.js';

/**
 * One forward sweep over a graph's nodes in order, each node either kept (with its
 * inputs renamed through the replacements made so far) or replaced by an earlier value.
 * Every pass is such a sweep; ids are never reused, so a node keeps its id, scope and
 * origin (the profile still names it) and a replaced value is simply forgotten.
 */
export class Rewriter {
  private readonly replacement = new Map<number, number>();
  readonly nodes: GraphNode[] = [];
  private nextId: number;

  constructor(readonly graph: Graph) {
    this.nextId = idBound(graph);
  }

  /** An id no value of the graph has (for a node a rule adds). */
  freshId(): number {
    return this.nextId++;
  }

  /** The id a value is now known by. */
  resolve(id: number): number {
    let r = id;
    for (let next = this.replacement.get(r); next !== undefined; next = this.replacement.get(r)) r = next;
    return r;
  }

  /** `node` with its inputs renamed; not yet kept. */
  renamed(node: GraphNode): GraphNode {
    const inputs = node.inputs.map((id) => this.resolve(id));
    return inputs.every((id, i) => id === node.inputs[i]) ? node : { ...node, inputs };
  }

  keep(node: GraphNode): void {
    this.nodes.push(node);
  }

  /** Every later use of `id` reads `by` instead (same shape and dtype). */
  replace(id: number, by: number): void {
    this.replacement.set(id, this.resolve(by));
  }

  result(): Graph {
    return { inputs: this.graph.inputs, nodes: this.nodes, outputs: this.graph.outputs.map((id) => this.resolve(id)) };
  }
}

/** Shape and dtype of every value of a graph, by id. */
export function avalsOf(graph: Graph): Map<number, GraphNode['aval']> {
  const avals = new Map<number, GraphNode['aval']>(graph.inputs.map((i) => [i.id, i.aval]));
  for (const n of graph.nodes) avals.set(n.id, n.aval);
  return avals;
}
