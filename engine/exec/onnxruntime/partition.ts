import { idBound } from '../../ir/live.js';
import type { Schedule } from '../schedule.js';
import { contentCuts, nodeSignature } from './cuts.js';
import type { GraphNode } from '../../ir/graph.js';
import type { LiftedValue, Segment } from './lower.js';
import { paramsKey } from '../../ir/paramsKey.js';

/**
 * Cuts a schedule into consecutive segments (by content unless `bounds` are given, cuts.ts):
 * each reads what earlier ones (or the graph inputs) made and hands on what later ones read.
 * onnxruntime's session set-up grows faster than linearly with the node count, and equal
 * segments share one session, so a graph of tens of thousands of ops compiles as a few dozen
 * small models.
 */
export function partition(sched: Schedule, bounds?: readonly (readonly [number, number])[]): Segment[] {
  const { order, graph } = sched;
  const bound = idBound(graph);
  // A scalar constant is named without its value, a slice of a graph input without its start:
  // segments that differ only there (Adam's bias corrections, each inner step's batch) cut at
  // the same places and share a model, the differing values made before the run and fed as
  // inputs (`liftValues`).
  const isInput = new Uint8Array(bound);
  for (const inp of graph.inputs) isInput[inp.id] = 1;
  const liftable = (n: GraphNode) => isScalarConstant(n) || (n.op === 'slice' && isInput[n.inputs[0]] === 1);
  const signatures = order.map((n) => (liftable(n) ? `${n.op}:${n.aval.dtype}[${n.aval.shape.join(',')}]` : nodeSignature(n)));
  const cuts = bounds ?? contentCuts(order, signatures);
  // Indexed by value id (dense): the segment that makes each value (-1: a graph input), and
  // the last segment that reads it (graph outputs count as read after the last one).
  const segOf = new Int32Array(bound).fill(-1);
  const lastReader = new Int32Array(bound).fill(-1);
  cuts.forEach(([a, b], k) => {
    for (let i = a; i < b; i++) {
      segOf[order[i].id] = k;
      for (const id of order[i].inputs) lastReader[id] = k;
    }
  });
  for (const id of graph.outputs) lastReader[id] = cuts.length;
  // Signatures as small numbers, so that a key compares short strings.
  const signatureId = new Map<string, number>();
  const sigIds = signatures.map((sig) => {
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
  return liftValues(segments, liftable);
}

const isScalarConstant = (n: GraphNode) => n.op === 'full' && n.aval.shape.length === 0;

/**
 * Segments with equal keys may still differ where the key leaves parameters out (`liftable`
 * nodes). Where they do, that node leaves each such segment and its value becomes the
 * segment's last input, made before the run (`lifted` says how), so all of them lower to one
 * model. A graph input that only lifted slices read is then no input of the segment.
 */
function liftValues(segments: Segment[], liftable: (n: GraphNode) => boolean): Segment[] {
  const { modelOf, firstUse } = distinctModels(segments);
  const groups = firstUse.map((): number[] => []);
  modelOf.forEach((m, k) => groups[m].push(k));
  for (const members of groups) {
    if (members.length < 2) continue;
    const first = segments[members[0]].nodes;
    const varying = new Set<number>();
    first.forEach((n, i) => {
      if (!liftable(n)) return;
      const params = paramsKey(n.params);
      if (members.some((k) => paramsKey(segments[k].nodes[i].params) !== params)) varying.add(i);
    });
    if (!varying.size) continue;
    for (const k of members) {
      const seg = segments[k];
      const lifted = seg.nodes.filter((_, i) => varying.has(i));
      const liftedIds = new Set(lifted.map((n) => n.id));
      const nodes = seg.nodes.filter((n) => !liftedIds.has(n.id));
      const read = new Set(nodes.flatMap((n) => n.inputs));
      segments[k] = {
        ...seg,
        inputs: [...seg.inputs.filter((id) => read.has(id)), ...lifted.map((n) => n.id)],
        nodes,
        outputs: seg.outputs.filter((id) => !liftedIds.has(id)),
        lifted: lifted.map(liftedValue),
      };
    }
  }
  return segments;
}

function liftedValue(n: GraphNode): LiftedValue {
  const made = { id: n.id, dtype: n.aval.dtype, dims: n.aval.shape };
  return n.op === 'slice' ? { ...made, slice: { input: n.inputs[0], begin: n.params.begin as number[] } } : { ...made, value: n.params.value as number };
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
