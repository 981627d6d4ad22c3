import { Tensor, type TensorFn } from '../trace/tensor.js';
import { flatten, unflatten, type Tree, type TreeDef } from './tree.js';

/**
 * Adapts a function over pytrees to the tracer core's flat `Tensor[] → Tensor[]` form,
 * remembering the output structure so results can be rebuilt.
 */
export function flattenFn(
  f: (...args: any[]) => Tree,
  argsDef: TreeDef,
): { flat: TensorFn; outDef: () => TreeDef } {
  let outDef: TreeDef | undefined;
  const flat: TensorFn = (...leaves) => {
    const args = unflatten(argsDef, leaves) as unknown[];
    const { leaves: outs, def } = flatten(f(...args));
    outDef = def;
    return outs.map((o, i) => {
      if (!(o instanceof Tensor)) throw new Error(`output leaf ${i} is not a tensor`);
      return o;
    });
  };
  return {
    flat,
    outDef: () => {
      if (!outDef) throw new Error('function was not called');
      return outDef;
    },
  };
}

/** Flattens arguments, insisting every leaf is a tensor. */
export function flattenArgs(args: unknown[]): { leaves: Tensor[]; def: TreeDef } {
  const { leaves, def } = flatten(args as Tree);
  leaves.forEach((l, i) => {
    if (!(l instanceof Tensor)) throw new Error(`argument leaf ${i} is not a tensor`);
  });
  return { leaves: leaves as Tensor[], def };
}
