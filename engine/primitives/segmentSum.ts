import * as tf from '@tensorflow/tfjs-core';
import * as ref from '../kernels/ref/index.js';
import { gather, segmentSum as segmentSumOp } from '../ops/indexing.js';
import { definePrimitive } from './types.js';

export const segmentSum = definePrimitive<{ numSegments: number }>({
  name: 'segmentSum',
  shape: ([data, ids], { numSegments }) => {
    if (ids.dtype !== 'int32' || ids.shape.length !== 1 || ids.shape[0] !== data.shape[0]) {
      throw new Error('segmentSum ids must be int32 of shape [data.shape[0]]');
    }
    return { shape: [numSegments, ...data.shape.slice(1)], dtype: data.dtype };
  },
  // scatterND sums duplicate ids and, unlike UnsortedSegmentSum, has a wasm kernel.
  tf: ([data, ids], { numSegments }) => tf.scatterND(tf.expandDims(ids, 1), data, [numSegments, ...data.shape.slice(1)]),
  ref: ([data, ids], { numSegments }) => ref.segmentSum(data, ids, numSegments),
  // Duplicate ids add up (ScatterND's `add` reduction) into zeros of the output's shape.
  onnx: (e, [data, ids], _p, { out }) => {
    const zeros = e.node('Expand', [e.scalar(0), e.int64s(out.shape)]);
    const at = e.node('Unsqueeze', [e.cast(ids, 'int64'), e.int64s([1])]);
    return e.node('ScatterND', [zeros, at, data], { reduction: { string: 'add' } });
  },
  jvp: ([, ids], [t], _out, { numSegments }) => t && segmentSumOp(t, ids, numSegments),
  vjp: (ct, [, ids]) => [gather(ct, ids), null],
});
