import * as tf from '@tensorflow/tfjs-core';

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
