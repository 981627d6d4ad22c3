import { MS_DOMAIN } from '../kernels/onnx/emitter.js';
import type { Aval } from '../core/aval.js';
import * as ref from '../kernels/ref/index.js';
import { matMul } from '../kernels/tfjs/fastPaths.js';
import { matmul as mm } from '../ops/linalg.js';
import { sumTangents, ifNeeded } from './rules.js';
import { definePrimitive } from './types.js';

type MatmulParams = { transposeA: boolean; transposeB: boolean };

function matmulShape([a, b]: readonly Aval[], { transposeA, transposeB }: MatmulParams): Aval {
  const r = a.shape.length;
  if (r < 2 || b.shape.length !== r) throw new Error('matmul needs equal ranks of at least 2');
  if (a.shape.slice(0, -2).some((d, i) => d !== b.shape[i])) throw new Error('matmul batch axes differ');
  const [m, k] = transposeA ? [a.shape[r - 1], a.shape[r - 2]] : [a.shape[r - 2], a.shape[r - 1]];
  const [k2, n] = transposeB ? [b.shape[r - 1], b.shape[r - 2]] : [b.shape[r - 2], b.shape[r - 1]];
  if (k !== k2) throw new Error(`matmul contracts ${k} with ${k2}`);
  return { shape: [...a.shape.slice(0, -2), m, n], dtype: a.dtype };
}

/**
 * C = op(A)·op(B). Cotangents are matmuls again, with the transposes folded into flags
 * so no transposed copy is ever materialised.
 */
export const matmul = definePrimitive<MatmulParams>({
  name: 'matmul',
  shape: matmulShape,
  tf: ([a, b], { transposeA, transposeB }) => matMul(a, b, transposeA, transposeB),
  ref: ([a, b], { transposeA, transposeB }) => ref.matmul(a, b, transposeA, transposeB),
  // Transposes stay flags: Gemm's for 2-D operands (onnxruntime's GEMM reads them in place),
  // its contrib FusedMatMul's for batched ones.
  onnx: (e, [a, b], { transposeA, transposeB }, { inputs }) => {
    if (!transposeA && !transposeB) return e.node('MatMul', [a, b]);
    const flags = { transA: { int: +transposeA }, transB: { int: +transposeB } };
    return inputs[0].shape.length === 2 ? e.node('Gemm', [a, b], flags) : e.node('FusedMatMul', [a, b], flags, MS_DOMAIN);
  },
  jvp: ([a, b], [ta, tb], out, { transposeA: tA, transposeB: tB }) =>
    sumTangents(out, ta && mm(ta, b, tA, tB), tb && mm(a, tb, tA, tB)),
  vjp: (ct, [a, b], _out, { transposeA: tA, transposeB: tB }, needs) => [
    ifNeeded(needs, 0, () => (tA ? mm(b, ct, tB, true) : mm(ct, b, false, !tB))),
    ifNeeded(needs, 1, () => (tB ? mm(ct, a, true, tA) : mm(a, ct, !tA, false))),
  ],
});
