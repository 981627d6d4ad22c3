import * as tf from '@tensorflow/tfjs-core';
import { sameShape } from '../../core/shape.js';
import { heapCopy, heapSlice } from './wasmHeap.js';

/**
 * TF.js kernels whose obvious call is slow on some backend, with the fast equivalent.
 * Measured on the wasm backend (2 cores, SIMD, no threads): Tile (broadcastTo) runs in
 * JavaScript and is ~35× slower than a broadcasting Add; MatMul with transpose flags, or
 * batched, falls off XNNPACK onto a naive loop, while an explicit Transpose is cheap and a
 * loop of 2-D products over the batch is 2–4× faster than the batched kernel, once the
 * matrices are sliced out inside the heap (its Slice copies the whole input through
 * JavaScript). Fill is ~40× faster than Zeros, and a sum over leading axes is a
 * product with a row of ones (~50× faster than its Sum over a non-trailing axis). Tanh
 * is scalar libm code, ~8× slower than 2·σ(2x) − 1 on XNNPACK's vectorised sigmoid
 * (absolute error ≤ 2.4e-7, within float32 rounding of values near ±1); Exp likewise,
 * ~2× slower than σ(x)/σ(−x) (relative error ≤ 4e-7 for |x| ≤ 87; below that the
 * denormal results flush to 0, above it the result overflows to ∞ a little early).
 */

/** Up to this many matrices, a batched product runs as a loop of 2-D products on wasm. */
const MAX_LOOPED_BATCH = 64;

function onWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

/** broadcastTo, as an Add of zeros (native broadcasting) where Tile is slow. */
export function broadcastTo(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (sameShape(x.shape, shape)) return x;
  return onWasm() ? tf.add(x, tf.fill([...shape], 0, x.dtype)) : tf.broadcastTo(x, [...shape]);
}

/** tanh, as 2·sigmoid(2x) − 1 on wasm. */
export function tanh(x: tf.Tensor): tf.Tensor {
  return onWasm() ? tf.sub(tf.mul(tf.sigmoid(tf.mul(x, 2)), 2), 1) : tf.tanh(x);
}

/** exp, as sigmoid(x)/sigmoid(−x) on wasm. */
export function exp(x: tf.Tensor): tf.Tensor {
  return onWasm() ? tf.div(tf.sigmoid(x), tf.sigmoid(tf.neg(x))) : tf.exp(x);
}

/** slice, as one copy inside the wasm heap when the slice is contiguous. */
export function slice(x: tf.Tensor, begin: readonly number[], size: readonly number[]): tf.Tensor {
  return (onWasm() && heapSlice(x, begin, size)) || tf.slice(x, [...begin], [...size]);
}

/** Rows per tile of a two-step transpose (see `swapLast`). */
const TILE = 32;

/**
 * The last two axes swapped. TF.js wasm's Transpose of a tall [M, N] matrix writes with a
 * stride of M floats (a power of two here, which the cache handles worst); as [M/32, 32, N]
 * → [M/32, N, 32] → [N, M/32, 32] both passes move short contiguous runs: 2–3× faster.
 */
export function swapLast(x: tf.Tensor): tf.Tensor {
  const r = x.rank;
  const perm = [...x.shape.keys()];
  [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
  const [m, n] = x.shape.slice(-2);
  if (!onWasm() || m <= TILE || m % TILE !== 0 || n <= TILE) return tf.transpose(x, perm);
  const lead = x.shape.slice(0, -2);
  const axes = [...lead.keys()];
  const tiles = tf.reshape(x, [...lead, m / TILE, TILE, n]);
  const inner = tf.transpose(tiles, [...axes, r - 2, r, r - 1]); // [..., M/32, N, 32]
  const outer = tf.transpose(inner, [...axes, r - 1, r - 2, r]); // [..., N, M/32, 32]
  return tf.reshape(outer, [...lead, n, m]);
}

/** transpose; a swap of the last two axes tiled as in `swapLast`. */
export function transpose(x: tf.Tensor, perm: readonly number[]): tf.Tensor {
  const r = perm.length;
  const swapsLast = r >= 2 && perm[r - 2] === r - 1 && perm[r - 1] === r - 2 && perm.slice(0, -2).every((p, i) => p === i);
  return swapsLast ? swapLast(x) : tf.transpose(x, [...perm]);
}

/** A batched product of untransposed operands with equal batch axes, as 2-D products. */
function loopedMatMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const batchShape = a.shape.slice(0, -2);
  const batch = batchShape.reduce((x, y) => x * y, 1);
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.rank - 1];
  const a3 = tf.reshape(a, [batch, m, k]);
  const b3 = tf.reshape(b, [batch, k, n]);
  const parts = [...Array(batch).keys()].map((i) =>
    tf.matMul(tf.reshape(slice(a3, [i, 0, 0], [1, m, k]), [m, k]), tf.reshape(slice(b3, [i, 0, 0], [1, k, n]), [k, n])),
  );
  return tf.reshape(tf.concat(parts, 0), [...batchShape, m, n]);
}

/** The right-hand operand of a wasm MatMul, in a buffer no other shape has been seen with. */
function ownBuffer(b: tf.Tensor, shape: readonly number[]): tf.Tensor {
  return heapCopy(b, shape) ?? tf.reshape(b, [...shape]);
}

/** matMul with the transposes materialised first where the flags are slow. */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (!onWasm()) return tf.matMul(a, b, transposeA, transposeB);
  const a2 = transposeA ? swapLast(a) : a;
  const b2 = transposeB ? swapLast(b) : ownBuffer(b, b.shape);
  const batch = a.shape.slice(0, -2).reduce((x, y) => x * y, 1);
  return a.rank > 2 && batch <= MAX_LOOPED_BATCH ? loopedMatMul(a2, b2) : tf.matMul(a2, b2);
}

/**
 * tf.sum, fast where TF.js is slow. A trailing block of the reduced axes goes first: TF.js
 * transposes the reduced axes to the end before reducing, a full copy of the input; reducing
 * the trailing ones first (contiguous, no transpose) leaves only a small tensor to transpose.
 * Batch-norm statistics and per-channel VJPs reduce NCHW over [0,2,3]: at [25,64,28,28] this is
 * 24 → 10 ms on wasm and 822 → 23 ms on cpu. Sums over leading axes of a float32 tensor on
 * wasm are ones·X (one matmul instead of TF.js's transpose and reduce).
 */
export function sum(x: tf.Tensor, axes: readonly number[], keepDims: boolean): tf.Tensor {
  let trailing = 0;
  while (axes.includes(x.rank - 1 - trailing)) trailing++;
  if (trailing > 0 && trailing < axes.length) {
    const inner = tf.sum(x, [...Array(trailing).keys()].map((k) => x.rank - 1 - k), true);
    return tf.sum(inner, [...axes], keepDims);
  }
  const leading = axes.length > 0 && axes.length < x.rank && axes.every((a, i) => a === i);
  if (!onWasm() || !leading || x.dtype !== 'float32') return tf.sum(x, [...axes], keepDims);
  const m = x.shape.slice(0, axes.length).reduce((a, b) => a * b, 1);
  const rest = x.shape.slice(axes.length);
  const n = rest.reduce((a, b) => a * b, 1);
  const s = tf.matMul(tf.fill([1, m], 1, 'float32'), ownBuffer(x, [m, n]));
  return tf.reshape(s, keepDims ? [...axes.map(() => 1), ...rest] : rest);
}
