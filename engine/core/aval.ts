import { bytesPerElement, type DType } from './dtype.js';
import { sizeOf, type Shape } from './shape.js';

/** An abstract value: what shape rules compute and what the planner needs. */
export interface Aval {
  readonly shape: Shape;
  readonly dtype: DType;
}

export function avalBytes(aval: Aval): number {
  return sizeOf(aval.shape) * bytesPerElement(aval.dtype);
}

export function avalString(aval: Aval): string {
  return `${aval.dtype === 'float32' ? 'f32' : 'i32'}[${aval.shape.join(',')}]`;
}
