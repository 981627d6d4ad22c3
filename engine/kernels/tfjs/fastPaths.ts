import * as tf from '@tensorflow/tfjs-core';
import { sameShape } from '../../core/shape.js';

/**
 * TF.js kernels whose obvious call is slow on some backend, with the fast equivalent.
 * Measured on the wasm backend (2 cores, SIMD, no threads): Tile (broadcastTo) runs in
 * JavaScript and is ~35× slower than a broadcasting Add; MatMul with transpose flags, or
 * batched, falls off XNNPACK onto a naive loop, while an explicit Transpose is cheap.
 */

function onWasm(): boolean {
  return tf.getBackend() === 'wasm';
}

/** broadcastTo, as an Add of zeros (native broadcasting) where Tile is slow. */
export function broadcastTo(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (sameShape(x.shape, shape)) return x;
  return onWasm() ? tf.add(x, tf.zeros([...shape], x.dtype)) : tf.broadcastTo(x, [...shape]);
}

function swapLast(x: tf.Tensor): tf.Tensor {
  const perm = [...x.shape.keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1], perm[x.rank - 2]];
  return tf.transpose(x, perm);
}

/** matMul with the transposes materialised first where the flags are slow. */
export function matMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  if (!onWasm()) return tf.matMul(a, b, transposeA, transposeB);
  return tf.matMul(transposeA ? swapLast(a) : a, transposeB ? swapLast(b) : b);
}
