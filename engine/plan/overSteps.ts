/**
 * The static plan (peak bytes and FLOPs) of a policy at any number of inner steps T without
 * tracing all T steps, which at large T and large models would take minutes and gigabytes.
 *
 * Every inner step has the same shapes, so under a basic policy (none, step, block,
 * step+block) the graph at T + 1 is the graph at T with one more identical step: the peak and
 * the FLOPs are affine in T. We trace T = 3, 4, 5, check that the second differences are
 * exactly zero, and extrapolate the line (`exact` says whether the check held).
 *
 * Revolve with K snapshots follows the theory test/meta/revolve.test.ts checks: its active
 * peak is W + (H − 1)·S + (T − 3)·r, with W the active peak of revolve:1 traced at T = 3 (the
 * working set of reversing one step), H = min(K, T − 1) the snapshots held, S the bytes of one
 * snapshot (θ and the optimiser state), r the example-logit cotangent each further step leaves;
 * its FLOPs are the `step` FLOPs plus (F(T, K) − 2T) forward steps (F from the schedule), a
 * forward step costing the difference of the `step` and `none` slopes. test/plan/plan.test.ts
 * checks both against full traces (peaks exact, revolve FLOPs within 2.5%: the composition
 * misses some cotangent additions between nested regions).
 */
import { planFlops } from '../exec/flops.js';
import { planMemory } from '../exec/memory.js';
import type { Mode } from '../meta/problem.js';
import { rematPolicy, type Remat } from '../meta/remat.js';
import { revolveSchedule } from '../meta/revolve.js';
import { paramSpecs } from '../setup/transformerParams.js';
import { planMeta } from '../meta/plan.js';
import { exampleLogitsShape, innerSteps, type Setup } from '../setup/types.js';

export interface StepPlan {
  readonly peakBytes: number;
  readonly inputBytes: number;
  readonly flops: number;
  /** How it was obtained: a full trace, or extrapolated over T from traces at T = 3, 4, 5. */
  readonly method: 'traced' | 'extrapolated';
  /** For extrapolated plans: whether the traced points lay exactly on a line. */
  readonly exact: boolean;
}

/** The setup with T inner steps (shapes are all that planning reads). */
export function withSteps(setup: Setup, T: number): Setup {
  const inner = setup.inner;
  if (inner.kind === 'synthetic') return { ...setup, inner: { ...inner, steps: T } };
  return { ...setup, inner: { kind: 'explicit', batches: Array.from({ length: T }, (_, t) => inner.batches[t % inner.batches.length]!) } };
}

/** The full static plan: trace, schedule, replay. */
export function tracePlan(setup: Setup, mode: Mode, remat: Remat): StepPlan {
  const { sched } = planMeta(setup, { mode, remat });
  const memory = planMemory(sched);
  return { peakBytes: memory.peakBytes, inputBytes: memory.inputBytes, flops: planFlops(sched).totalFlops, method: 'traced', exact: true };
}

/** From T = 3 on, every step's place in the schedule repeats (at T = 2 the first and last steps are neighbours). */
const BASE_STEPS = [3, 4, 5] as const;

interface Line {
  readonly at: (T: number) => StepPlan;
  readonly slope: { readonly peak: number; readonly input: number; readonly flops: number };
}

/**
 * Plans of a policy traced at T = 3, 4, 5 and the line through them. The FLOPs have one
 * quadratic term, known in advance: each step's example-logit cotangent is padded to [T, …] and
 * summed, T − 1 additions of T rows (`quadratic` = the elements of one row when example_logits
 * is differentiated); the rest is affine.
 */
function lineOf(setup: Setup, mode: Mode, remat: Remat, quadratic: number, onTrace?: (what: string) => void): Line {
  const pts = BASE_STEPS.map((T) => {
    onTrace?.(`${mode} ${remat} at T = ${T}`);
    return tracePlan(withSteps(setup, T), mode, remat);
  });
  const d = (f: (p: StepPlan, T: number) => number) => [f(pts[1], 4) - f(pts[0], 3), f(pts[2], 5) - f(pts[1], 4)];
  const linearFlops = (p: StepPlan, T: number) => p.flops - quadratic * T * T;
  const [peak, input, flops] = [d((p) => p.peakBytes), d((p) => p.inputBytes), d(linearFlops)];
  const exact = peak[0] === peak[1] && input[0] === input[1] && flops[0] === flops[1];
  const slope = { peak: peak[1], input: input[1], flops: flops[1] };
  const at = (T: number): StepPlan => {
    const k = BASE_STEPS.indexOf(T as 3 | 4 | 5);
    if (k >= 0) return pts[k];
    const n = T - 5;
    return {
      peakBytes: pts[2].peakBytes + n * slope.peak,
      inputBytes: pts[2].inputBytes + n * slope.input,
      flops: linearFlops(pts[2], 5) + n * slope.flops + quadratic * T * T,
      method: 'extrapolated',
      exact,
    };
  };
  return { at, slope };
}

