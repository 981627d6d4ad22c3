import * as tf from '@tensorflow/tfjs-core';
import { DEFAULT_SESSION_OPTIONS } from '../exec/onnxruntime/executor.js';
import { loadOrt } from '../exec/onnxruntime/runtime.js';
import { encodeOrtModel, valueInfo } from '../exec/onnxruntime/lower.js';

/**
 * What this backend can do at best on this machine, measured: the fastest of a few 2-D
 * float32 products [n,n]·[n,n] (the kernel at its most efficient: one large product, no
 * transposes, no batch), in GFLOP/s. The bench prints the engine's achieved GFLOP/s next
 * to it; elementwise ops and small products run far below it.
 */
export function matmulLimitGflops(n = 512, reps = 8): number {
  return tf.tidy(() => {
    const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
    const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
    tf.matMul(a, b).dataSync(); // kernel set-up and weight packing out of the timing
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      const c = tf.matMul(a, tf.add(b, 0)); // a fresh right operand: no cached packing
      c.dataSync();
      best = Math.min(best, performance.now() - t0);
      c.dispose();
    }
    return (2 * n * n * n) / best / 1e6;
  });
}

/**
 * The same measure on onnxruntime (one session, one MatMul of two graph inputs, so no weight
 * is pre-packed), with the session options the backend uses (intra-op threads on every core).
 */
export async function ortMatmulLimitGflops(n = 512, reps = 8): Promise<number> {
  const ort = loadOrt();
  const aval = { shape: [n, n], dtype: 'float32' } as const;
  const model = encodeOrtModel({
    name: 'matmul',
    node: [{ op_type: 'MatMul', input: ['a', 'b'], output: ['c'] }],
    input: [valueInfo('a', aval), valueInfo('b', aval)],
    output: [valueInfo('c', aval)],
  });
  const session = await ort.InferenceSession.create(model, DEFAULT_SESSION_OPTIONS);
  try {
    const random = () => new ort.Tensor('float32', Float32Array.from({ length: n * n }, () => Math.random() * 2 - 1), [n, n]);
    const feeds = { a: random(), b: random() };
    await session.run(feeds);
    let best = Infinity;
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      await session.run(feeds);
      best = Math.min(best, performance.now() - t0);
    }
    return (2 * n * n * n) / best / 1e6;
  } finally {
    await session.release();
  }
}
