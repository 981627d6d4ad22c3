/** One row of the meta-gradient benchmark for the nested-TF.js baseline, surviving out-of-memory. */
import { materialise } from '../../setup/materialise.js';
import type { Setup } from '../../setup/types.js';
import { nestedTfjsMetaGradient } from './metaGradient.js';
import { isAllocationFailure, isWasmAbort, restartBackend } from './oom.js';

export type NestedRow =
  | { readonly peakBytes: number; readonly peakBufferBytes: number; readonly inputBytes: number; readonly timeMs: number }
  | { readonly oom: true };

/**
 * One benchmark row for a setup on the current backend (select it first, e.g.
 * `await useBackend('wasm')`): TF.js's peak bytes and the time, or `{oom: true}` when an
 * allocation fails (the wasm heap stops at 4 GiB). After a failure every tensor of the run is
 * disposed and, if the wasm module aborted, the backend is restarted, so the process can go on.
 */
export async function benchNestedRow(setup: Setup): Promise<NestedRow> {
  const data = materialise(setup);
  try {
    const r = nestedTfjsMetaGradient(setup, data);
    return { peakBytes: r.peakBytes, peakBufferBytes: r.peakBufferBytes, inputBytes: r.inputBytes, timeMs: r.timeMs };
  } catch (e) {
    const oom = isAllocationFailure(e);
    if (isWasmAbort(e)) await restartBackend();
    if (oom) return { oom: true };
    throw e;
  }
}
