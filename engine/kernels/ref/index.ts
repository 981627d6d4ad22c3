/** Float64 reference kernels for the verification executor. */
export { refArray, type RefArray } from './array.js';
export { unary, binary, select } from './elementwise.js';
export { matmul } from './matmul.js';
export { transpose, reshape, broadcastTo, slice, pad, concat } from './layout.js';
export { reduce, type ReduceKind } from './reduce.js';
export { gather, segmentSum, oneHot } from './indexing.js';
export { full, iota } from './create.js';
export { conv2d, conv2dBackpropInput, conv2dBackpropFilter } from './conv.js';
export { maxPool2d, maxPool2dPick, maxPool2dScatter, maxPoolArgmax, avgPool2d, avgPool2dGrad } from './pool.js';
export { erf } from './special.js';
