/**
 * Allocation failures of a TF.js backend: turning a refused wasm `_malloc` into an error,
 * recognising an out-of-memory failure, and replacing a wasm module that aborted.
 */
import * as tf from '@tensorflow/tfjs-core';

/** Thrown when the wasm heap cannot grow (its `_malloc` returns 0, which TF.js does not check). */
export class TfjsOutOfMemory extends Error {
  constructor(bytes: number) {
    super(`TF.js backend could not allocate ${bytes} bytes`);
    this.name = 'TfjsOutOfMemory';
  }
}

/**
 * While `fn` runs, a failed wasm allocation throws `TfjsOutOfMemory`. Unchecked, the wasm
 * backend writes the tensor at address 0 and corrupts the heap (then a kernel may fault with
 * "memory access out of bounds", or results are silently wrong).
 */
export function guardWasmMalloc<T>(fn: () => T): T {
  const backend = tf.backend() as unknown as { wasm?: { _malloc(n: number): number } };
  const wasm = backend.wasm;
  if (!wasm || typeof wasm._malloc !== 'function') return fn();
  const malloc = wasm._malloc;
  wasm._malloc = (n: number) => {
    const p = malloc.call(wasm, n);
    if (p === 0 && n > 0) throw new TfjsOutOfMemory(n);
    return p;
  };
  try {
    return fn();
  } finally {
    wasm._malloc = malloc;
  }
}

/** Size of the wasm heap now, or 0 on another backend. */
function wasmHeapBytes(): number {
  const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm;
  return wasm?.HEAPU8?.length ?? 0;
}

/** The largest wasm heap (Emscripten's getHeapMax: 4 GiB less one 64 KiB page). */
const WASM_HEAP_MAX = 4294901760;

/**
 * True for an allocation failure of a TF.js backend: a refused wasm `_malloc` from JS
 * (`TfjsOutOfMemory`), an Emscripten abort from a failed C++ allocation (kernels allocate
 * some bookkeeping and temporaries themselves) once the heap has grown to its maximum, or a
 * host typed array that cannot be allocated (cpu backend).
 */
export function isAllocationFailure(e: unknown, heapBytes = wasmHeapBytes()): boolean {
  if (e instanceof TfjsOutOfMemory) return true;
  if (e instanceof RangeError && /allocation failed|Invalid typed array length|Array buffer/i.test(e.message)) return true;
  return e instanceof WebAssembly.RuntimeError && /Aborted/.test(e.message) && heapBytes > 0.9 * WASM_HEAP_MAX;
}

/** An Emscripten abort leaves the wasm module unusable: it must be replaced. */
export function isWasmAbort(e: unknown): boolean {
  return e instanceof WebAssembly.RuntimeError && /Aborted/.test(e.message);
}

/**
 * Replaces the current backend by a fresh instance from its registered factory (for wasm a
 * new module with an empty heap); kernels are set up again by `setBackend`.
 */
export async function restartBackend(): Promise<void> {
  const name = tf.getBackend();
  const engine = tf.engine() as unknown as {
    registryFactory: Record<string, { factory: () => tf.KernelBackend | Promise<tf.KernelBackend>; priority: number }>;
    registry: Record<string, tf.KernelBackend>;
  };
  const entry = engine.registryFactory[name];
  if (!entry) throw new Error(`backend '${name}' has no registered factory`);
  // The aborted module's own dispose faults ("memory access out of bounds"): skip it, the
  // whole module (heap included) is garbage once the engine lets go of it.
  const dead = engine.registry[name];
  if (dead) dead.dispose = () => {};
  tf.removeBackend(name);
  tf.registerBackend(name, entry.factory, entry.priority);
  if (!(await tf.setBackend(name))) throw new Error(`backend '${name}' could not be restarted`);
  await tf.ready();
}
