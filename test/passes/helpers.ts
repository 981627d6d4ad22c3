import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import type { Graph } from '../../engine/ir/graph.js';
import { rng, uniform } from '../engine/helpers.js';

export type Avals = { shape: number[]; dtype: 'float32' }[];

export const f32s = (...shapes: number[][]): Avals => shapes.map((shape) => ({ shape, dtype: 'float32' }));

export function trace(fn: (...xs: E.Tensor[]) => E.Tensor | E.Tensor[], avals: Avals): Graph {
  return E.traceGraph((...xs: E.Tensor[]) => {
    const o = fn(...xs);
    return Array.isArray(o) ? o : [o];
  }, avals).graph;
}

/** Live nodes by op, as the schedule runs them. */
export function opCounts(graph: Graph): Record<string, number> {
  const c: Record<string, number> = {};
  for (const n of E.schedule(graph).order) c[n.op] = (c[n.op] ?? 0) + 1;
  return c;
}

/**
 * The optimised graph computes bit-for-bit what the original does on the float64
 * reference executor (every rule is exact for finite inputs), and its plan's peak is not
 * above the original's.
 */
export function assertSameResults(original: Graph, optimised: Graph, seed = 1): void {
  const rand = rng(seed);
  const inputs = original.inputs.map((i) => ({ shape: i.aval.shape, data: uniform(rand, i.aval.shape.reduce((a, b) => a * b, 1), 0.5, 1.5) }));
  const run = (g: Graph) => E.runRef(E.schedule(g), inputs).outputs.map((o) => Array.from(o.data));
  assert.deepEqual(run(optimised), run(original));
  const peak = (g: Graph) => E.planMemory(E.schedule(g)).peakBytes;
  assert.ok(peak(optimised) <= peak(original), `peak ${peak(optimised)} > ${peak(original)}`);
}
