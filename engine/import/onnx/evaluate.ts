/**
 * Evaluates one node on its input values with its op's rule, in the node's scope (so the
 * graph and the profile show the model's own module names), reporting any failure at the node.
 */
import * as E from '../../index.js';
import type { ConstArray } from './constArray.js';
import { OnnxImportError, nodeLabel } from './errors.js';
import type { OnnxNode } from './nodes.js';
import { OpContext, isConst, type Value } from './ops/context.js';
import { OP_TABLE } from './ops/table.js';

/** A stand-in for a computed tensor read only for its shape (by Shape or Size). */
export function shapeOnly(shape: readonly number[]): ConstArray {
  return { kind: 'float', shape, data: new Float64Array(0) };
}

export function evaluateNode(node: OnnxNode, opset: number, inputs: readonly (Value | undefined)[]): (Value | undefined)[] {
  const rule = OP_TABLE[node.opType];
  if (!rule) throw new OnnxImportError(nodeLabel(node), 'unsupported op');
  const ctx = new OpContext(node, opset, inputs);
  const run = () => rule(ctx);
  let outs: Value[];
  try {
    outs = E.withScope(node.path, run);
  } catch (e) {
    if (e instanceof OnnxImportError) throw e;
    throw new OnnxImportError(nodeLabel(node), (e as Error).message);
  }
  return node.outputs.map((_, k) => outs[k]);
}

export { isConst };
