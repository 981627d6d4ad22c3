import * as tf from '@tensorflow/tfjs-core';

/**
 * Copies straight between buffers in the wasm backend's heap. TF.js wasm's Slice reads
 * its whole input back to JavaScript (`readSync` copies every element) before taking the
 * slice, so slicing one matrix out of a batch of eight costs eight matrices of copying in
 * JavaScript; a contiguous slice is one `TypedArray.set` inside the heap instead (~100×
 * faster measured on [8,256,256]).
 *
 * A copy into a buffer of its own also guards TF.js wasm's MatMul, which caches the packed
 * right-hand operand by buffer id alone: the same buffer seen again under another shape
 * (a reshape shares its input's buffer) reuses the stale packing, reading out of bounds.
 */

interface WasmBackendHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function heapBackend(): WasmBackendHeap | null {
  const b = tf.backend() as unknown as Partial<WasmBackendHeap>;
  return typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function' ? (b as WasmBackendHeap) : null;
}

/** Whether `begin`/`size` select one contiguous run of x's row-major buffer. */
export function isContiguousSlice(shape: readonly number[], begin: readonly number[], size: readonly number[]): boolean {
  // After the first axis cut short, every later axis must be taken whole.
  let i = 0;
  while (i < shape.length && size[i] === 1) i++;
  for (let j = i + 1; j < shape.length; j++) if (begin[j] !== 0 || size[j] !== shape[j]) return false;
  return true;
}

/** A contiguous slice as one copy inside the wasm heap; null off wasm or when not contiguous. */
export function heapSlice(x: tf.Tensor, begin: readonly number[], size: readonly number[]): tf.Tensor | null {
  const backend = x.dtype === 'float32' || x.dtype === 'int32' ? heapBackend() : null;
  if (!backend || !isContiguousSlice(x.shape, begin, size)) return null;
  let offset = 0;
  let stride = 1;
  for (let j = x.rank - 1; j >= 0; j--) {
    offset += begin[j] * stride;
    stride *= x.shape[j];
  }
  const count = size.reduce((a, b) => a * b, 1);
  const out = backend.makeOutput([...size], x.dtype);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x).subarray(offset, offset + count));
  return tf.engine().makeTensorFromTensorInfo(out);
}

/** x's elements in a new buffer of the given shape (same size); null off wasm. */
export function heapCopy(x: tf.Tensor, shape: readonly number[]): tf.Tensor | null {
  const backend = x.dtype === 'float32' || x.dtype === 'int32' ? heapBackend() : null;
  if (!backend) return null;
  const out = backend.makeOutput([...shape], x.dtype);
  backend.typedArrayFromHeap(out).set(backend.typedArrayFromHeap(x));
  return tf.engine().makeTensorFromTensorInfo(out);
}
