import type { Segment } from './lower.js';

/**
 * Where each value goes between segments (pipeline.ts). A value that only segments on the
 * worker that made it read stays on that worker; one that another worker (or the caller,
 * for a graph output) needs is handed to the main thread. On the flagship about half the
 * bytes that cross segments never need to leave their worker.
 */
export interface Route {
  /** Per segment input: read from the worker's own store (else it comes from the main thread). */
  readonly local: readonly boolean[];
  /** Per segment output: kept on the worker for its later segments. */
  readonly keep: readonly boolean[];
  /** Per segment output: handed to the main thread. */
  readonly send: readonly boolean[];
  /** Values the worker forgets after this segment (their last read there). */
  readonly dropLocal: readonly number[];
  /** Values the main thread forgets after this segment (graph inputs and outputs never). */
  readonly dropMain: readonly number[];
}

export function routeValues(segments: readonly Segment[], ownerOf: readonly number[], graphOutputs: readonly number[]): Route[] {
  const made = new Map<number, number>();
  segments.forEach((seg, k) => seg.outputs.forEach((id) => made.set(id, k)));
  const isLocal = (id: number, k: number) => made.has(id) && ownerOf[made.get(id)!] === ownerOf[k];
  const lastLocal = new Map<number, number>();
  const lastMain = new Map<number, number>();
  segments.forEach((seg, k) => seg.inputs.forEach((id) => (isLocal(id, k) ? lastLocal : lastMain).set(id, k)));
  const kept = new Set(graphOutputs);
  const dropLocal: number[][] = segments.map(() => []);
  const dropMain: number[][] = segments.map(() => []);
  for (const [id, k] of lastLocal) dropLocal[k].push(id);
  for (const [id, k] of lastMain) if (made.has(id) && !kept.has(id)) dropMain[k].push(id);
  return segments.map((seg, k) => ({
    local: seg.inputs.map((id) => isLocal(id, k)),
    keep: seg.outputs.map((id) => lastLocal.has(id)),
    send: seg.outputs.map((id) => lastMain.has(id) || kept.has(id)),
    dropLocal: dropLocal[k],
    dropMain: dropMain[k],
  }));
}
