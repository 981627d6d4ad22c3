import { sameShape, sizeOf } from '../../core/shape.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';

/**
 * Batched matrix product over the last two dims. Inputs are first brought to
 * contiguous [M,K] and [K,N] layout per batch so the i-k-j inner loop streams both
 * b and the output row with unit stride.
 */
export function matmul(a: RefArray, b: RefArray, transposeA: boolean, transposeB: boolean): RefArray {
  const rank = a.shape.length;
  const shapes = `${fmt(a.shape)} and ${fmt(b.shape)} (transposeA=${transposeA}, transposeB=${transposeB})`;
  if (rank < 2 || b.shape.length !== rank) {
    throw kernelError('matmul', `needs equal ranks >= 2, got ${shapes}`);
  }
  const batchShape = a.shape.slice(0, rank - 2);
  if (!sameShape(batchShape, b.shape.slice(0, rank - 2))) {
    throw kernelError('matmul', `batch dims differ in ${shapes}`);
  }
  const [a0, a1] = a.shape.slice(rank - 2);
  const [b0, b1] = b.shape.slice(rank - 2);
  const [m, k] = transposeA ? [a1, a0] : [a0, a1];
  const [kb, n] = transposeB ? [b1, b0] : [b0, b1];
  if (k !== kb) throw kernelError('matmul', `inner dims ${k} and ${kb} differ in ${shapes}`);

  const batches = sizeOf(batchShape);
  const out = new Float64Array(batches * m * n);
  const lhs = new Float64Array(m * k);
  const rhs = new Float64Array(k * n);
  for (let bt = 0; bt < batches; bt++) {
    loadMatrix(a.data, bt * m * k, a0, a1, transposeA, lhs);
    loadMatrix(b.data, bt * k * n, b0, b1, transposeB, rhs);
    multiplyInto(lhs, rhs, m, k, n, out, bt * m * n);
  }
  return refArray([...batchShape, m, n], out);
}

/** Copies one [rows, cols] matrix from `src` into `dst`, transposed when asked. */
function loadMatrix(
  src: Float64Array,
  base: number,
  rows: number,
  cols: number,
  transpose: boolean,
  dst: Float64Array,
): void {
  if (!transpose) {
    dst.set(src.subarray(base, base + rows * cols));
    return;
  }
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) dst[c * rows + r] = src[base + r * cols + c];
  }
}

/** out[base + i*n + j] = Σ_k lhs[i,k] * rhs[k,j], in i-k-j order. */
function multiplyInto(
  lhs: Float64Array,
  rhs: Float64Array,
  m: number,
  k: number,
  n: number,
  out: Float64Array,
  base: number,
): void {
  for (let i = 0; i < m; i++) {
    const row = base + i * n;
    for (let p = 0; p < k; p++) {
      const aip = lhs[i * k + p];
      const bRow = p * n;
      for (let j = 0; j < n; j++) out[row + j] += aip * rhs[bRow + j];
    }
  }
}
