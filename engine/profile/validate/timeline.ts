/**
 * A run's `steps`, the timeline: its columns read, then replayed against the graph — each
 * node run once with live inputs, live after = live before + allocated − freed, freed = bytes
 * of the released values — to find the peak and the values live there.
 */
import { fail } from './error.js';
import type { Graph } from './graph.js';
import { array, intLists, ints, nonNeg, record } from './readers.js';

export interface Steps {
  /** Node index of each step. */
  readonly order: number[];
  readonly alloc: number[];
  readonly freed: number[];
  readonly high: number[];
  readonly liveAfter: number[];
  readonly released: number[][];
}

/** The columns of `${p}.steps`, one per executed op, over a graph of `nn` nodes. */
export function readSteps(v: unknown, p: string, nn: number): Steps {
  const st = record(v, `${p}.steps`);
  const order = ints(st.node, `${p}.steps.node`, undefined, undefined, 0, Math.max(0, nn - 1));
  const ns = order.length;
  const swhy = 'one per executed op, like steps.node';
  const alloc = ints(st.allocated_bytes, `${p}.steps.allocated_bytes`, ns, swhy);
  const freed = ints(st.freed_bytes, `${p}.steps.freed_bytes`, ns, swhy);
  const high = ints(st.high_water_bytes, `${p}.steps.high_water_bytes`, ns, swhy);
  const liveAfter = ints(st.live_bytes, `${p}.steps.live_bytes`, ns, swhy);
  if (st.ms !== null) {
    const ms = array(st.ms, `${p}.steps.ms`, ns, swhy);
    ms.forEach((x, i) => nonNeg(x, `${p}.steps.ms[${i}]`));
  }
  const released = intLists(st.released, `${p}.steps.released`, ns, swhy);
  return { order, alloc, freed, high, liveAfter, released };
}

export interface Replay {
  /** The timeline's maximum of live bytes (the inputs' bytes if no step exceeds them). */
  readonly maxBytes: number;
  /** The first step reaching it, or -1 (before any step). */
  readonly maxStep: number;
  /** The value ids live at `peakStep` (after its allocation, before its releases). */
  readonly liveAtPeak: number[];
}

/** Replays the timeline from the inputs (`inputBytes` of them), checking every step's arithmetic. */
export function replaySteps(g: Graph, steps: Steps, p: string, inputBytes: number, peakStep: number): Replay {
  const { ids, inputs, bytes, bytesOf } = g;
  const { order, alloc, freed, high, liveAfter, released } = steps;
  const ns = order.length;
  const live = new Set<number>(g.inIds);
  let liveBytes = inputBytes;
  let maxBytes = inputBytes;
  let maxStep = -1;
  let liveAtPeak: number[] | null = peakStep === -1 ? [...live] : null;
  const ran = new Set<number>();
  for (let s = 0; s < ns; s++) {
    const k = order[s]!;
    const id = ids[k]!;
    if (ran.has(k)) fail(`${p}.steps.node[${s}]`, 'a node not run before', k);
    ran.add(k);
    for (const x of inputs[k]!) if (!live.has(x)) fail(`${p}.steps.node[${s}]`, `a node whose inputs are live (value ${x} is not)`, k);
    const expectAlloc = live.has(id) ? 0 : bytes[k]!;
    if (alloc[s] !== expectAlloc) fail(`${p}.steps.allocated_bytes[${s}]`, `the bytes of node ${k}'s output, ${expectAlloc}`, alloc[s]);
    live.add(id);
    const hw = liveBytes + expectAlloc;
    if (high[s] !== hw) fail(`${p}.steps.high_water_bytes[${s}]`, `live bytes before the step + allocated = ${hw}`, high[s]);
    if (hw > maxBytes) {
      maxBytes = hw;
      maxStep = s;
    }
    if (s === peakStep) liveAtPeak = [...live];
    let f = 0;
    released[s]!.forEach((x, j) => {
      if (!live.has(x)) fail(`${p}.steps.released[${s}][${j}]`, 'the id of a live value', x);
      live.delete(x);
      f += bytesOf.get(x)!;
    });
    if (freed[s] !== f) fail(`${p}.steps.freed_bytes[${s}]`, `the bytes of the released values, ${f}`, freed[s]);
    liveBytes = hw - f;
    if (liveAfter[s] !== liveBytes) fail(`${p}.steps.live_bytes[${s}]`, `high-water − freed = ${liveBytes}`, liveAfter[s]);
  }
  return { maxBytes, maxStep, liveAtPeak: liveAtPeak! };
}
