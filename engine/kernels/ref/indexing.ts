import { sizeOf } from '../../core/shape.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';

/** Reads an index stored as a double, insisting it holds an integer. */
function indexAt(kernel: string, indices: RefArray, i: number): number {
  const v = indices.data[i];
  if (!Number.isInteger(v)) throw kernelError(kernel, `index ${v} at position ${i} is not an integer`);
  return v;
}

/** out shape = table.shape[:axis] ++ indices.shape ++ table.shape[axis+1:]. */
export function gather(table: RefArray, indices: RefArray, axis: number): RefArray {
  const ts = table.shape;
  if (axis < 0 || axis >= ts.length) throw kernelError('gather', `axis ${axis} out of range for table ${fmt(ts)}`);
  const outer = sizeOf(ts.slice(0, axis));
  const len = ts[axis];
  const inner = sizeOf(ts.slice(axis + 1));
  const count = indices.data.length;
  const rows = Array.from({ length: count }, (_, j) => {
    const r = indexAt('gather', indices, j);
    if (r < 0 || r >= len) throw kernelError('gather', `index ${r} out of range [0,${len}) for table ${fmt(ts)} axis ${axis}`);
    return r;
  });
  const out = new Float64Array(outer * count * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < count; j++) {
      const src = (o * len + rows[j]) * inner;
      out.set(table.data.subarray(src, src + inner), (o * count + j) * inner);
    }
  }
  return refArray([...ts.slice(0, axis), ...indices.shape, ...ts.slice(axis + 1)], out);
}

/** Unsorted segment sum over the leading dim; out-of-range ids are dropped (as in TF). */
export function segmentSum(data: RefArray, segmentIds: RefArray, numSegments: number): RefArray {
  const ds = data.shape;
  if (ds.length < 1 || segmentIds.shape.length !== 1 || segmentIds.shape[0] !== ds[0]) {
    throw kernelError('segmentSum', `ids ${fmt(segmentIds.shape)} must be 1-D of data ${fmt(ds)}'s leading dim`);
  }
  if (!Number.isInteger(numSegments) || numSegments < 0) {
    throw kernelError('segmentSum', `numSegments ${numSegments} must be a non-negative integer`);
  }
  const inner = sizeOf(ds.slice(1));
  const out = new Float64Array(numSegments * inner);
  for (let i = 0; i < ds[0]; i++) {
    const s = indexAt('segmentSum', segmentIds, i);
    if (s < 0 || s >= numSegments) continue;
    for (let e = 0; e < inner; e++) out[s * inner + e] += data.data[i * inner + e];
  }
  return refArray([numSegments, ...ds.slice(1)], out);
}

/** indices.shape ++ [depth]; an out-of-range index gives an all-zero row, as in TF. */
export function oneHot(indices: RefArray, depth: number): RefArray {
  if (!Number.isInteger(depth) || depth < 0) throw kernelError('oneHot', `depth ${depth} must be a non-negative integer`);
  const out = new Float64Array(indices.data.length * depth);
  for (let i = 0; i < indices.data.length; i++) {
    const h = indexAt('oneHot', indices, i);
    if (h >= 0 && h < depth) out[i * depth + h] = 1;
  }
  return refArray([...indices.shape, depth], out);
}
