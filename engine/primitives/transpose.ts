import { transpose as transposeKernel } from '../kernels/tfjs/fastPaths.js';
import * as ref from '../kernels/ref/index.js';
import { transpose as transposeOp } from '../ops/shape.js';
import { definePrimitive } from './types.js';

type Perm = { perm: number[] };

function inverse(perm: readonly number[]): number[] {
  const inv: number[] = [];
  perm.forEach((p, i) => (inv[p] = i));
  return inv;
}

export const transpose = definePrimitive<Perm>({
  name: 'transpose',
  shape: ([x], { perm }) => {
    if (perm.length !== x.shape.length) throw new Error(`perm [${perm}] for rank ${x.shape.length}`);
    return { shape: perm.map((p) => x.shape[p]), dtype: x.dtype };
  },
  tf: ([x], { perm }) => transposeKernel(x, perm),
  ref: ([x], { perm }) => ref.transpose(x, perm),
  onnx: (e, [x], { perm }) => e.node('Transpose', [x], { perm: { ints: perm } }),
  jvp: (_, [t], _out, { perm }) => t && transposeOp(t, perm),
  vjp: (ct, _x, _out, { perm }) => [transposeOp(ct, inverse(perm))],
});
