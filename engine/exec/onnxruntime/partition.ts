import type { Schedule } from '../schedule.js';
import type { Segment } from './lower.js';

/**
 * Cuts a schedule into consecutive segments of at most `maxNodes` nodes. onnxruntime's session
 * set-up (graph resolution, allocation planning) grows faster than linearly with the node count,
 * so several small sessions are created much faster than one large one; what crosses a cut is
 * handed from one session to the next.
 */
export function partition(sched: Schedule, maxNodes: number): Segment[] {
  const { order, graph } = sched;
  const segOf = new Map<number, number>(graph.inputs.map((i) => [i.id, -1]));
  const bounds: [number, number][] = [];
  for (let s = 0; s < order.length; s += maxNodes) bounds.push([s, Math.min(order.length, s + maxNodes)]);
  bounds.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) segOf.set(order[i].id, k);
  });
  // The last segment that reads each value (graph outputs count as read after the last one).
  const lastReader = new Map<number, number>();
  bounds.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) for (const id of order[i].inputs) lastReader.set(id, k);
  });
  for (const id of graph.outputs) lastReader.set(id, bounds.length);
  return bounds.map(([a, b], k) => {
    const nodes = order.slice(a, b);
    const inputs = new Set<number>();
    for (const n of nodes) for (const id of n.inputs) if (segOf.get(id)! !== k) inputs.add(id);
    const outputs = nodes.filter((n) => (lastReader.get(n.id) ?? -1) > k).map((n) => n.id);
    const released = [...inputs].filter((id) => lastReader.get(id) === k && segOf.get(id) !== -1);
    return { inputs: [...inputs], nodes, outputs, released };
  });
}
