import { jvpCall } from '../trace/jvp.js';
import type { Tensor } from '../trace/tensor.js';
import { zerosLike } from '../trace/zeros.js';
import { flattenArgs, flattenFn } from './flat.js';
import { flatten, leafCount, unflatten, type Tree } from './tree.js';

/**
 * Forward mode: `f`'s outputs and their directional derivatives along `tangents`
 * (trees matching `primals`; a `null` argument or leaf is a zero tangent).
 */
export function jvp(f: (...args: any[]) => Tree, primals: unknown[], tangents: unknown[]): [Tree, Tree] {
  const { leaves, def } = flattenArgs(primals);
  const tleaves: (Tensor | null)[] = [];
  primals.forEach((p, i) => {
    const n = leafCount(flatten(p as Tree).def);
    const t = tangents[i];
    const ts = t === null || t === undefined ? Array<null>(n).fill(null) : flatten(t as Tree).leaves;
    if (ts.length !== n) throw new Error(`tangent ${i} has ${ts.length} leaves, its primal ${n}`);
    tleaves.push(...ts);
  });
  tleaves.forEach((t, i) => {
    if (t && t.shape.join() !== leaves[i].shape.join()) {
      throw new Error(`tangent leaf ${i} has shape [${t.shape}], its primal [${leaves[i].shape}]`);
    }
  });
  const { flat, outDef } = flattenFn(f, def);
  const [outs, touts] = jvpCall(flat, leaves, tleaves);
  const d = outDef();
  return [unflatten(d, outs), unflatten(d, touts.map((t, i) => t ?? zerosLike(outs[i])))];
}
