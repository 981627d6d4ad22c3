import type { DType } from '../core/dtype.js';
import { sizeOf } from '../core/shape.js';
import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';

/** A tensor filled with one value. */
export function full(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return bind('full', [], { shape: [...shape], dtype, value });
}

export function zeros(shape: readonly number[]): Tensor {
  return full(shape, 0);
}

export function scalar(value: number): Tensor {
  return full([], value);
}

/** A small host array baked into the graph (large data should be a graph input). */
export function constant(values: readonly number[], shape: readonly number[], dtype: DType = 'float32'): Tensor {
  if (values.length !== sizeOf(shape)) throw new Error(`constant: ${values.length} values for shape [${shape}]`);
  return bind('constant', [], { values: [...values], shape: [...shape], dtype });
}

/** Coordinates along `axis`, broadcast over `shape` (masks such as causal attention's). */
export function iota(shape: readonly number[], axis: number): Tensor {
  return bind('iota', [], { shape: [...shape], axis });
}

export type TensorLike = Tensor | number;

/** Numbers become scalar constants; binary primitives broadcast them. */
export function lift(x: TensorLike): Tensor {
  return typeof x === 'number' ? scalar(x) : x;
}
