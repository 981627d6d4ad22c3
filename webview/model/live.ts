/**
 * What is live when (pure): each value's live range in execution order, the values live at
 * any moment with the same categories the engine gives the values live at the peak
 * (engine/profile/breakdown.ts), and the phase each step belongs to.
 *
 * A moment is a step s: while op s runs, the live values are the inputs, every output made
 * at steps ≤ s, less those released after steps before s; their bytes are
 * `steps.high_water_bytes[s]` (what the timeline draws, and at `peak.step` the peak).
 */
import { blockGroup, CATEGORIES, stepGroup, type ProfileCategory, type ProfileRun } from '../../engine/profile/format.js';

export interface RunIndex {
  readonly run: ProfileRun;
  /** Value id → node index (absent for graph inputs). */
  readonly nodeOfId: ReadonlyMap<number, number>;
  /** Value id → graph input index. */
  readonly inputOfId: ReadonlyMap<number, number>;
  /** Per node: the step that ran it, -1 if never run. */
  readonly stepOfNode: Int32Array;
  /** Per node: the step after which its output was released; `steps` length if never (an output). -1 if never run. */
  readonly releasedAfter: Int32Array;
  /** Per graph input: as `releasedAfter` (inputs are held throughout unless released). */
  readonly inputReleasedAfter: Int32Array;
  /** Per node: nodes reading its output, in trace order. */
  readonly consumers: readonly number[][];
}

export function indexRun(run: ProfileRun): RunIndex {
  const { graph, steps } = run;
  const n = graph.nodes.id.length;
  const total = steps.node.length;
  const nodeOfId = new Map<number, number>();
  graph.nodes.id.forEach((id, i) => nodeOfId.set(id, i));
  const inputOfId = new Map<number, number>();
  graph.inputs.id.forEach((id, i) => inputOfId.set(id, i));
  const stepOfNode = new Int32Array(n).fill(-1);
  steps.node.forEach((node, s) => (stepOfNode[node] = s));
  const releasedAfter = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) if (stepOfNode[i]! >= 0) releasedAfter[i] = total;
  const inputReleasedAfter = new Int32Array(graph.inputs.id.length).fill(total);
  steps.released.forEach((ids, s) => {
    for (const id of ids) {
      const node = nodeOfId.get(id);
      if (node !== undefined) releasedAfter[node] = s;
      else {
        const input = inputOfId.get(id);
        if (input !== undefined) inputReleasedAfter[input] = s;
      }
    }
  });
  const consumers: number[][] = Array.from({ length: n }, () => []);
  graph.nodes.inputs.forEach((ins, i) => {
    for (const id of ins) {
      const src = nodeOfId.get(id);
      if (src !== undefined) consumers[src]!.push(i);
    }
  });
  return { run, nodeOfId, inputOfId, stepOfNode, releasedAfter, inputReleasedAfter, consumers };
}

export interface LiveValue {
  /** Node index, or -1 for a graph input. */
  readonly node: number;
  /** Graph input index, or -1. */
  readonly input: number;
  readonly id: number;
  readonly bytes: number;
  readonly category: ProfileCategory;
  /** Producer's scope, `(input)` for graph inputs. */
  readonly scope: string;
  readonly op: string;
}

const PARAM_UPDATE = /(^|\/)update\/(state|params)(\/|$)/;

