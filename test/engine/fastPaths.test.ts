/**
 * The wasm fast paths against TF.js's own kernels on the same backend: same values (to
 * float32 rounding of a different summation order or formula), same shapes, and no
 * tensor left behind (the heap slice registers its output with the engine like a kernel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as E from '../../engine/index.js';
import * as fast from '../../engine/kernels/tfjs/fastPaths.js';
import { isContiguousSlice } from '../../engine/kernels/tfjs/wasmHeap.js';

function close(got: tf.Tensor, want: tf.Tensor, tol: number, what: string): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  const g = got.dataSync();
  const w = want.dataSync();
  let scale = 0;
  for (const v of w) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < w.length; i++) {
    if (!(Math.abs(g[i] - w[i]) <= tol * Math.max(scale, 1e-30))) assert.fail(`${what}: [${i}] ${g[i]} vs ${w[i]}`);
  }
}

test('contiguous slices: whole trailing axes after the first partial one', () => {
  assert.equal(isContiguousSlice([8, 4, 5], [3, 0, 0], [1, 4, 5]), true);
  assert.equal(isContiguousSlice([8, 4, 5], [3, 1, 0], [1, 2, 5]), true);
  assert.equal(isContiguousSlice([8, 4, 5], [3, 1, 0], [2, 2, 5]), false);
  assert.equal(isContiguousSlice([8, 4, 5], [0, 0, 1], [8, 4, 3]), false);
  assert.equal(isContiguousSlice([8, 4, 5], [2, 3, 1], [1, 1, 3]), true);
});

test('wasm fast paths equal the plain kernels and leak nothing', async () => {
  assert.equal(await E.useBackend('wasm'), 'wasm');
  const before = tf.memory().numTensors;
  tf.tidy(() => {
    const x = tf.randomNormal([6, 4, 5], 0, 2, 'float32', 7);
    const ids = tf.tensor([1, 2, 3, 4, 5, 6, 7, 8], [2, 4], 'int32');
    for (const [begin, size] of [[[2, 0, 0], [1, 4, 5]], [[2, 1, 0], [1, 2, 5]], [[1, 1, 1], [3, 2, 3]]] as const) {
      close(fast.slice(x, begin, size), tf.slice(x, [...begin], [...size]), 0, `slice ${begin}+${size}`);
    }
    close(fast.slice(ids, [1, 0], [1, 4]), tf.slice(ids, [1, 0], [1, 4]), 0, 'int32 slice');
    close(fast.sum(x, [0, 1], false), tf.sum(x, [0, 1]), 1e-6, 'sum over leading axes');
    close(fast.sum(x, [0], true), tf.sum(x, [0], true), 1e-6, 'sum over the first axis, kept');
    close(fast.sum(x, [1], false), tf.sum(x, [1]), 1e-6, 'sum over a middle axis');
    close(fast.tanh(x), tf.tanh(x), 3e-7, 'tanh');
    close(fast.exp(x), tf.exp(x), 4e-7, 'exp');
    const a = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 1);
    const b = tf.randomNormal([3, 4, 6], 0, 1, 'float32', 2);
    close(fast.matMul(a, b, true, false), tf.matMul(a, b, true, false), 1e-6, 'batched Aᵀ·B');
    close(fast.matMul(b, b, true, false), tf.matMul(b, b, true, false), 1e-6, 'batched Bᵀ·B');
    for (const shape of [[96, 64], [2, 64, 40], [3, 2, 64, 33], [64, 8], [40, 64]]) {
      const t = tf.randomNormal(shape, 0, 1, 'float32', 9);
      const perm = [...shape.keys()];
      [perm[shape.length - 2], perm[shape.length - 1]] = [perm[shape.length - 1], perm[shape.length - 2]];
      close(fast.transpose(t, perm), tf.transpose(t, perm), 0, `tiled transpose of [${shape}]`);
    }
    close(fast.transpose(x, [2, 0, 1]), tf.transpose(x, [2, 0, 1]), 0, 'other transpose');
    close(fast.broadcastTo(tf.tensor([1, 2, 3]), [2, 3]), tf.tensor([[1, 2, 3], [1, 2, 3]]), 0, 'broadcastTo');
  });
  assert.equal(tf.memory().numTensors, before);
});

test('wasm matmul: one buffer used as the right operand under two shapes gives both right products', async () => {
  // TF.js wasm caches the packed right operand by buffer id; a reshape shares the buffer.
  assert.equal(await E.useBackend('wasm'), 'wasm');
  tf.tidy(() => {
    const x = tf.randomNormal([6, 20], 0, 1, 'float32', 3);
    const a1 = tf.randomNormal([3, 6], 0, 1, 'float32', 4);
    const a2 = tf.randomNormal([3, 20], 0, 1, 'float32', 5);
    const ref = (a: tf.Tensor, b: tf.Tensor) => tf.matMul(a, tf.add(b, 0));
    close(fast.matMul(a1, x, false, false), ref(a1, x), 1e-6, 'first shape');
    const xr = tf.reshape(x, [20, 6]);
    close(fast.matMul(a2, xr, false, false), ref(a2, xr), 1e-6, 'same buffer, second shape');
    close(fast.sum(x, [0], false), tf.sum(x, [0]), 1e-6, 'leading sum, first shape');
    close(fast.sum(tf.reshape(x, [4, 30]), [0], false), tf.sum(tf.reshape(x, [4, 30]), [0]), 1e-6, 'leading sum, same buffer reshaped');
  });
});
