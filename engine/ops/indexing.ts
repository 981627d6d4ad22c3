import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';

/** Rows of `table` picked by integer `indices`: shape indices.shape ++ table.shape[1:]. */
export const gather = (table: Tensor, indices: Tensor): Tensor => bind('gather', [table, indices]);

/** Sums rows of `data` into `numSegments` buckets by 1-D integer `ids` (gather's transpose). */
export const segmentSum = (data: Tensor, ids: Tensor, numSegments: number): Tensor =>
  bind('segmentSum', [data, ids], { numSegments });

/** A float32 one-hot encoding, shape indices.shape ++ [depth]. */
export const oneHot = (indices: Tensor, depth: number): Tensor => bind('oneHot', [indices], { depth });
