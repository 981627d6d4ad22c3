import type { GraphNode } from '../../ir/graph.js';
import { paramsKey } from '../../ir/paramsKey.js';

/**
 * Where to cut a schedule into onnxruntime sessions. A meta-gradient repeats itself: every
 * inner step, layer and phase emits the same run of ops on the same shapes. Cutting where the
 * content says so (a rolling hash of the last few ops hits a mark, as rsync and deduplicating
 * backups cut files) puts the cuts at the same places inside every repeat, so repeats become
 * identical segments that share one compiled session (see `segmentKey` in partition.ts).
 * Nothing here knows about steps or layers: only ops, parameters and shapes are hashed.
 */
export interface CutOptions {
  /** Ops in the rolling window. */
  readonly window: number;
  /** A cut falls where the window's hash is 0 modulo this: the mean distance between marks. */
  readonly every: number;
  /** No segment shorter than this (fewer, larger sessions: a run costs a fixed overhead). */
  readonly minNodes: number;
  /** No segment longer than this (session creation grows faster than linearly). */
  readonly maxNodes: number;
}

/**
 * Measured on the flagship (L8 T4, block remat): MixFlow's 46 664 ops in 208 segments of which
 * 39 distinct (37% of the ops to compile), standard's 40 706 in 152, 41 distinct. Marks twice as
 * far apart, or half the minimum, ran both modes slower in interleaved runs (README).
 */
export const DEFAULT_CUTS: CutOptions = { window: 8, every: 128, minNodes: 128, maxNodes: 1000 };

/** What decides a node's lowering apart from where its inputs come from. */
export function nodeSignature(n: GraphNode): string {
  return `${n.op}${paramsKey(n.params)}:${n.aval.dtype}[${n.aval.shape.join(',')}]${n.origin === 'remat' ? 'r' : ''}`;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Segment bounds `[start, end)` covering `order`, cut by content. */
export function contentCuts(order: readonly GraphNode[], signatures: readonly string[], opts: CutOptions = DEFAULT_CUTS): [number, number][] {
  // A few hundred distinct signatures among tens of thousands of ops: hash each once.
  const hashOf = new Map<string, number>();
  const hashes = signatures.map((sig) => {
    let h = hashOf.get(sig);
    if (h === undefined) hashOf.set(sig, (h = fnv1a(sig)));
    return h;
  });
  const bounds: [number, number][] = [];
  let start = 0;
  for (let i = 0; i < order.length; i++) {
    let h = 0;
    for (let j = Math.max(0, i - opts.window + 1); j <= i; j++) h = (Math.imul(h, 31) + hashes[j]) >>> 0;
    const len = i + 1 - start;
    if ((len >= opts.minNodes && h % opts.every === 0) || len >= opts.maxNodes || i === order.length - 1) {
      bounds.push([start, i + 1]);
      start = i + 1;
    }
  }
  return bounds;
}

/** Segment bounds of at most `maxNodes` nodes each (tests, and a one-op graph). */
export function fixedCuts(length: number, maxNodes: number): [number, number][] {
  const bounds: [number, number][] = [];
  for (let s = 0; s < length; s += maxNodes) bounds.push([s, Math.min(length, s + maxNodes)]);
  return bounds;
}
