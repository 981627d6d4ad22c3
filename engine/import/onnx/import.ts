/**
 * `importOnnx`: the bytes of an `.onnx` file → an `OnnxModel`, or an OnnxImportError naming
 * what is wrong and where. Checks, in order: the protobuf, one non-initializer input with a
 * known shape but for the batch dimension, every op supported (the message lists them),
 * every input defined; then one trial evaluation of the whole graph at batch size 2 (shapes
 * only, nothing computed) finds which values are computed from x and θ, checks every node's
 * shapes and attributes, and gives the prediction's shape.
 */
import * as E from '../../index.js';
import { fromTensorProto, kindOf, type ConstArray } from './constArray.js';
import { decodeModel } from './decode.js';
import { OnnxImportError, nodeLabel } from './errors.js';
import { segmentNodes } from './blocks.js';
import { runNode, type Env } from './forward.js';
import type { OnnxModel, OnnxParam } from './model.js';
import { readNode, type OnnxNode } from './nodes.js';
import { SUPPORTED_OPS, OP_TABLE } from './ops/table.js';
import type { GraphProto, ValueInfoProto } from './schema.js';

export interface ImportOptions {
  /** Path components a remat block shares (default 1: each top-level module). */
  readonly blockDepth?: number;
}

const TRIAL_BATCH = 2;

function opsetOf(model: ReturnType<typeof decodeModel>): number {
  const entry = (model.opset_import ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return Number(entry?.version ?? 13);
}

function theInput(graph: GraphProto, initializers: ReadonlyMap<string, unknown>): ValueInfoProto {
  const inputs = (graph.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  if (inputs.length !== 1) {
    const names = inputs.map((i) => `"${i.name}"`).join(', ') || 'none';
    throw new OnnxImportError('graph inputs', `the graph has ${inputs.length} inputs that are not initializers (${names}); a setup feeds exactly one, the batch x`);
  }
  return inputs[0]!;
}

function inputShape(info: ValueInfoProto): number[] {
  const where = `graph input "${info.name}"`;
  const tensor = info.type?.tensor_type;
  if (!tensor) throw new OnnxImportError(where, 'is not a tensor');
  if (kindOf(tensor.elem_type ?? 0) !== 'float') {
    throw new OnnxImportError(where, `has element type ${tensor.elem_type} (the input must be floating point: images, features, embeddings)`);
  }
  const dims = tensor.shape?.dim ?? [];
  if (dims.length === 0) throw new OnnxImportError(where, 'has no shape; the batch dimension must come first');
  return dims.map((d, i) => {
    if (i === 0) return TRIAL_BATCH;
    const v = Number(d.dim_value ?? 0);
    if (!(v > 0)) throw new OnnxImportError(where, `dimension ${i} is ${d.dim_param ? `symbolic ("${d.dim_param}")` : 'unknown'}; only the batch dimension (the first) may be (export with a fixed example shape)`);
    return v;
  });
}

function checkOps(nodes: readonly OnnxNode[]): void {
  for (const node of nodes) {
    const known = (node.domain === '' || node.domain === 'ai.onnx') && OP_TABLE[node.opType];
    if (!known) {
      const op = node.domain && node.domain !== 'ai.onnx' ? `${node.domain}.${node.opType}` : node.opType;
      throw new OnnxImportError(nodeLabel(node), `unsupported op "${op}"; supported ops: ${SUPPORTED_OPS.join(', ')}`);
    }
  }
}

function checkDefined(nodes: readonly OnnxNode[], available: Set<string>): void {
  for (const node of nodes) {
    for (const name of node.inputs) {
      if (name && !available.has(name)) {
        throw new OnnxImportError(nodeLabel(node), `input "${name}" is not produced by any earlier node, initializer or graph input (a truncated or unsorted graph?)`);
      }
    }
    node.outputs.forEach((o) => o && available.add(o));
  }
}

export function importOnnx(bytes: Uint8Array, opts: ImportOptions = {}): OnnxModel {
  const proto = decodeModel(bytes);
  const graph = proto.graph!;
  const opset = opsetOf(proto);
  const nodes = (graph.node ?? []).map(readNode);
  if (nodes.length === 0) throw new OnnxImportError('the graph', 'has no nodes');
  const inits = new Map<string, ConstArray>();
  for (const t of graph.initializer ?? []) inits.set(t.name ?? '', fromTensorProto(t, `initializer "${t.name}"`));
  const statistics = new Set(nodes.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => n.inputs.slice(3, 5)));
  const params: OnnxParam[] = [];
  const constants = new Map<string, ConstArray>();
  for (const [name, t] of inits) {
    if (t.kind === 'float' && t.shape.length >= 1 && !statistics.has(name)) {
      params.push({ name, shape: t.shape, decayed: t.shape.length >= 2, values: t.data });
    } else constants.set(name, t);
  }
  const input = theInput(graph, inits);
  const inputName = input.name ?? '';
  const trialShape = inputShape(input);
  const outputName = graph.output?.[0]?.name;
  if (!outputName) throw new OnnxImportError('graph outputs', 'the graph has no output');
  checkOps(nodes);
  checkDefined(nodes, new Set([inputName, ...inits.keys()]));

  // One trial evaluation at batch size 2: which values are computed, and every node's shapes.
  const computed = new Set<string>([inputName, ...params.map((p) => p.name)]);
  let outputShape: readonly number[] = [];
  E.traceGraph(
    (theta: E.Tensor[], x: E.Tensor) => {
      const env: Env = { consts: new Map(constants), tensors: new Map([[inputName, x]]), shapes: new Map() };
      params.forEach((p, k) => env.tensors.set(p.name, theta[k]!));
      for (const node of nodes) runNode(node, opset, env);
      for (const name of env.tensors.keys()) computed.add(name);
      const out = env.tensors.get(outputName);
      if (!out) throw new OnnxImportError(`graph output "${outputName}"`, 'is a constant: it does not depend on the input or the parameters');
      outputShape = out.shape;
      return out;
    },
    [params.map((p) => ({ shape: [...p.shape], dtype: 'float32' as const })), { shape: trialShape, dtype: 'float32' as const }],
  );
  if (outputShape[0] !== TRIAL_BATCH) {
    throw new OnnxImportError(`graph output "${outputName}"`, `has shape [${outputShape}] for a batch of ${TRIAL_BATCH}; the prediction must have the batch dimension first`);
  }
  const blockDepth = opts.blockDepth ?? 1;
  return {
    opset,
    producer: `${proto.producer_name ?? ''} ${proto.producer_version ?? ''}`.trim(),
    inputName,
    inputShape: trialShape.slice(1),
    outputName,
    outputShape: outputShape.slice(1),
    params,
    constants,
    nodes,
    computed,
    segments: segmentNodes(nodes, computed, blockDepth, outputName),
    blockDepth,
  };
}
