/**
 * The float64 reference executor's array: row-major data and a shape. Integer ids
 * (int32 in the graph) are stored as exact doubles.
 */
export interface RefArray {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export function refArray(shape: readonly number[], data: Float64Array): RefArray {
  return { shape: [...shape], data };
}
