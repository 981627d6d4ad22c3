import '../../primitives/index.js';
import type { Aval } from '../../core/aval.js';
import { broadcastShapes, sameShape } from '../../core/shape.js';
import { modelProtoType } from '../../import/onnx/schema.js';
import { GraphEmitter, MS_DOMAIN, onnxType } from '../../kernels/onnx/emitter.js';
import { getPrimitive } from '../../primitives/registry.js';
import type { GraphNode } from '../../ir/graph.js';
import type { Schedule } from '../schedule.js';

/** A run of scheduled nodes with the values it reads from outside and the values it hands on. */
export interface Segment {
  readonly inputs: readonly number[];
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly number[];
  /** Inputs no later segment reads (graph inputs and outputs excepted): a runner drops them after this one. */
  readonly released: readonly number[];
  /** Equal for segments that lower to the same model (partition.ts); absent: never shared. */
  readonly key?: string;
  /** Values fed as inputs (the last ones) rather than computed inside (partition.ts). */
  readonly lifted?: readonly LiftedValue[];
}

/**
 * A node's value made before the run instead of inside its segment: a scalar constant
 * (`value`), or a slice of a graph input (`slice`, e.g. one inner step's batch).
 */
export interface LiftedValue {
  readonly id: number;
  readonly dtype: 'float32' | 'int32';
  readonly dims: readonly number[];
  readonly value?: number;
  readonly slice?: { readonly input: number; readonly begin: readonly number[] };
}

/** A primitive the graph uses that has no `onnx` rule. */
export class NoOnnxLowering extends Error {
  constructor(readonly primitive: string, readonly count: number) {
    super(`primitive '${primitive}' (${count} node${count === 1 ? '' : 's'}) has no ONNX lowering, so this graph cannot run on onnxruntime; use --backend wasm`);
  }
}

export interface LoweredModel {
  /** The serialised `onnx.ModelProto`. */
  readonly bytes: Uint8Array;
  /** Input names, in the segment's `inputs` order. */
  readonly inputNames: readonly string[];
  /** Output names, in the segment's `outputs` order. */
  readonly outputNames: readonly string[];
  readonly nodeCount: number;
}

const OPSET = 17;

const valueName = (id: number) => `v${id}`;

/** Our primitives whose ONNX op broadcasts every input (Add, Sub, Mul, Div, comparisons, Where). */
const BROADCASTING = new Set(['add', 'sub', 'mul', 'div', 'compare', 'select']);

/** A graph input's or output's `ValueInfoProto` object (static shape). */
export function valueInfo(name: string, aval: Aval): Record<string, unknown> {
  return { name, type: { tensor_type: { elem_type: onnxType(aval.dtype), shape: { dim: aval.shape.map((d) => ({ dim_value: d })) } } } };
}

/** A `GraphProto` object as one serialised model for onnxruntime (our opset and its contrib domain). */
export function encodeOrtModel(graph: { name: string; node: unknown[]; initializer?: unknown[]; input: unknown[]; output: unknown[] }): Uint8Array {
  const type = modelProtoType();
  const model = {
    ir_version: 8,
    producer_name: 'mixflow-studio',
    opset_import: [{ domain: '', version: OPSET }, { domain: MS_DOMAIN, version: 1 }],
    graph,
  };
  return type.encode(type.fromObject(model)).finish();
}

/** Throws `NoOnnxLowering` for the first primitive of the schedule that cannot be lowered. */
export function checkLowerable(sched: Schedule): void {
  const missing = new Map<string, number>();
  for (const n of sched.order) if (!getPrimitive(n.op).onnx) missing.set(n.op, (missing.get(n.op) ?? 0) + 1);
  const [first] = missing;
  if (first) throw new NoOnnxLowering(first[0], first[1]);
}

/**
 * The whole scheduled graph as one ONNX model: each node through its primitive's `onnx`
 * rule, in schedule order (already topological). Outputs that are not produced by a node of
 * their own (inputs, constants, repeats) get an Identity so every output name is produced once.
 */
