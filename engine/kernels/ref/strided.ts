import { sizeOf, stridesOf, type Shape } from '../../core/shape.js';

/**
 * Strides of `inShape` aligned to the trailing dims of `outShape`, with 0 where the
 * input is broadcast (missing or size-1 dims), so one walk reads it repeatedly.
 */
export function broadcastStrides(inShape: Shape, outShape: Shape): number[] {
  const own = stridesOf(inShape);
  const lead = outShape.length - inShape.length;
  return outShape.map((_, d) => {
    const i = d - lead;
    return i < 0 || inShape[i] === 1 ? 0 : own[i];
  });
}

/**
 * Visits every position of `shape` in row-major order, keeping one flat offset per
 * stride set up to date incrementally (an odometer), so no index arrays are allocated
 * per element. `offsets` is reused between calls: read it, don't keep it.
 */
export function walk(
  shape: Shape,
  strides: readonly (readonly number[])[],
  visit: (index: number, offsets: number[]) => void,
): void {
  const rank = shape.length;
  const n = sizeOf(shape);
  const offsets = strides.map(() => 0);
  const counter = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    visit(i, offsets);
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      for (let s = 0; s < strides.length; s++) offsets[s] += strides[s][d];
      if (counter[d] < shape[d]) break;
      // Wrap this digit back to zero and carry into the next one.
      for (let s = 0; s < strides.length; s++) offsets[s] -= strides[s][d] * shape[d];
      counter[d] = 0;
    }
  }
}
