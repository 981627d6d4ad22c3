import '../../primitives/index.js';
import type { Aval } from '../../core/aval.js';
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


function valueInfo(name: string, aval: Aval): Record<string, unknown> {
  return { name, type: { tensor_type: { elem_type: onnxType(aval.dtype), shape: { dim: aval.shape.map((d) => ({ dim_value: d })) } } } };
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
  return lowerSegment(sched, { inputs: sched.graph.inputs.map((i) => i.id), nodes: sched.order, outputs: sched.graph.outputs });
}

/** One segment of a schedule as an ONNX model (the whole graph is the one-segment case). */
export function lowerSegment(sched: Schedule, seg: Segment): LoweredModel {
  checkLowerable(sched);
  const e = new GraphEmitter();
  // A rule may return a name it did not create (a constant initializer, or its input for an
  // op ONNX needs no node for): the value is then an alias, and costs no node.
  const names = new Map<number, string>(seg.inputs.map((id) => [id, valueName(id)]));
  const nodeOutputs = new Set<string>();
  for (const n of seg.nodes) {
    const prim = getPrimitive(n.op);
    const ctx = { inputs: n.inputs.map((id) => sched.avalOf.get(id)!), out: n.aval };
    const before = e.nodes.length;
    names.set(n.id, prim.onnx!(e, n.inputs.map((id) => names.get(id)!), n.params, ctx));
    for (let i = before; i < e.nodes.length; i++) nodeOutputs.add(e.nodes[i].output[0]);
  }
  const seen = new Set<string>();
  const outputNames = seg.outputs.map((id, k) => {
    const name = names.get(id)!;
    if (nodeOutputs.has(name) && !seen.has(name)) {
      seen.add(name);
      return name;
    }
    return e.node('Identity', [name], {}, undefined, `out${k}`);
  });
  const inputNames = seg.inputs.map(valueName);
  const model = {
    ir_version: 8,
    producer_name: 'mixflow-studio',
    opset_import: [{ domain: '', version: OPSET }, { domain: MS_DOMAIN, version: 1 }],
    graph: {
      name: 'meta',
      node: e.nodes,
      initializer: e.initializers,
      input: seg.inputs.map((id) => valueInfo(valueName(id), sched.avalOf.get(id)!)),
      output: seg.outputs.map((id, k) => valueInfo(outputNames[k], sched.avalOf.get(id)!)),
    },
  };
  const type = modelProtoType();
  return { bytes: type.encode(type.fromObject(model)).finish(), inputNames, outputNames, nodeCount: e.nodes.length };
}
