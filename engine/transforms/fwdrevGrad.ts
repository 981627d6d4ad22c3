import { jvpCall } from '../trace/jvp.js';
import { vjpCall } from '../trace/reverse.js';
import type { Tensor } from '../trace/tensor.js';
import { zerosLike } from '../trace/zeros.js';
import { scalar } from '../ops/create.js';
import { flattenArgs } from './flat.js';
import { bindCustomVjp } from '../trace/bind.js';
import { flatten, unflatten, type Tree, type TreeDef } from './tree.js';

type Fn = (...args: any[]) => Tensor;

/** ∇L with respect to the leaves at `wrt`, as a flat function of all leaves. */
function gradAt(loss: Fn, def: TreeDef, wrt: readonly number[]) {
  return (...leaves: Tensor[]): Tensor[] => {
    const [, pullback] = vjpCall(
      (...w) => {
        const all = [...leaves];
        wrt.forEach((i, k) => (all[i] = w[k]));
        return [loss(...(unflatten(def, all) as unknown[]))];
      },
      wrt.map((i) => leaves[i]),
    );
    return pullback([scalar(1)]).map((c, k) => c ?? zerosLike(leaves[wrt[k]]));
  };
}

/**
 * A drop-in for `grad(loss, argnums)` whose VJP is one forward-over-reverse pass
 * (MixFlow-MG): for an output cotangent ḡ, the cotangent of every input x is
 * ∂/∂x (ḡ·∇_θ L) = (∇²_{xθ} L) ḡ, which by the symmetry of second derivatives is the
 * tangent of ∇_x L along (θ̇ = ḡ, everything else 0), i.e. `jvp(grad_(θ,x) L, (θ,x), (ḡ,0))`.
 * Only the inputs (θ, x) themselves are kept as residuals: nothing of the inner backward pass.
 */
export function fwdrevGrad(loss: Fn, argnums: number | readonly number[] = 0) {
  const nums = typeof argnums === 'number' ? [argnums] : [...argnums];
  return (...args: unknown[]): any => {
    const { leaves, def } = flattenArgs(args);
    // Leaf positions of the differentiated arguments, in order.
    const argLeafRanges: number[][] = [];
    let offset = 0;
    args.forEach((a) => {
      const n = flatten(a as Tree).leaves.length;
      argLeafRanges.push([...Array(n).keys()].map((k) => offset + k));
      offset += n;
    });
    const theta = nums.flatMap((n) => argLeafRanges[n]);
    const gradTheta = gradAt(loss, def, theta);
    const outs = bindCustomVjp(
      {
        f: gradTheta,
        fwd: (...ls) => ({ outputs: gradTheta(...ls), residuals: ls }),
        bwd: (residuals, cts, needed) => {
          const wrt = needed.flatMap((n, i) => (n ? [i] : []));
          const tangents: (Tensor | null)[] = residuals.map(() => null);
          theta.forEach((i, k) => (tangents[i] = cts[k]));
          const [, hvp] = jvpCall(gradAt(loss, def, wrt), residuals, tangents);
          const out: (Tensor | null)[] = residuals.map(() => null);
          wrt.forEach((i, k) => (out[i] = hvp[k]));
          return out;
        },
      },
      leaves,
    );
    const grads = nums.map((n) => {
      const range = argLeafRanges[n];
      const argDef = flatten(args[n] as Tree).def;
      return unflatten(argDef, range.map((i) => outs[theta.indexOf(i)]));
    });
    return typeof argnums === 'number' ? grads[0] : grads;
  };
}
