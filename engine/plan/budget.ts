/**
 * `mixflow plan`: every policy in both modes against a memory budget, and the cheapest one
 * that fits (least FLOPs; equal FLOPs, the smaller peak).
 */
import type { Mode } from '../meta/problem.js';
import type { Remat } from '../meta/remat.js';
import { innerSchedule } from '../meta/innerSchedule.js';
import type { Setup } from '../setup/types.js';
import { StepPlanner, type StepPlan } from './overSteps.js';
import { plannedPolicies } from './policies.js';

export interface PolicyPlan extends StepPlan {
  readonly mode: Mode;
  readonly remat: Remat;
  /** FLOPs ÷ the FLOPs of `none` in the same mode (1: no recomputation). */
  readonly flopsRatio: number;
  /** Forward step evaluations in all (T when nothing is recomputed). */
  readonly forwardSteps: number;
  readonly fits: boolean;
}

export interface BudgetPlan {
  readonly budgetBytes: number;
  readonly steps: number;
  readonly plans: readonly PolicyPlan[];
  /** The cheapest plan that fits in each mode (null: none fits). */
  readonly best: Readonly<Record<Mode, PolicyPlan | null>>;
  /** The cheapest over both modes. */
  readonly chosen: PolicyPlan | null;
  readonly planMs: number;
}

const cheaper = (a: PolicyPlan, b: PolicyPlan): boolean => a.flops < b.flops || (a.flops === b.flops && a.peakBytes < b.peakBytes);

function cheapest(plans: readonly PolicyPlan[]): PolicyPlan | null {
  let best: PolicyPlan | null = null;
  for (const p of plans) if (p.fits && (!best || cheaper(p, best))) best = p;
  return best;
}

export interface PlanOptions {
  readonly modes?: readonly Mode[];
  /** Policies traced whole up to this T; beyond, planned over T (overSteps.ts). */
  readonly fullUpTo?: number;
  readonly onProgress?: (what: string) => void;
  /** Plan at this T instead of the setup's, sharing `planner`'s traces (benches plan several T). */
  readonly steps?: number;
  readonly planner?: StepPlanner;
}

export function planBudget(setup: Setup, budgetBytes: number, opts: PlanOptions = {}): BudgetPlan {
  const t0 = performance.now();
  const planner = opts.planner ?? new StepPlanner(setup, opts.fullUpTo, opts.onProgress);
  const T = opts.steps ?? planner.T;
  const plans: PolicyPlan[] = [];
  for (const mode of opts.modes ?? (['standard', 'mixflow'] as const)) {
    const raw = plannedPolicies(T).map((remat) => ({ remat, plan: planner.plan(mode, remat, T) }));
    const noneFlops = raw.find((r) => r.remat === 'none')!.plan.flops;
    for (const { remat, plan } of raw) {
      plans.push({
        ...plan,
        mode,
        remat,
        flopsRatio: plan.flops / noneFlops,
        forwardSteps: innerSchedule(remat, T).forwardSteps,
        fits: plan.peakBytes <= budgetBytes,
      });
    }
  }
  const best = {
    standard: cheapest(plans.filter((p) => p.mode === 'standard')),
    mixflow: cheapest(plans.filter((p) => p.mode === 'mixflow')),
  };
  return { budgetBytes, steps: T, plans, best, chosen: cheapest(plans), planMs: performance.now() - t0 };
}
