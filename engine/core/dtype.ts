/** Element types the engine knows. Comparisons return float32 0/1 masks, so int32 is only for ids. */
export type DType = 'float32' | 'int32';

/** Bytes per element, as TF.js counts them for `tf.memory().numBytes`. */
export function bytesPerElement(_dtype: DType): number {
  return 4;
}
