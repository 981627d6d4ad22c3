import { idBound } from '../../ir/live.js';
import type { Schedule } from '../schedule.js';
import { contentCuts, nodeSignature } from './cuts.js';
import type { GraphNode } from '../../ir/graph.js';
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
  // Indexed by value id (dense): the segment that makes each value (-1: a graph input), and
  // the last segment that reads it (graph outputs count as read after the last one).
  const bound = idBound(graph);
  const segOf = new Int32Array(bound).fill(-1);
  const lastReader = new Int32Array(bound).fill(-1);
  cuts.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) {
      segOf[order[i].id] = k;
      for (const id of order[i].inputs) lastReader[id] = k;
    }
  });
  for (const id of graph.outputs) lastReader[id] = cuts.length;
  // Signatures as small numbers, so that a key compares short strings. A scalar constant is
  // named without its value: segments that differ only there (Adam's bias corrections change
  // from step to step) share a model, the differing constants fed as inputs (`liftConstants`).
  const signatureId = new Map<string, number>();
  const sigIds = order.map((n, i) => {
    const sig = isScalarConstant(n) ? `full:${n.aval.dtype}` : signatures[i];
    let id = signatureId.get(sig);
    if (id === undefined) signatureId.set(sig, (id = signatureId.size));
    return id;
  });
  const segments = cuts.map(([a, b], k) => {
    const nodes = order.slice(a, b);
    const inputs = new Set<number>();
    for (const n of nodes) for (const id of n.inputs) if (segOf[id] !== k) inputs.add(id);
    const outputs = nodes.filter((n) => lastReader[n.id] > k).map((n) => n.id);
    const released = [...inputs].filter((id) => lastReader[id] === k && segOf[id] !== -1);
    const seg = { inputs: [...inputs], nodes, outputs, released };
    return { ...seg, key: segmentKey(sched, seg, sigIds.slice(a, b)) };
  });
  return liftConstants(segments);
}

const isScalarConstant = (n: GraphNode) => n.op === 'full' && n.aval.shape.length === 0;

/**
 * Segments with equal keys may still differ in the values of scalar constants (the key leaves
 * them out). Where they do, that constant leaves each such segment's nodes and becomes its
 * last input (`lifted` says the value), so all of them lower to one model.
 */
function liftConstants(segments: Segment[]): Segment[] {
  const { modelOf, firstUse } = distinctModels(segments);
  const groups = firstUse.map((): number[] => []);
  modelOf.forEach((m, k) => groups[m].push(k));
  for (const members of groups) {
    if (members.length < 2) continue;
    const first = segments[members[0]].nodes;
    const varying = new Set<number>();
    first.forEach((n, i) => {
      if (isScalarConstant(n) && members.some((k) => segments[k].nodes[i].params.value !== n.params.value)) varying.add(i);
    });
    if (!varying.size) continue;
    for (const k of members) {
      const seg = segments[k];
      const lifted = seg.nodes.filter((_, i) => varying.has(i));
      const liftedIds = new Set(lifted.map((n) => n.id));
      segments[k] = {
        ...seg,
        inputs: [...seg.inputs, ...lifted.map((n) => n.id)],
        nodes: seg.nodes.filter((n) => !liftedIds.has(n.id)),
        outputs: seg.outputs.filter((id) => !liftedIds.has(id)),
        lifted: lifted.map((n) => ({ id: n.id, dtype: n.aval.dtype, value: n.params.value as number })),
      };
    }
  }
  return segments;
}

/**
 * The segment with its value ids replaced by positions (inputs by order of first use, nodes by
 * index): two segments with the same key lower to the same ONNX model, inputs and outputs in
 * the same order, so one session runs both.
 */
function segmentKey(sched: Schedule, seg: Omit<Segment, 'key'>, signatures: readonly number[]): string {
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
