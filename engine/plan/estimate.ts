/**
 * `estimatePlan`: the static memory plan of a setup's meta-gradient at any size in seconds.
 *
 * Tracing is linear in the number of ops (a 1 000-block transformer is millions), so for a setup
 * that repeats identical blocks (see layerAxis.ts) the plan is computed from three exact traces
 * at n₀ = 2, 3 and 4 blocks instead:
 *
 * 1. Each schedule becomes a token sequence, one token per step standing for (bytes allocated,
 *    bytes freed, op, origin, scope with block numbers removed): the memory plan is a function
 *    of the allocated and freed bytes alone.
 * 2. Condition: S(n₀+1) must be S(n₀) with extra copies of units inserted (periodic.ts finds
 *    G₀ U₁^{c₁} G₁ …), and that decomposition must reproduce S(n₀+2), held out, token for token,
 *    and give each trace's own peak. When it does not, the full trace runs (the result says why).
 *    What is assumed beyond: that the decomposition seen at 2, 3 and 4 blocks goes on.
 * 3. The peak at n follows exactly from the decomposition (periodic.ts `peakAt`: the maximum
 *    within a run of identical copies is at its first or last copy), so a peak that moves
 *    between parts of the program as n grows is found wherever it lands.
 * 4. The breakdown at the peak (by category, by inner step) is read at the same place in the
 *    three traces, must be affine in n there (fitted on n₀ and n₀+1, checked on n₀+2), and is
 *    extrapolated; the graph inputs' bytes come from the shapes directly (and must agree with
 *    the traces' affine fit).
 *
 * Tests compare it with the full trace (`exact: true`) on MLPs and transformers, every remat
 * policy and both modes.
 */
import { avalBytes } from '../core/aval.js';
import { planMemory, type MemoryProfile } from '../exec/memory.js';
import type { Schedule } from '../exec/schedule.js';
import type { MetaOptions } from '../meta/objective.js';
import { metaInputAvals } from '../meta/trace.js';
import { planMeta } from '../meta/plan.js';
import { breakdownAt, peakBreakdown, type Category } from '../profile/breakdown.js';
import type { Setup } from '../setup/types.js';
import type { Traced } from '../trace/traceGraph.js';
import { layerAxis } from './layerAxis.js';
import { planFlops } from '../exec/flops.js';
import { countAt, findPeriodicStructure, lengthAt, peakAt, predicts, stepAt, type Structure } from './periodic.js';

export interface PlanEstimate {
  readonly peakBytes: number;
  readonly activePeakBytes: number;
  readonly inputBytes: number;
  /** Ops in the schedule. */
  readonly nodes: number;
  readonly byCategory: Record<Category, number>;
  /** Bytes at the peak by inner step (`step/2`, `outer`, `(input)`). */
  readonly byScope: Record<string, number>;
  /** FLOPs of the whole schedule, and of its recomputation (engine/exec/flops.ts). */
  readonly flops: { readonly total: number; readonly remat: number };
  readonly method: PlanMethod;
  /** When extrapolated: the planned peak at any count n ≥ `min` along the same axis (instant). */
  readonly alongAxis?: { readonly name: string; readonly min: number; peakAt(n: number): number };
}

export type PlanMethod =
  | { readonly kind: 'traced'; readonly why?: string }
  | { readonly kind: 'extrapolated'; readonly axis: string; readonly from: readonly number[]; readonly to: number };

export interface EstimateOptions {
  /** Always trace the whole graph. */
  readonly exact?: boolean;
  /** Told when a trace starts (for progress). */
  readonly onTrace?: (what: string) => void;
}

/** The first of the four block counts traced exactly. */
const N0 = 2;
const TRACES = 3;

interface ExactPlan {
  readonly traced: Traced;
  readonly sched: Schedule;
  readonly memory: MemoryProfile;
}

function exactPlan(setup: Setup, opts: MetaOptions, onGrow?: (nodes: number) => void): ExactPlan {
  const { traced, sched } = planMeta(setup, opts, onGrow);
  return { traced, sched, memory: planMemory(sched) };
}

function summary(p: ExactPlan, method: PlanMethod): PlanEstimate {
  const b = peakBreakdown(p.traced.graph, p.sched, p.memory);
  return {
    peakBytes: p.memory.peakBytes,
    activePeakBytes: p.memory.activePeakBytes,
    inputBytes: p.memory.inputBytes,
    nodes: p.sched.order.length,
    byCategory: b.byCategory,
    byScope: b.byScope,
    flops: flopsOf(p.sched),
    method,
  };
}

function flopsOf(sched: Schedule): PlanEstimate['flops'] {
  const f = planFlops(sched);
  return { total: f.totalFlops, remat: f.rematFlops };
}

/** Token ids shared by all traces of one estimate; `bytes[id]` is what the token allocates and frees. */
class Tokens {
  private readonly ids = new Map<string, number>();
  readonly bytes: { allocated: number; freed: number }[] = [];

