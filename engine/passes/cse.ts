import { avalBytes } from '../core/aval.js';
import type { Graph, GraphNode } from '../ir/graph.js';
import { idBound } from '../ir/live.js';
import { paramsKey } from '../ir/paramsKey.js';
import { planMemory } from '../exec/memory.js';
import { schedule } from '../exec/schedule.js';
import { RangeMax } from './rangeMax.js';
import { Rewriter } from './rewrite.js';

/** Ops whose result depends on their inputs and parameters alone (all of ours). */
function key(n: GraphNode): string {
  return `${n.op}|${n.aval.dtype}|${n.aval.shape.join(',')}|${n.inputs.join(',')}|${paramsKey(n.params)}`;
}

export interface CseOptions {
  /**
   * `none` (default): merge only where the two lifetimes overlap or touch, so no step holds
   * more bytes than before. `peak`: also keep a value alive across a gap while every step in
   * it stays at or under the planned peak, i.e. keep a rematerialised forward pass instead
   * of rerunning it wherever memory allows (peak unchanged; memory elsewhere rises, and the
   * plan stops growing block by block, which `estimate`'s extrapolation relies on).
   */
  readonly headroom?: 'none' | 'peak';
}

/**
 * Common subexpression elimination that never raises memory. A node equal to an earlier one
 * (same op, parameters and inputs) reuses it when the earlier value is still alive (or dies
 * the step before) where the duplicate would be computed: its lifetime then grows to cover
 * the duplicate's, which the duplicate's own buffer covered before, so at every step the live
 * bytes are the same or fewer. Equal values that died in between (a forward pass recomputed
 * under rematerialisation) are recomputed, unless `headroom: 'peak'`. Positions are those of
 * the executed schedule (constants are made just before their first use).
 */
export function eliminateCommonSubexpressions(graph: Graph, stats: Record<string, number> = {}, opts: CseOptions = {}): Graph {
  const spend = opts.headroom === 'peak';
  const sched = schedule(graph);
  const plan = spend ? planMemory(sched) : undefined;
  const headroom = plan && new RangeMax(plan.steps.map((s) => s.highWaterBytes));
  // Indexed by value id (dense); -1: never.
  const bound = idBound(graph);
  const position = new Int32Array(bound).fill(-1);
  const lastUse = new Int32Array(bound).fill(-1);
  sched.order.forEach((n, step) => {
    position[n.id] = step;
    for (const id of n.inputs) lastUse[id] = step;
  });
  const kept = new Uint8Array(bound);
  for (const id of graph.outputs) kept[id] = 1;
  const end = sched.order.length;
  const lifeEnd = (id: number) => (kept[id] ? end : lastUse[id] >= 0 ? lastUse[id] : position[id]);

  const rw = new Rewriter(graph);
  const first = new Map<string, number>();
  for (const original of graph.nodes) {
    const n = rw.renamed(original);
    const at = position[n.id];
    if (at < 0) continue; // dead: the schedule never runs it
    const k = key(n);
    const earlier = first.get(k);
    if (earlier !== undefined) {
      // Steps where neither value is alive today, so keeping `earlier` costs its bytes:
      // from its death to the duplicate's birth, or the other way round for a constant
      // traced later but used earlier.
      const [from, to] = lifeEnd(earlier) < at ? [lifeEnd(earlier) + 1, at - 1] : [lifeEnd(n.id) + 1, position[earlier] - 1];
      const bytes = avalBytes(n.aval);
      if (from > to || (headroom && plan && headroom.query(from, to) + bytes <= plan.peakBytes)) {
        headroom?.add(from, to, bytes);
        rw.replace(n.id, earlier);
        lastUse[earlier] = Math.max(lifeEnd(earlier), lifeEnd(n.id));
        position[earlier] = Math.min(at, position[earlier]);
        if (kept[n.id]) kept[earlier] = 1;
        stats[n.op] = (stats[n.op] ?? 0) + 1;
        continue;
      }
    }
    first.set(k, n.id);
    rw.keep(n);
  }
  return rw.result();
}
