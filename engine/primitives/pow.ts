import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { mul, pow as powOp } from '../ops/arith.js';
import { scaleTangent } from './rules.js';
import { definePrimitive } from './types.js';
import type { Tensor } from '../trace/tensor.js';

type PowParams = { exponent: number };

/** d(x^p) = p·x^(p−1); written with `pow` so higher derivatives follow. */
const derivative = (x: Tensor, { exponent }: PowParams) => mul(powOp(x, exponent - 1), exponent);

export const pow = definePrimitive<PowParams>({
  name: 'pow',
  shape: ([x]) => x,
  tf: ([x], { exponent }) => (exponent === 2 ? tf.square(x) : tf.pow(x, tf.scalar(exponent))),
  ref: ([x], { exponent }) => ref.unary(x, (v) => (exponent === 2 ? v * v : Math.pow(v, exponent))),
  onnx: (e, [x], { exponent }) => (exponent === 2 ? e.node('Mul', [x, x]) : e.node('Pow', [x, e.scalar(exponent)])),
  jvp: ([x], [t], _out, params) => scaleTangent(t, derivative(x, params)),
  vjp: (ct, [x], _out, params) => [mul(ct, derivative(x, params))],
});