/** The values live while op `step` runs, categorised as the engine categorises the peak's. */
export function liveAt(ix: RunIndex, step: number): LiveValue[] {
  const { run } = ix;
  const { graph, steps } = run;
  const out: LiveValue[] = [];
  graph.inputs.id.forEach((id, i) => {
    if (ix.inputReleasedAfter[i]! < step) return;
    const name = graph.inputs.name[i]!;
    const category: ProfileCategory = name.startsWith('inner/') || name.startsWith('outer/') ? 'data' : 'parameters';
    out.push({ node: -1, input: i, id, bytes: graph.inputs.bytes[i]!, category, scope: '(input)', op: 'input' });
  });
  for (let s = 0; s <= step && s < steps.node.length; s++) {
    const node = steps.node[s]!;
    if (ix.releasedAfter[node]! < step) continue;
    const origin = graph.origins[graph.nodes.origin[node]!]!;
    const scope = graph.scopes[graph.nodes.scope[node]!]!;
    let category: ProfileCategory;
    if (origin === 'tangent') category = 'tangents';
    else if (origin === 'cotangent') category = 'cotangents';
    else {
      const later = ix.consumers[node]!.filter((c) => ix.stepOfNode[c]! > step);
      const forBackwardOnly = later.length > 0 && later.every((c) => graph.origins[graph.nodes.origin[c]!] !== 'primal');
      const update = PARAM_UPDATE.exec(scope);
      if (update) category = forBackwardOnly ? 'inner-step checkpoints' : update[2] === 'state' ? 'optimiser state' : 'parameters';
      else category = forBackwardOnly ? 'residuals' : 'activations';
    }
    out.push({ node, input: -1, id: graph.nodes.id[node]!, bytes: graph.nodes.bytes[node]!, category, scope, op: graph.ops[graph.nodes.op[node]!]! });
  }
  return out;
}

export interface MomentBreakdown {
  readonly step: number;
  readonly bytes: number;
  readonly byCategory: Readonly<Record<ProfileCategory, number>>;
  readonly byStep: Readonly<Record<string, number>>;
  readonly byBlock: Readonly<Record<string, number>>;
  readonly live: readonly LiveValue[];
}

export function momentBreakdown(ix: RunIndex, step: number): MomentBreakdown {
  const live = liveAt(ix, step);
  const byCategory = Object.fromEntries(CATEGORIES.map((c) => [c, 0])) as Record<ProfileCategory, number>;
  const byStep: Record<string, number> = {};
  const byBlock: Record<string, number> = {};
  let bytes = 0;
  for (const v of live) {
    bytes += v.bytes;
    byCategory[v.category] += v.bytes;
    byStep[stepGroup(v.scope)] = (byStep[stepGroup(v.scope)] ?? 0) + v.bytes;
    byBlock[blockGroup(v.scope)] = (byBlock[blockGroup(v.scope)] ?? 0) + v.bytes;
  }
  return { step, bytes, byCategory, byStep, byBlock, live };
}

/** Phases of the run, from the origin of the op each step runs. */
export const PHASES = ['forward', 'backward', 'mixed-mode backward', 'recompute'] as const;
export type Phase = (typeof PHASES)[number];
const PHASE_OF_ORIGIN: Record<string, Phase> = { primal: 'forward', cotangent: 'backward', tangent: 'mixed-mode backward', customVjp: 'mixed-mode backward', remat: 'recompute' };

export interface Band<K extends string> {
  readonly key: K;
  /** Steps [from, to] inclusive. */
  readonly from: number;
  readonly to: number;
}

function bands<K extends string>(count: number, keyOf: (s: number) => K, minLength: number): Band<K>[] {
  const out: Band<K>[] = [];
  for (let s = 0; s < count; s++) {
    const k = keyOf(s);
    const last = out[out.length - 1];
    if (last && last.key === k) (last as { to: number }).to = s;
    else out.push({ key: k, from: s, to: s });
  }
  // Merge slivers into their left neighbour so the bands stay legible.
  const merged: Band<K>[] = [];
  for (const b of out) {
    const prev = merged[merged.length - 1];
    if (prev && b.to - b.from + 1 < minLength) (prev as { to: number }).to = b.to;
    else merged.push({ ...b });
  }
  return merged;
}

export function phaseBands(run: ProfileRun, minLength = 1): Band<Phase>[] {
  const { graph, steps } = run;
  return bands(steps.node.length, (s) => PHASE_OF_ORIGIN[graph.origins[graph.nodes.origin[steps.node[s]!]!]!]!, minLength);
}

/** Inner steps (`step/2`), `outer`, `(top)`: from the scope of the op each step runs. */
export function stepBands(run: ProfileRun, minLength = 1): Band<string>[] {
  const { graph, steps } = run;
  return bands(steps.node.length, (s) => stepGroup(graph.scopes[graph.nodes.scope[steps.node[s]!]!]!), minLength);
}

export { CATEGORIES };
