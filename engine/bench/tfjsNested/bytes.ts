/**
 * The byte-peak instrument of the nested-TF.js baseline.
 *
 * TF.js's byte counter `tf.memory().numBytes` is `engine.state.numBytes`, changed only by
 * `Engine.trackTensor` (+bytes, every tensor handle made: kernel outputs, uploads, clones,
 * kernel-internal temporaries made through the engine) and `Engine.disposeTensor` (−bytes);
 * both are invoked as `this.trackTensor(…)` / `this.disposeTensor(…)` or through the tracker
 * function, so instance properties shadowing the prototype methods see every call.
 * `trackTfjsBytes` installs such wrappers that call the original and then take the running
 * max of `state.numBytes`: exact, not sampled. The baseline is the counter just before the
 * setup's tensors are uploaded, so the peak includes θ₀, η and the batches, like the engine's
 * `peak_bytes`. TF.js saves a clone of every tensor a gradient needs; on wasm the Identity
 * kernel copies, so those clones are real memory, while on cpu they share the buffer and
 * `numBytes` (which counts every handle in full) counts it twice; `peakBufferBytes` counts
 * distinct data buffers instead.
 */
import * as tf from '@tensorflow/tfjs-core';

/** The parts of TF.js's engine the instrument and the driver reach into. */
export interface EngineInternals {
  state: {
    numBytes: number;
    gradientDepth: number;
    kernelDepth: number;
    activeTape: unknown[] | null;
    tensorInfo: Map<object, { bytes: number }>;
  };
  trackTensor(a: tf.Tensor, backend: unknown): void;
  disposeTensor(a: tf.Tensor): void;
}

export interface ByteTracker {
  /** tf.memory().numBytes when tracking began. */
  readonly baseline: number;
  /** Highest tf.memory().numBytes seen since, less the baseline. */
  peak(): number;
  /** Highest total of distinct data-buffer bytes since, less its value at the start. */
  peakBuffers(): number;
  /** Tensors made since tracking began and not disposed yet. */
  readonly live: Set<tf.Tensor>;
  /** Removes the wrappers. */
  stop(): void;
}

/** Starts exact peak tracking of TF.js's byte counter (see the file comment). */
export function trackTfjsBytes(): ByteTracker {
  const engine = tf.engine() as unknown as EngineInternals;
  const baseline = engine.state.numBytes;
  let max = baseline;
  let buffers = 0;
  let maxBuffers = 0;
  const live = new Set<tf.Tensor>();
  const track = engine.trackTensor;
  const dispose = engine.disposeTensor;
  // Trackers nest: each restores exactly what it shadowed.
  const ownTrack = Object.getOwnPropertyDescriptor(engine, 'trackTensor');
  const ownDispose = Object.getOwnPropertyDescriptor(engine, 'disposeTensor');
  engine.trackTensor = function (this: EngineInternals, a: tf.Tensor, backend: unknown) {
    const fresh = !this.state.tensorInfo.has(a.dataId);
    track.call(this, a, backend);
    live.add(a);
    if (fresh) {
      buffers += this.state.tensorInfo.get(a.dataId)?.bytes ?? 0;
      if (buffers > maxBuffers) maxBuffers = buffers;
    }
    if (this.state.numBytes > max) max = this.state.numBytes;
  };
  engine.disposeTensor = function (this: EngineInternals, a: tf.Tensor) {
    const info = this.state.tensorInfo.get(a.dataId);
    dispose.call(this, a);
    live.delete(a);
    if (info && !this.state.tensorInfo.has(a.dataId)) buffers -= info.bytes;
  };
  return {
    baseline,
    peak: () => max - baseline,
    peakBuffers: () => maxBuffers,
    live,
    stop: () => {
      // The wrappers are own properties shadowing the prototype's methods (or an outer tracker's).
      const restore = (key: 'trackTensor' | 'disposeTensor', own: PropertyDescriptor | undefined) => {
        if (own) Object.defineProperty(engine, key, own);
        else delete (engine as Partial<EngineInternals>)[key];
      };
      restore('trackTensor', ownTrack);
      restore('disposeTensor', ownDispose);
    },
  };
}
