/**
 * The nested-tf.grad baseline of the meta-gradient benchmark: the setup's meta-gradient by
 * reverse-over-reverse TF.js gradients (metaGradient.ts), its exact byte peak (bytes.ts), its
 * out-of-memory handling (oom.ts) and the bench row (row.ts).
 */
export { trackTfjsBytes, type ByteTracker } from './bytes.js';
export { nestedTfjsMetaGradient, type NestedResult } from './metaGradient.js';
export { isAllocationFailure, TfjsOutOfMemory } from './oom.js';
export { secondOrderOps } from './ops.js';
export { benchNestedRow, type NestedRow } from './row.js';
