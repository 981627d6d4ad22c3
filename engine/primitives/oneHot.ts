import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { noDerivative } from './rules.js';
import { definePrimitive } from './types.js';

export const oneHot = definePrimitive<{ depth: number }>({
  name: 'oneHot',
  shape: ([ids], { depth }) => {
    if (ids.dtype !== 'int32') throw new Error('oneHot ids must be int32');
    return { shape: [...ids.shape, depth], dtype: 'float32' };
  },
  tf: ([ids], { depth }) => tf.cast(tf.oneHot(ids, depth), 'float32'),
  ref: ([ids], { depth }) => ref.oneHot(ids, depth),
  ...noDerivative,
});
