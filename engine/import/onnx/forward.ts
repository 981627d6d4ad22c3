/**
 * The imported model as an engine function of (θ, x): nodes evaluated in order with the
 * engine's ops inside the current trace, so every transformation (grad, jvp, checkpoint,
 * fwdrevGrad) applies to it as to the built-in models. Constants fold on the host per call
 * (shapes depend on the batch size, which differs between inner and outer batches). With
 * `rematBlocks`, each segment (remat block) is one checkpointed region taking exactly the
 * tensors it reads.
 */
import * as E from '../../index.js';
import type { ConstArray } from './constArray.js';
import { OnnxImportError, nodeLabel } from './errors.js';
import { evaluateNode, isConst, shapeOnly } from './evaluate.js';
import type { OnnxModel } from './model.js';
import type { OnnxNode } from './nodes.js';

export interface Env {
  readonly consts: Map<string, ConstArray>;
  readonly tensors: Map<string, E.Tensor>;
  /** Shapes of every tensor computed so far (Shape nodes read them across segments). */
  readonly shapes: Map<string, readonly number[]>;
}

export function runNode(node: OnnxNode, opset: number, env: Env): void {
  const inputs = node.inputs.map((name) => {
    if (name === '') return undefined;
    const v = env.consts.get(name) ?? env.tensors.get(name);
    if (v) return v;
    const shape = env.shapes.get(name);
    if (shape && (node.opType === 'Shape' || node.opType === 'Size')) return shapeOnly(shape);
    throw new OnnxImportError(nodeLabel(node), `input "${name}" is not produced by any earlier node, initializer or graph input`);
  });
  const outs = evaluateNode(node, opset, inputs);
  node.outputs.forEach((name, k) => {
    const v = outs[k];
    if (!name || !v) return;
    if (isConst(v)) env.consts.set(name, v);
    else {
      env.tensors.set(name, v);
      env.shapes.set(name, v.shape);
    }
  });
}

/** The prediction for a batch x, given θ in `model.params` order. */
export function onnxForward(model: OnnxModel, theta: readonly E.Tensor[], x: E.Tensor, rematBlocks: boolean): E.Tensor {
  const consts = new Map(model.constants);
  const shapes = new Map<string, readonly number[]>();
  const tensors = new Map<string, E.Tensor>([[model.inputName, x]]);
  model.params.forEach((p, k) => tensors.set(p.name, theta[k]!));
  for (const seg of model.segments) {
    const body = (...ins: E.Tensor[]): E.Tensor[] => {
      const local: Env = { consts, shapes, tensors: new Map(seg.inputs.map((n, i) => [n, ins[i]!])) };
      for (const node of seg.nodes) runNode(node, model.opset, local);
      return seg.outputs.map((n) => local.tensors.get(n)!);
    };
    const run = rematBlocks ? E.checkpoint(body) : body;
    const outs = run(...seg.inputs.map((n) => tensors.get(n)!));
    seg.outputs.forEach((n, i) => tensors.set(n, outs[i]!));
  }
  return tensors.get(model.outputName)!;
}
