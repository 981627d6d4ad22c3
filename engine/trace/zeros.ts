import { bind } from './bind.js';
import type { Tensor } from './tensor.js';

/** A materialised zero, for the few places a symbolic zero must become a value. */
export function zerosLike(x: Tensor): Tensor {
  return bind('full', [], { shape: [...x.shape], dtype: x.dtype, value: 0 });
}
