import { avalBytes } from '../core/aval.js';
import { liveAt, type MemoryProfile } from '../exec/memory.js';
import type { Schedule } from '../exec/schedule.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { blockGroup, CATEGORIES, stepGroup, type ProfileCategory as Category } from './format.js';

/** What each value held at the peak is (the categories are defined in format.ts). */
export { CATEGORIES, type Category };

export interface LiveValue {
  readonly id: number;
  readonly bytes: number;
  readonly category: Category;
  /** The producer's scope (`(input)` for graph inputs) and op. */
  readonly scope: string;
  readonly op: string;
}

export interface PeakBreakdown {
  readonly live: readonly LiveValue[];
  readonly byCategory: Record<Category, number>;
  /** Bytes by inner step (`step/2`, `outer`, `(input)`; see `stepGroup`). */
  readonly byScope: Record<string, number>;
  /** Bytes by scope down to the block (`step/2/grad/block/1`; see `blockGroup`). */
  readonly byBlock: Record<string, number>;
}

function categorise(node: GraphNode | undefined, inputName: string, laterConsumers: readonly GraphNode[]): Category {
  if (!node) return inputName.startsWith('inner/') || inputName.startsWith('outer/') ? 'data' : 'parameters';
  if (node.origin === 'tangent') return 'tangents';
  if (node.origin === 'cotangent') return 'cotangents';
  const forBackwardOnly = laterConsumers.length > 0 && laterConsumers.every((c) => c.origin !== 'primal');
  const update = /(^|\/)update\/(state|params)(\/|$)/.exec(node.scope);
  if (update) return forBackwardOnly ? 'inner-step checkpoints' : update[2] === 'state' ? 'optimiser state' : 'parameters';
  return forBackwardOnly ? 'residuals' : 'activations';
}

/** Attributes every value live at the peak to a category and a scope; each breakdown sums to the peak. */
export function peakBreakdown(graph: Graph, sched: Schedule, memory: MemoryProfile): PeakBreakdown {
  return breakdownAt(graph, sched, memory.peakStep, memory.liveAtPeak);
}

/** The same attribution for the values live while step `step` runs (-1: before any step). */
export function breakdownAt(graph: Graph, sched: Schedule, step: number, liveIds: readonly number[] = liveAt(sched, step)): PeakBreakdown {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const names = new Map(graph.inputs.map((i) => [i.id, i.name]));
  const consumers = new Map<number, GraphNode[]>();
  sched.order.forEach((n, later) => {
    for (const id of n.inputs) {
      if (later > step) (consumers.get(id) ?? consumers.set(id, []).get(id)!).push(n);
    }
  });
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<Category, number>;
  const byScope: Record<string, number> = {};
  const byBlock: Record<string, number> = {};
  const live = liveIds.map((id): LiveValue => {
    const node = byId.get(id);
    const bytes = avalBytes(sched.avalOf.get(id)!);
    const category = categorise(node, names.get(id) ?? '', consumers.get(id) ?? []);
    const scope = node ? node.scope : '(input)';
    byCategory[category] += bytes;
    byScope[stepGroup(scope)] = (byScope[stepGroup(scope)] ?? 0) + bytes;
    byBlock[blockGroup(scope)] = (byBlock[blockGroup(scope)] ?? 0) + bytes;
    return { id, bytes, category, scope, op: node ? node.op : 'input' };
  });
  return { live, byCategory, byScope, byBlock };
}
