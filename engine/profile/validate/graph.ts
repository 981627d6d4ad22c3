/**
 * A run's `graph`: column lengths, indices into the string tables, value ids defined once
 * and before use, and each value's bytes matching its shape.
 */
import { DTYPES, ORIGINS } from '../format.js';
import { fail } from './error.js';
import { intLists, ints, record, sameList, strings } from './readers.js';

/** What the rest of a run is checked against. */
export interface Graph {
  /** Input value ids, and their bytes. */
  readonly inIds: number[];
  readonly inBytes: number[];
  /** Per node: its value id, its inputs' value ids, its bytes. */
  readonly ids: number[];
  readonly inputs: number[][];
  readonly bytes: number[];
  /** Bytes of every value (inputs and nodes) by id. */
  readonly bytesOf: ReadonlyMap<number, number>;
  /** Node index of every node's value id. */
  readonly indexOf: ReadonlyMap<number, number>;
}

export function validateGraph(v: unknown, p: string): Graph {
  const g = record(v, `${p}.graph`);
  const ops = strings(g.ops, `${p}.graph.ops`);
  const scopes = strings(g.scopes, `${p}.graph.scopes`);
  sameList(g.origins, `${p}.graph.origins`, ORIGINS);
  sameList(g.dtypes, `${p}.graph.dtypes`, DTYPES);
  const bytesOf = new Map<number, number>();
  const inp = record(g.inputs, `${p}.graph.inputs`);
  const inIds = ints(inp.id, `${p}.graph.inputs.id`);
  const ni = inIds.length;
  const inWhy = 'one per input, like inputs.id';
  strings(inp.name, `${p}.graph.inputs.name`, ni, inWhy);
  const { shapes: inShapes, bytes: inBytes } = valueColumns(inp, `${p}.graph.inputs`, ni, inWhy);
  inIds.forEach((id, i) => {
    if (bytesOf.has(id)) fail(`${p}.graph.inputs.id[${i}]`, 'a value id not used before', id);
    checkBytes(inBytes[i]!, inShapes[i]!, `${p}.graph.inputs.bytes[${i}]`);
    bytesOf.set(id, inBytes[i]!);
  });
  const nd = record(g.nodes, `${p}.graph.nodes`);
  const ids = ints(nd.id, `${p}.graph.nodes.id`);
  const nn = ids.length;
  const why = 'one per node, like nodes.id';
  ints(nd.op, `${p}.graph.nodes.op`, nn, why, 0, ops.length - 1);
  const inputs = intLists(nd.inputs, `${p}.graph.nodes.inputs`, nn, why);
  const { shapes, bytes } = valueColumns(nd, `${p}.graph.nodes`, nn, why);
  ints(nd.scope, `${p}.graph.nodes.scope`, nn, why, 0, scopes.length - 1);
  ints(nd.origin, `${p}.graph.nodes.origin`, nn, why, 0, ORIGINS.length - 1);
  const indexOf = new Map<number, number>();
  for (let i = 0; i < nn; i++) {
    const ins = inputs[i]!;
    for (let j = 0; j < ins.length; j++) {
      if (!bytesOf.has(ins[j]!)) fail(`${p}.graph.nodes.inputs[${i}][${j}]`, 'the id of an input or of an earlier node', ins[j]);
    }
    if (bytesOf.has(ids[i]!)) fail(`${p}.graph.nodes.id[${i}]`, 'a value id not used before', ids[i]);
    checkBytes(bytes[i]!, shapes[i]!, `${p}.graph.nodes.bytes[${i}]`);
    bytesOf.set(ids[i]!, bytes[i]!);
    indexOf.set(ids[i]!, i);
  }
  const outputs = ints(g.outputs, `${p}.graph.outputs`);
  outputs.forEach((id, i) => bytesOf.has(id) || fail(`${p}.graph.outputs[${i}]`, 'the id of an input or a node', id));
  return { inIds, inBytes, ids, inputs, bytes, bytesOf, indexOf };
}

/** The shape, dtype and bytes columns every value has (ProfileValueColumns), `n` entries each. */
function valueColumns(columns: Record<string, unknown>, path: string, n: number, why: string): { shapes: number[][]; bytes: number[] } {
  const shapes = intLists(columns.shape, `${path}.shape`, n, why);
  ints(columns.dtype, `${path}.dtype`, n, why, 0, DTYPES.length - 1);
  return { shapes, bytes: ints(columns.bytes, `${path}.bytes`, n, why) };
}

function checkBytes(bytes: number, shape: readonly number[], path: string): void {
  const n = shape.reduce((a, b) => a * b, 1) * 4;
  if (bytes !== n) fail(path, `4 bytes per element of shape [${shape}], ${n}`, bytes);
}
