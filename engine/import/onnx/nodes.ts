/**
 * ONNX nodes as the importer reads them: op type, inputs, outputs, the node's name and its
 * scope path (PyTorch's `/layer1/0/conv1/Conv` → `layer1/0/conv1/Conv`), and typed
 * attribute readers that name the node when an attribute is missing or of the wrong kind.
 */
import { fromTensorProto, type ConstArray } from './constArray.js';
import { OnnxImportError, nodeLabel } from './errors.js';
import type { AttributeProto, NodeProto } from './schema.js';

export interface OnnxNode {
  readonly index: number;
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  /** Names of the inputs; '' for an omitted optional input. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Scope path (no leading '/'); unnamed nodes get `OpType_index`. */
  readonly path: string;
  readonly attrs: ReadonlyMap<string, AttributeProto>;
}

export function readNode(proto: NodeProto, index: number): OnnxNode {
  const name = proto.name ?? '';
  const opType = proto.op_type ?? '';
  const path = name.replace(/^\/+/, '').replace(/\/+$/, '') || `${opType}_${index}`;
  const attrs = new Map<string, AttributeProto>();
  for (const a of proto.attribute ?? []) attrs.set(a.name ?? '', a);
  return { index, name, opType, domain: proto.domain ?? '', inputs: proto.input ?? [], outputs: proto.output ?? [], path, attrs };
}

/** The first `depth` components of a node's path: its remat block. */
export function blockKey(node: OnnxNode, depth: number): string {
  return node.path.split('/').slice(0, depth).join('/');
}

function fail(node: OnnxNode, what: string): never {
  throw new OnnxImportError(nodeLabel(node), what);
}

export function attrInt(node: OnnxNode, name: string, fallback?: number): number {
  const a = node.attrs.get(name);
  if (!a) return fallback ?? fail(node, `attribute "${name}" is required`);
  if (a.i === undefined) fail(node, `attribute "${name}" must be an integer`);
  return Number(a.i);
}

export function attrFloat(node: OnnxNode, name: string, fallback?: number): number {
  const a = node.attrs.get(name);
  if (!a) return fallback ?? fail(node, `attribute "${name}" is required`);
  if (a.f === undefined) fail(node, `attribute "${name}" must be a float`);
  return a.f;
}

export function attrInts(node: OnnxNode, name: string, fallback?: readonly number[]): number[] {
  const a = node.attrs.get(name);
  if (!a) return fallback ? [...fallback] : fail(node, `attribute "${name}" is required`);
  return (a.ints ?? []).map(Number);
}

export function attrFloats(node: OnnxNode, name: string): number[] | undefined {
  const a = node.attrs.get(name);
  return a ? [...(a.floats ?? [])] : undefined;
}

export function attrString(node: OnnxNode, name: string, fallback?: string): string {
  const a = node.attrs.get(name);
  if (!a) return fallback ?? fail(node, `attribute "${name}" is required`);
  return new TextDecoder().decode(a.s ?? new Uint8Array());
}

export function attrTensor(node: OnnxNode, name: string): ConstArray | undefined {
  const a = node.attrs.get(name);
  return a?.t ? fromTensorProto(a.t, `${nodeLabel(node)} attribute "${name}"`) : undefined;
}

export function hasAttr(node: OnnxNode, name: string): boolean {
  return node.attrs.has(name);
}
