/**
 * The first-order benchmark's peak-bytes instrument, one for both sides: TF.js's own byte
 * counter (`tf.memory().numBytes`, i.e. `engine.state.numBytes`), hooked with a setter so
 * that every change is seen, not just values at sample points. That includes kernel-internal
 * temporaries (e.g. the transposes a kernel makes before its matmul).
 */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `fn` with TF.js's byte counter instrumented and returns the peak growth over the
 * counter's value at the start. Every tensor TF.js creates or disposes goes through
 * `trackTensor`/`disposeTensor`, which do `state.numBytes += / -= bytes` and nothing else
 * touches it; turning the field into an accessor therefore sees every intermediate value,
 * including allocations inside kernels and tapes that sampling between calls would miss.
 * (`numBytes` counts every tensor handle, so reshapes sharing a buffer count in full —
 * for both sides alike, and that is what the engine's accounting models too.)
 */
export function trackPeakBytes<T>(fn: () => T): { result: T; peak: number } {
  const state = (tf.engine() as unknown as { state: { numBytes: number } }).state;
  let value = state.numBytes;
  const start = value;
  let peak = value;
  Object.defineProperty(state, 'numBytes', {
    configurable: true,
    enumerable: true,
    get: () => value,
    set: (v: number) => {
      value = v;
      if (v > peak) peak = v;
    },
  });
  try {
    return { result: fn(), peak: peak - start };
  } finally {
    Object.defineProperty(state, 'numBytes', { configurable: true, enumerable: true, writable: true, value });
  }
}
