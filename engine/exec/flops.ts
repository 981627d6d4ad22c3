import type { Aval } from '../core/aval.js';
import { sizeOf } from '../core/shape.js';
import type { Params } from '../ir/graph.js';
import type { Schedule } from './schedule.js';

/**
 * Floating-point operations per op, from its primitive, input avals and params alone, so the
 * static planner can price recomputation beside memory. One multiply-add counts as 2.
 * Elementwise ops (transcendentals included) count one per output element; reductions one per
 * input element; layout and creation ops (reshape, transpose, slice, gather, …) move data and
 * count 0. An op not listed here counts as elementwise, so a new primitive is never free.
 */
const MOVES = new Set(['reshape', 'transpose', 'broadcastTo', 'slice', 'pad', 'concat', 'gather', 'oneHot', 'full', 'constant', 'iota']);
const REDUCES = new Set(['sum', 'max', 'segmentSum']);

export function opFlops(op: string, inputs: readonly Aval[], params: Params, out: Aval): number {
  if (MOVES.has(op)) return 0;
  if (REDUCES.has(op)) return sizeOf(inputs[0].shape);
  if (op === 'matmul') return matmulFlops(inputs, params);
  if (op === 'conv2d') return conv2dFlops(inputs, out);
  return sizeOf(out.shape);
}

/** 2·batch·M·N·K for C = op(A)·op(B). */
function matmulFlops([a, b]: readonly Aval[], params: Params): number {
  const r = a.shape.length;
  const k = params.transposeA ? a.shape[r - 2] : a.shape[r - 1];
  const m = params.transposeA ? a.shape[r - 1] : a.shape[r - 2];
  const n = params.transposeB ? b.shape[r - 2] : b.shape[r - 1];
  return 2 * sizeOf(a.shape.slice(0, -2)) * m * n * k;
}

/**
 * NCHW input, OIHW weight [Cout, Cin/groups, kH, kW], output [N, Cout, Hout, Wout]:
 * 2·N·Cout·Hout·Wout·(Cin/groups)·kH·kW, plus one add per output element for a bias input.
 */
function conv2dFlops(inputs: readonly Aval[], out: Aval): number {
  const w = inputs[1].shape;
  const macs = sizeOf(out.shape) * sizeOf(w.slice(1));
  return 2 * macs + (inputs.length > 2 ? sizeOf(out.shape) : 0);
}

export interface FlopsPlan {
  readonly totalFlops: number;
  /** FLOPs of each scheduled node, aligned with `sched.order`. */
  readonly nodeFlops: readonly number[];
  /** FLOPs of the nodes that recompute a checkpointed region (origin `remat`). */
  readonly rematFlops: number;
}

/** The FLOPs of every node of a schedule, from shapes alone. */
export function planFlops(sched: Schedule): FlopsPlan {
  let totalFlops = 0;
  let rematFlops = 0;
  const nodeFlops = sched.order.map((n) => {
    const f = opFlops(n.op, n.inputs.map((id) => sched.avalOf.get(id)!), n.params, n.aval);
    totalFlops += f;
    if (n.origin === 'remat') rematFlops += f;
    return f;
  });
  return { totalFlops, nodeFlops, rematFlops };
}
