import { bindCustomVjp } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';
import { flattenArgs, flattenFn } from './flat.js';
import { flatten, unflatten, type Tree } from './tree.js';

export interface CustomVjp<A extends unknown[]> {
  /** Outputs and whatever the backward pass needs. */
  fwd: (...args: A) => { outputs: Tree; residuals: Tensor[] };
  /**
   * One cotangent tree per argument (`null` for none), given the residuals, the output
   * cotangent tree and, per argument leaf, whether the caller needs its cotangent.
   */
  bwd: (residuals: Tensor[], ct: Tree, needed: Tree<boolean>[]) => Tree[];
}

/**
 * `f` with a VJP of our choosing: reverse levels call `fwd` and later `bwd`; forward mode
 * and the graph builder evaluate `f` itself.
 */
export function customVjp<A extends unknown[]>(f: (...args: A) => Tree, rule: CustomVjp<A>): (...args: A) => Tree {
  return (...args: A) => {
    const { leaves, def } = flattenArgs(args);
    const { flat, outDef } = flattenFn(f as (...a: any[]) => Tree, def);
    let fwdDef: ReturnType<typeof flatten>['def'] | undefined;
    const outs = bindCustomVjp(
      {
        f: flat,
        fwd: (...ls) => {
          const { outputs, residuals } = rule.fwd(...(unflatten(def, ls) as A));
          const flatOut = flatten(outputs);
          fwdDef = flatOut.def;
          return { outputs: flatOut.leaves as Tensor[], residuals };
        },
        bwd: (residuals, cts, needed) => {
          const neededTrees = unflatten(def, needed) as Tree<boolean>[];
          const ctTree = unflatten(fwdDef ?? outDef(), cts);
          const argCts = rule.bwd(residuals, ctTree, neededTrees);
          const { leaves: flatCts } = flatten(argCts as Tree);
          if (flatCts.length !== leaves.length) {
            throw new Error(`customVjp bwd gave ${flatCts.length} cotangent leaves for ${leaves.length} inputs`);
          }
          return flatCts;
        },
      },
      leaves,
    );
    return unflatten(fwdDef ?? outDef(), outs);
  };
}
