/**
 * A first-order benchmark model: its host inputs (seeded, so every run benchmarks identical
 * numbers) and the same loss written twice, with engine ops and with TF.js ops.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type * as E from '../../index.js';

export interface HostInput {
  readonly name: string;
  readonly shape: number[];
  readonly dtype: 'float32' | 'int32';
  readonly data: Float32Array | Int32Array;
  /** Differentiated (a parameter) or data. */
  readonly param: boolean;
}

export interface Model {
  readonly name: string;
  readonly inputs: HostInput[];
  /** The loss with engine ops, over all inputs in order. */
  readonly engineLoss: (...xs: E.Tensor[]) => E.Tensor;
  /** The same loss with TF.js ops, over all inputs in order. */
  readonly tfLoss: (...xs: tf.Tensor[]) => tf.Scalar;
}

/** Seeded uniform values (mulberry32), so every run benchmarks identical numbers. */
export function uniform(seed: number, n: number, scale: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296 * 2 - 1) * scale;
  }
  return out;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
let seedCounter = 1;
/** The seed of the next `param`: a model sets it first, so its numbers are the same however many times it is built. */
export const seedParams = (seed: number) => {
  seedCounter = seed;
};
export const param = (name: string, shape: number[], scale: number): HostInput => ({
  name,
  shape,
  dtype: 'float32',
  data: uniform(seedCounter++, size(shape), scale),
  param: true,
});
export const ones = (name: string, shape: number[]): HostInput => ({ name, shape, dtype: 'float32', data: new Float32Array(size(shape)).fill(1), param: true });
export const zeros = (name: string, shape: number[]): HostInput => ({ name, shape, dtype: 'float32', data: new Float32Array(size(shape)), param: true });
