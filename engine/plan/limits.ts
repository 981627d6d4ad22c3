/**
 * How many bytes a backend can hold, for the pre-flight check: the wasm backend's heap is 4 GiB
 * (of which the runtime needs some); the cpu backend and the float64 reference executor keep
 * tensors in host memory; the native TensorFlow backend on a GPU holds them in device memory
 * (as `nvidia-smi` reports it free), else in host memory. `MIXFLOW_MEMORY_LIMIT` lowers it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';
import { formatBytes } from '../core/text.js';
import type { BackendName } from '../exec/backend.js';

export const WASM_HEAP_BYTES = 4 * 2 ** 30;
/** Share of the wasm heap left to tensors (the runtime and fragmentation take the rest). */
export const WASM_USABLE = 0.85;
/** Share of the free host or device memory a run may plan to use. */
export const FREE_MEMORY_MARGIN = 0.8;

export interface MemoryLimit {
  readonly bytes: number;
  /** For messages: `the wasm backend's 4 GiB heap (3.40 GiB usable)`. */
  readonly what: string;
}

/** Available host memory: MemAvailable on Linux (what can be allocated without swapping), else free memory. */
export function availableHostBytes(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return freemem();
}

function hostLimit(): MemoryLimit {
  const free = availableHostBytes();
  const bytes = Math.floor(free * FREE_MEMORY_MARGIN);
  return { bytes, what: `${Math.round(FREE_MEMORY_MARGIN * 100)}% of this machine's available memory (${formatBytes(bytes)} of ${formatBytes(free)})` };
}

/** Free memory of the first GPU in bytes, when a native GPU build is loaded and nvidia-smi answers. */
function gpuFreeBytes(): number | undefined {
  try {
    require.resolve('@tensorflow/tfjs-node-gpu');
  } catch {
    return undefined;
  }
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=memory.free', '--format=csv,noheader,nounits'], { encoding: 'utf8', timeout: 3000 });
    const mib = Number(out.trim().split('\n')[0]);
    return Number.isFinite(mib) && mib > 0 ? mib * 2 ** 20 : undefined;
  } catch {
    return undefined;
  }
}

const UNITS: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, KIB: 2 ** 10, M: 2 ** 20, MIB: 2 ** 20, G: 2 ** 30, GIB: 2 ** 30, T: 2 ** 40, TIB: 2 ** 40 };

/** `MIXFLOW_MEMORY_LIMIT` (`2GiB`, `512M`, `1000000`): a cap below the backend's, e.g. on a shared machine. */
export function userLimit(env: NodeJS.ProcessEnv = process.env): MemoryLimit | undefined {
  const text = env.MIXFLOW_MEMORY_LIMIT?.trim();
  if (!text) return undefined;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text);
  const unit = m ? UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new Error(`MIXFLOW_MEMORY_LIMIT: expected bytes such as 2GiB, 512M or 1000000, got ${JSON.stringify(text)}`);
  const bytes = Math.floor(Number(m[1]) * unit);
  return { bytes, what: `the ${formatBytes(bytes)} that MIXFLOW_MEMORY_LIMIT allows` };
}

/** The backend's limit, or MIXFLOW_MEMORY_LIMIT when that is lower. */
export function memoryLimit(backend: BackendName | 'reference'): MemoryLimit {
  const own = backendLimit(backend);
  const user = userLimit();
  return user && user.bytes < own.bytes ? user : own;
}

function backendLimit(backend: BackendName | 'reference'): MemoryLimit {
  if (backend === 'wasm') {
    const bytes = Math.floor(WASM_HEAP_BYTES * WASM_USABLE);
    return { bytes, what: `the wasm backend's ${formatBytes(WASM_HEAP_BYTES)} heap (${formatBytes(bytes)} usable)` };
  }
  if (backend === 'tensorflow') {
    const gpu = gpuFreeBytes();
    if (gpu !== undefined) {
      const bytes = Math.floor(gpu * FREE_MEMORY_MARGIN);
      return { bytes, what: `${Math.round(FREE_MEMORY_MARGIN * 100)}% of the GPU's free memory (${formatBytes(bytes)} of ${formatBytes(gpu)})` };
    }
  }
  return hostLimit();
}

/** The host's limit, whatever the backend: materialised θ₀ and batches live there first. */
export function hostMemoryLimit(): MemoryLimit {
  return hostLimit();
}