/**
 * Plans many policies of one setup at its T, sharing the traces: policies at T ≤ `fullUpTo`
 * are traced whole; beyond, as described above.
 */
export class StepPlanner {
  private readonly lines = new Map<string, Line>();
  readonly T: number;

  constructor(
    private readonly setup: Setup,
    private readonly fullUpTo = 6,
    private readonly onTrace?: (what: string) => void,
  ) {
    this.T = innerSteps(setup);
  }

  private line(mode: Mode, remat: Remat): Line {
    const key = `${mode} ${remat}`;
    let l = this.lines.get(key);
    if (!l) this.lines.set(key, (l = lineOf(this.setup, mode, remat, this.quadratic(), this.onTrace)));
    return l;
  }

  private quadratic(): number {
    return this.setup.wrt.includes('example_logits') ? exampleRowBytes(this.setup) / 4 : 0;
  }

  /** The plan at T steps (default: the setup's); every T shares the traces at 3, 4, 5. */
  plan(mode: Mode, remat: Remat, T = this.T): StepPlan {
    if (T <= this.fullUpTo) {
      this.onTrace?.(`${mode} ${remat}${T === this.T ? '' : ` at T = ${T}`}`);
      return tracePlan(T === this.T ? this.setup : withSteps(this.setup, T), mode, remat);
    }
    const policy = rematPolicy(remat);
    if (typeof policy.steps !== 'object') return this.line(mode, remat).at(T);
    const blocks = policy.blocks;
    const step = this.line(mode, blocks ? 'step+block' : 'step');
    const none = this.line(mode, blocks ? 'block' : 'none');
    const H = Math.min(policy.steps.snapshots, T - 1);
    const zRowBytes = this.setup.wrt.includes('example_logits') ? exampleRowBytes(this.setup) : 0;
    const w = this.workingSet(mode, blocks);
    const inputBytes = step.at(T).inputBytes;
    const forward = step.slope.flops - none.slope.flops;
    const F = revolveSchedule(T, policy.steps.snapshots).forwardSteps;
    return {
      peakBytes: inputBytes + w.activeBytes + (T - w.T) * zRowBytes + (H - 1) * snapshotBytes(this.setup),
      inputBytes,
      flops: step.at(T).flops + (F - 2 * T) * forward,
      method: 'extrapolated',
      exact: step.at(T).exact && none.at(T).exact,
    };
  }

  private readonly working = new Map<string, { T: number; activeBytes: number }>();

  /** W: the active peak of revolve:1 at 3 steps (one snapshot, θ₀, held: the working set alone). */
  private workingSet(mode: Mode, blocks: boolean): { T: number; activeBytes: number } {
    const key = `${mode} ${blocks}`;
    let w = this.working.get(key);
    if (!w) {
      const T = 3;
      const remat = blocks ? 'revolve:1+block' : 'revolve:1';
      this.onTrace?.(`${mode} ${remat} at T = ${T}`);
      const p = tracePlan(withSteps(this.setup, T), mode, remat);
      this.working.set(key, (w = { T, activeBytes: p.peakBytes - p.inputBytes }));
    }
    return w;
  }
}

/** S: bytes of one snapshot, θ_t and the optimiser's state (m_t; m_t and v_t for Adam). */
function snapshotBytes(setup: Setup): number {
  const params = paramSpecs(setup.model).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  const copies = setup.optimizer.kind === 'sgd' ? 1 : setup.optimizer.kind === 'momentum' ? 2 : 3;
  return 4 * params * copies;
}

/** Bytes of one step's row of example_logits (float32). */
function exampleRowBytes(setup: Setup): number {
  return 4 * exampleLogitsShape(setup).slice(1).reduce((a, b) => a * b, 1);
}
