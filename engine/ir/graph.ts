import type { Aval } from '../core/aval.js';

/**
 * The graph IR: plain data, printable and JSON-serialisable.
 * Every value has one id; graph inputs and node outputs share the id space
 * (a node's id is the id of the one value it produces).
 */

/** Which transformation emitted a node; the profiler groups memory by it. */
export type Origin = 'primal' | 'tangent' | 'cotangent' | 'remat' | 'customVjp';

export type Params = Readonly<Record<string, unknown>>;

export interface GraphInput {
  readonly id: number;
  readonly aval: Aval;
  readonly name: string;
}

export interface GraphNode {
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly number[];
  readonly params: Params;
  readonly aval: Aval;
  /** Hierarchical scope, e.g. `step/2/block/1/attn`. */
  readonly scope: string;
  readonly origin: Origin;
}

export interface Graph {
  readonly inputs: readonly GraphInput[];
  readonly nodes: readonly GraphNode[];
  readonly outputs: readonly number[];
}
