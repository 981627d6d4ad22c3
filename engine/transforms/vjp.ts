import { scalar } from '../ops/create.js';
import { vjpCall } from '../trace/reverse.js';
import { Tensor } from '../trace/tensor.js';
import { zerosLike } from '../trace/zeros.js';
import { flattenArgs, flattenFn } from './flat.js';
import { flatten, unflatten, type Tree } from './tree.js';

type Fn = (...args: any[]) => Tree;

/** Reverse mode: the outputs of `f` at `args` and a pullback from output to input cotangents. */
export function vjp(f: Fn, ...args: unknown[]): { outputs: Tree; pullback: (ct: Tree) => any[] } {
  const { leaves, def } = flattenArgs(args);
  const { flat, outDef } = flattenFn(f, def);
  const [outs, pullback] = vjpCall(flat, leaves);
  return {
    outputs: unflatten(outDef(), outs),
    pullback: (ct) => {
      const cts = flatten(ct).leaves;
      if (cts.length !== outs.length) throw new Error(`pullback got ${cts.length} cotangents for ${outs.length} outputs`);
      const ins = pullback(cts);
      return unflatten(def, ins.map((c, i) => c ?? zerosLike(leaves[i]))) as any[];
    },
  };
}

/** `f`'s value and its gradient with respect to the arguments in `argnums`. */
export function valueAndGrad(f: Fn, argnums: number | readonly number[] = 0) {
  const nums = typeof argnums === 'number' ? [argnums] : argnums;
  return (...args: any[]): [Tensor, any] => {
    const closed = (...wrt: unknown[]) => {
      const full = [...args];
      nums.forEach((n, k) => (full[n] = wrt[k]));
      return f(...full);
    };
    const { outputs, pullback } = vjp(closed, ...nums.map((n) => args[n]));
    if (!(outputs instanceof Tensor) || outputs.rank !== 0) throw new Error('grad needs a function returning a scalar tensor');
    const cts = pullback(scalar(1));
    return [outputs, typeof argnums === 'number' ? cts[0] : cts];
  };
}

/** The gradient of a scalar function, with respect to `argnums` (default the first argument). */
export function grad(f: Fn, argnums: number | readonly number[] = 0) {
  const vg = valueAndGrad(f, argnums);
  return (...args: any[]): any => vg(...args)[1];
}
