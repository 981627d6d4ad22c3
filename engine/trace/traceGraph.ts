import type { Aval } from '../core/aval.js';
import type { Graph } from '../ir/graph.js';
import { flatten, unflatten, type Tree, type TreeDef } from '../transforms/tree.js';
import { BuildTrace } from './build.js';
import { fullRaise, Tensor, withBottom } from './tensor.js';

export interface NamedAval extends Aval {
  readonly name?: string;
}

export interface Traced {
  readonly graph: Graph;
  /** Structure of the outputs, to rebuild them from the graph's flat outputs. */
  readonly outDef: TreeDef;
}

function isAval(x: unknown): x is NamedAval {
  return typeof x === 'object' && x !== null && Array.isArray((x as Aval).shape) && typeof (x as Aval).dtype === 'string';
}

/** Paths of the leaves of an input tree, e.g. `theta/0/w`, used as input names. */
function leafPaths(tree: unknown, prefix: string, out: string[]): void {
  if (isAval(tree)) out.push(tree.name ?? prefix);
  else if (Array.isArray(tree)) tree.forEach((t, i) => leafPaths(t, `${prefix}/${i}`, out));
  else Object.entries(tree as object).forEach(([k, t]) => leafPaths(t, `${prefix}/${k}`, out));
}

/**
 * Traces `fn` on abstract inputs (trees of avals, one per argument) into one flat graph.
 * Every transformation used inside `fn` is applied during tracing, so the graph holds only
 * primitives: what the executors run and the planner measures. `onGrow(nodes)` reports
 * progress during long traces (every 16 384 nodes).
 */
export function traceGraph(fn: (...args: any[]) => Tree, inputs: readonly Tree<NamedAval>[], onGrow?: (nodes: number) => void): Traced {
  return withBottom(
    (main) => new BuildTrace(main, onGrow),
    (main) => {
      const builder = main.trace as BuildTrace;
      const names: string[] = [];
      inputs.forEach((t, i) => leafPaths(t, `arg${i}`, names));
      let k = 0;
      const args = inputs.map((tree) => {
        const { leaves, def } = flatten(tree as Tree<Aval>, isAval);
        return unflatten(def, leaves.map((a) => builder.addInput(a as Aval, names[k++])));
      });
      const { leaves, def } = flatten(fn(...args));
      const outs = leaves.map((o, i) => {
        if (!(o instanceof Tensor)) throw new Error(`output leaf ${i} is not a tensor`);
        return fullRaise(builder, o);
      });
      return { graph: builder.graph(outs), outDef: def };
    },
  );
}
