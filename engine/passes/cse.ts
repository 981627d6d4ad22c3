import { avalBytes } from '../core/aval.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { planMemory } from '../exec/memory.js';
import { schedule } from '../exec/schedule.js';
import { RangeMax } from './rangeMax.js';
import { Rewriter } from './rewrite.js';

/** Ops whose result depends on their inputs and parameters alone (all of ours). */
function key(n: GraphNode): string {
  return `${n.op}|${n.aval.dtype}|${n.aval.shape.join(',')}|${n.inputs.join(',')}|${JSON.stringify(n.params)}`;
}

/**
 * Common subexpression elimination under the planned peak. A node equal to an earlier one
 * (same op, parameters and inputs) reuses it when keeping the earlier value alive until
 * then stays at or under the schedule's planned peak at every step in between; the
 * duplicate's own buffer is gone. When the two lifetimes overlap that is free (the
 * duplicate's buffer covered the same steps); across a gap it spends headroom, which is
 * how a recomputation under rematerialisation is kept instead of rerun wherever the
 * memory allows, and rerun where the peak would rise. The optimised graph's peak is
 * never above the original's. Positions are those of the executed schedule (constants
 * are made just before their first use).
 */
export function eliminateCommonSubexpressions(graph: Graph, stats: Record<string, number> = {}): Graph {
  const sched = schedule(graph);
  const plan = planMemory(sched);
  const headroom = new RangeMax(plan.steps.map((s) => s.highWaterBytes));
  const position = new Map<number, number>();
  const lastUse = new Map<number, number>();
  sched.order.forEach((n, step) => {
    position.set(n.id, step);
    for (const id of n.inputs) lastUse.set(id, step);
  });
  const kept = new Set(graph.outputs);
  const end = sched.order.length;
  const lifeEnd = (id: number) => (kept.has(id) ? end : lastUse.get(id) ?? position.get(id)!);

  const rw = new Rewriter(graph);
  const first = new Map<string, number>();
  for (const original of graph.nodes) {
    const n = rw.renamed(original);
    const at = position.get(n.id);
    if (at === undefined) continue; // dead: the schedule never runs it
    const k = key(n);
    const earlier = first.get(k);
    if (earlier !== undefined) {
      // Steps where neither value is alive today, so keeping `earlier` costs its bytes:
      // from its death to the duplicate's birth, or the other way round for a constant
      // traced later but used earlier.
      const [from, to] = lifeEnd(earlier) < at ? [lifeEnd(earlier) + 1, at - 1] : [lifeEnd(n.id) + 1, position.get(earlier)! - 1];
      const bytes = avalBytes(n.aval);
      if (from > to || headroom.query(from, to) + bytes <= plan.peakBytes) {
        headroom.add(from, to, bytes);
        rw.replace(n.id, earlier);
        lastUse.set(earlier, Math.max(lifeEnd(earlier), lifeEnd(n.id)));
        position.set(earlier, Math.min(at, position.get(earlier)!));
        if (kept.has(n.id)) kept.add(earlier);
        stats[n.op] = (stats[n.op] ?? 0) + 1;
        continue;
      }
    }
    first.set(k, n.id);
    rw.keep(n);
  }
  return rw.result();
}