  of(p: ExactPlan): number[] {
    return p.sched.order.map((node, step) => {
      const m = p.memory.steps[step]!;
      const key = `${m.allocatedBytes}|${m.freedBytes}|${node.op}|${node.origin}|${node.scope.replace(/\b(block|layer)\/\d+/g, '$1/*')}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.bytes.length;
        this.ids.set(key, id);
        this.bytes.push({ allocated: m.allocatedBytes, freed: m.freedBytes });
      }
      return id;
    });
  }
}

/** a + b·d through (0, v₀) and (1, v₁), if it also passes through every later point. */
function affine(values: readonly number[]): ((d: number) => number) | undefined {
  const [a, b] = [values[0]!, values[1]! - values[0]!];
  if (!values.every((v, d) => v === a + b * d)) return undefined;
  return (d) => a + b * d;
}

function affineRecord(records: readonly Record<string, number>[], d: number): Record<string, number> | undefined {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  const out: Record<string, number> = {};
  for (const k of keys) {
    const f = affine(records.map((r) => r[k] ?? 0));
    if (!f) return undefined;
    const v = f(d);
    if (v !== 0 || records.every((r) => k in r)) out[k] = v;
  }
  return out;
}

/** Bytes of the graph inputs (θ₀, η, batches) from the shapes alone. */
export function inputBytesOf(setup: Setup): number {
  const [theta0, eta, inner, outer] = metaInputAvals(setup);
  const avals = [...theta0, ...Object.values(eta), ...inner.flatMap((b) => [b.x, b.y]), outer.x, outer.y];
  return avals.reduce((n, a) => n + avalBytes(a), 0);
}

type Attempt = { ok: true; plan: PlanEstimate } | { ok: false; why: string };

function extrapolate(setup: Setup, opts: MetaOptions, o: EstimateOptions): Attempt {
  const axis = layerAxis(setup);
  if (!axis) return { ok: false, why: 'the model has no run of identical layers' };
  const counts = [...Array(TRACES).keys()].map((k) => N0 + k);
  if (axis.count <= counts[TRACES - 1]! + 1) return { ok: false, why: `only ${axis.count} ${axis.name}` };
  const plans = counts.map((n) => {
    o.onTrace?.(`tracing ${n} ${axis.name} (to extrapolate to ${axis.count})`);
    return exactPlan(axis.at(n), opts);
  });
  const tokens = new Tokens();
  const seqs = plans.map((p) => tokens.of(p));
  const structure: Structure | undefined = findPeriodicStructure(seqs[0]!, seqs[1]!);
  if (!structure) return { ok: false, why: `the schedules at ${counts[0]} and ${counts[1]} ${axis.name} are not one periodic structure` };
  for (let d = 1; d < TRACES; d++) {
    if (!predicts(structure, d, seqs[d]!)) return { ok: false, why: `the periodic structure does not predict the schedule at ${counts[d]} ${axis.name}` };
  }
  const bytes = (t: number) => tokens.bytes[t]!;
  // The decomposition must give each exact trace's own peak (a check of the bookkeeping).
  for (let d = 0; d < TRACES; d++) {
    if (peakAt(structure, d, plans[d]!.memory.inputBytes, bytes).peakBytes !== plans[d]!.memory.peakBytes) {
      return { ok: false, why: `the structure's peak differs from the trace at ${counts[d]} ${axis.name}` };
    }
  }
  const D = axis.count - N0;
  const inputBytes = inputBytesOf(setup);
  const inputsAffine = affine(plans.map((p) => p.memory.inputBytes));
  if (!inputsAffine || inputsAffine(D) !== inputBytes) return { ok: false, why: 'the inputs\' bytes are not affine in the layers' };
  const { peakBytes, place } = peakAt(structure, D, inputBytes, bytes);
  const breakdowns = plans.map((p, d) => {
    const seg = place && structure[place.segment]!;
    if (seg && seg.kind === 'repeat' && countAt(seg, d) < 1) return undefined;
    return breakdownAt(p.traced.graph, p.sched, place ? stepAt(structure, d, place) : -1);
  });
  if (breakdowns.some((b) => !b)) return { ok: false, why: 'the peak lies in a run absent from a traced size' };
  const byCategory = affineRecord(breakdowns.map((b) => b!.byCategory), D);
  const byScope = affineRecord(breakdowns.map((b) => b!.byScope), D);
  if (!byCategory || !byScope) return { ok: false, why: 'the breakdown at the peak is not affine in the layers' };
  // Every layer adds the same ops: FLOPs are affine in the layers (checked on the three traces).
  const flops = affineRecord(plans.map((p) => flopsOf(p.sched)), D);
  if (!flops) return { ok: false, why: 'the FLOPs are not affine in the layers' };
  return {
    ok: true,
    plan: {
      peakBytes,
      activePeakBytes: peakBytes - inputBytes,
      inputBytes,
      nodes: lengthAt(structure, D),
      byCategory: byCategory as Record<Category, number>,
      byScope,
      flops: { total: flops.total!, remat: flops.remat! },
      method: { kind: 'extrapolated', axis: axis.name, from: counts, to: axis.count },
      alongAxis: { name: axis.name, min: N0, peakAt: (n) => peakAt(structure, n - N0, inputsAffine(n - N0), bytes).peakBytes },
    },
  };
}

/** The extrapolated plan, or why the setup's schedule cannot be extrapolated (nothing is traced in full). */
export function extrapolatedPlan(setup: Setup, opts: MetaOptions, o: EstimateOptions = {}): PlanEstimate | { readonly why: string } {
  const attempt = extrapolate(setup, opts, o);
  return attempt.ok ? attempt.plan : { why: attempt.why };
}

/** The static plan of a setup's meta-gradient (see the file comment); allocates no tensors. */
export function estimatePlan(setup: Setup, opts: MetaOptions, o: EstimateOptions = {}): PlanEstimate {
  let why: string | undefined;
  if (!o.exact) {
    const attempt = extrapolate(setup, opts, o);
    if (attempt.ok) return attempt.plan;
    why = attempt.why;
  }
  o.onTrace?.('tracing the whole graph');
  const onGrow = o.onTrace && ((nodes: number) => o.onTrace!(`tracing the whole graph: ${nodes} ops so far`));
  return summary(exactPlan(setup, opts, onGrow), why === undefined ? { kind: 'traced' } : { kind: 'traced', why });
}