export function lowerToOnnx(sched: Schedule): LoweredModel {
  checkLowerable(sched);
  return lowerSegment(sched, { inputs: sched.graph.inputs.map((i) => i.id), nodes: sched.order, outputs: sched.graph.outputs, released: [] });
}

/**
 * One segment of a schedule as an ONNX model (the whole graph is the one-segment case). The
 * caller has checked the schedule once with `checkLowerable`, not once per segment.
 */
export function lowerSegment(sched: Schedule, seg: Segment): LoweredModel {
  const e = new GraphEmitter();
  // A rule may return a name it did not create (a constant initializer, or its input for an
  // op ONNX needs no node for): the value is then an alias, and costs no node.
  const names = new Map<number, string>(seg.inputs.map((id) => [id, valueName(id)]));
  const deferred = new Map<number, GraphNode>();
  const ctxOf = (n: GraphNode) => ({ inputs: n.inputs.map((id) => sched.avalOf.get(id)!), out: n.aval });
  const emit = (n: GraphNode, inputs: string[]) => {
    e.cseScope = n.origin === 'remat' ? 'remat' : '';
    names.set(n.id, getPrimitive(n.op).onnx!(e, inputs, n.params, ctxOf(n)));
  };
  /** The value's name, emitting a deferred fill or broadcast the first time it is needed whole. */
  const valueOf = (id: number): string => {
    const known = names.get(id);
    if (known !== undefined) return known;
    const n = deferred.get(id)!;
    emit(n, n.inputs.map(valueOf));
    return names.get(id)!;
  };
  for (const n of seg.nodes) {
    if (n.op === 'broadcastTo' || (n.op === 'full' && n.aval.dtype === 'float32')) deferred.set(n.id, n);
    else emit(n, BROADCASTING.has(n.op) ? broadcastInputs(n) : n.inputs.map(valueOf));
  }

  /**
   * Inputs of an op whose ONNX form broadcasts (numpy rules, as ours): a fill enters as its
   * scalar and a broadcast as its source when the op's output keeps its shape, so neither is
   * materialised (fewer nodes to set up, less memory traffic).
   */
  function broadcastInputs(n: GraphNode): string[] {
    const light = n.inputs.map((id) => {
      const d = deferred.get(id);
      if (d?.op === 'full') return { name: e.scalar(d.params.value as number), shape: [] as readonly number[] };
      if (d?.op === 'broadcastTo') return { name: valueOf(d.inputs[0]), shape: sched.avalOf.get(d.inputs[0])!.shape };
      return { name: valueOf(id), shape: sched.avalOf.get(id)!.shape };
    });
    const shape = light.reduce<readonly number[]>((acc, l) => broadcastShapes(acc, l.shape), []);
    return sameShape(shape, n.aval.shape) ? light.map((l) => l.name) : n.inputs.map(valueOf);
  }

  const outputsNamed = seg.outputs.map(valueOf);
  const nodeOutputs = new Set(e.nodes.flatMap((n) => n.output));
  const seen = new Set<string>();
  const outputNames = seg.outputs.map((_, k) => {
    const name = outputsNamed[k];
    if (nodeOutputs.has(name) && !seen.has(name)) {
      seen.add(name);
      return name;
    }
    return e.node('Identity', [name], {}, undefined, `out${k}`);
  });
  const inputNames = seg.inputs.map(valueName);
  const bytes = encodeOrtModel({
    name: 'meta',
    node: e.nodes,
    initializer: e.initializers,
    input: seg.inputs.map((id) => valueInfo(valueName(id), sched.avalOf.get(id)!)),
    output: seg.outputs.map((id, k) => valueInfo(outputNames[k], sched.avalOf.get(id)!)),
  });
  return { bytes, inputNames, outputNames, nodeCount: e.nodes.length };
}
