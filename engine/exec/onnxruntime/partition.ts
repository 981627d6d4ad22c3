import type { Schedule } from '../schedule.js';
import { contentCuts, nodeSignature } from './cuts.js';
import type { Segment } from './lower.js';

/**
 * Cuts a schedule into consecutive segments (by content unless `bounds` are given, cuts.ts):
 * each reads what earlier ones (or the graph inputs) made and hands on what later ones read.
 * onnxruntime's session set-up grows faster than linearly with the node count, and equal
 * segments share one session, so a graph of tens of thousands of ops compiles as a few dozen
 * small models.
 */
export function partition(sched: Schedule, bounds?: readonly (readonly [number, number])[]): Segment[] {
  const { order, graph } = sched;
  const signatures = order.map(nodeSignature);
  const cuts = bounds ?? contentCuts(order, signatures);
  const segOf = new Map<number, number>(graph.inputs.map((i) => [i.id, -1]));
  cuts.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) segOf.set(order[i].id, k);
  });
  // The last segment that reads each value (graph outputs count as read after the last one).
  const lastReader = new Map<number, number>();
  cuts.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) for (const id of order[i].inputs) lastReader.set(id, k);
  });
  for (const id of graph.outputs) lastReader.set(id, cuts.length);
  return cuts.map(([a, b], k) => {
    const nodes = order.slice(a, b);
    const inputs = new Set<number>();
    for (const n of nodes) for (const id of n.inputs) if (segOf.get(id)! !== k) inputs.add(id);
    const outputs = nodes.filter((n) => (lastReader.get(n.id) ?? -1) > k).map((n) => n.id);
    const released = [...inputs].filter((id) => lastReader.get(id) === k && segOf.get(id) !== -1);
    const seg = { inputs: [...inputs], nodes, outputs, released };
    return { ...seg, key: segmentKey(sched, seg, signatures.slice(a, b)) };
  });
}

/**
 * The segment with its value ids replaced by positions (inputs by order of first use, nodes by
 * index): two segments with the same key lower to the same ONNX model, inputs and outputs in
 * the same order, so one session runs both.
 */
function segmentKey(sched: Schedule, seg: Omit<Segment, 'key'>, signatures: readonly string[]): string {
  const ref = new Map<number, string>(seg.inputs.map((id, i) => [id, `i${i}`]));
  const parts = seg.inputs.map((id) => {
    const aval = sched.avalOf.get(id)!;
    return `${aval.dtype}[${aval.shape.join(',')}]`;
  });
  seg.nodes.forEach((n, i) => {
    parts.push(`${signatures[i]}(${n.inputs.map((id) => ref.get(id)).join(',')})`);
    ref.set(n.id, `${i}`);
  });
  parts.push(`→${seg.outputs.map((id) => ref.get(id)).join(',')}`);
  return parts.join(';');
}

/** Segments grouped by key: one model per distinct segment, numbered in order of first use. */
export interface Models {
  /** Each segment's model. */
  readonly modelOf: readonly number[];
  /** Each model's first segment (where it is lowered and its session created). */
  readonly firstUse: readonly number[];
  /** Each model's last segment (after which its session is released). */
  readonly lastUse: readonly number[];
}

export function distinctModels(segments: readonly Segment[]): Models {
  const modelOf: number[] = [];
  const firstUse: number[] = [];
  const lastUse: number[] = [];
  const byKey = new Map<string, number>();
  segments.forEach((seg, k) => {
    let m = seg.key === undefined ? undefined : byKey.get(seg.key);
    if (m === undefined) {
      m = firstUse.push(k) - 1;
      if (seg.key !== undefined) byKey.set(seg.key, m);
    }
    modelOf.push(m);
    lastUse[m] = k;
  });
  return { modelOf, firstUse, lastUse };
}
