import { formatFlops } from '../engine/core/text.js';
import { planBudget, type BudgetPlan, type PolicyPlan } from '../engine/plan/budget.js';
import { stringifyJson } from '../engine/setup/result.js';
import type { Options } from './args.js';
import { formatBytes, readSetup } from './io.js';
import { formatTable } from './table.js';

/**
 * `mixflow plan SETUP --budget BYTES [--json]`: the static plan of every policy in both modes
 * (peak, FLOPs, recomputation against `none`), which fit the budget, and the cheapest that does.
 */
export function planCommand(path: string, budgetBytes: number, options: Options): number {
  const setup = readSetup(path);
  const progress = options.json ? undefined : (what: string) => process.stderr.write(`mixflow plan: tracing ${what}\n`);
  const plan = planBudget(setup, budgetBytes, { onProgress: progress });
  if (options.json) {
    process.stdout.write(`${stringifyJson(planJson(plan))}\n`);
    return 0;
  }
  process.stdout.write(`${formatPlan(path, plan)}\n`);
  return 0;
}

const label = (p: PolicyPlan) => `${p.mode} ${p.remat}`;

export function planJson(plan: BudgetPlan): Record<string, unknown> {
  const row = (p: PolicyPlan) => ({
    mode: p.mode,
    remat: p.remat,
    peak_bytes: p.peakBytes,
    active_peak_bytes: p.peakBytes - p.inputBytes,
    flops: p.flops,
    flops_vs_none: p.flopsRatio,
    forward_steps: p.forwardSteps,
    fits: p.fits,
    method: p.method,
  });
  return {
    format: 'mixflow-plan/1',
    budget_bytes: plan.budgetBytes,
    inner_steps: plan.steps,
    plans: plan.plans.map(row),
    best: { standard: plan.best.standard && row(plan.best.standard), mixflow: plan.best.mixflow && row(plan.best.mixflow) },
    chosen: plan.chosen && row(plan.chosen),
    plan_ms: plan.planMs,
  };
}

export function formatPlan(path: string, plan: BudgetPlan): string {
  const rows = plan.plans.map((p) => [
    p.mode,
    p.remat,
    formatBytes(p.peakBytes),
    formatFlops(p.flops),
    `+${((p.flopsRatio - 1) * 100).toFixed(1)}%`,
    String(p.forwardSteps),
    p.fits ? 'yes' : 'no',
    p.method,
  ]);
  const extrapolated = plan.plans.some((p) => p.method === 'extrapolated');
  const chosen = plan.chosen;
  const lines = [
    `${path}: T = ${plan.steps}, budget ${formatBytes(plan.budgetBytes)} (static plans, ${(plan.planMs / 1000).toFixed(1)} s)`,
    formatTable(['mode', 'remat', 'peak', 'FLOPs', 'recompute', 'fwd steps', 'fits', 'how'], rows),
    ...(extrapolated ? ['(extrapolated: planned at T = 3, 4, 5 and composed over T; see engine/plan/overSteps.ts)'] : []),
    ...(['standard', 'mixflow'] as const).map((m) => {
      const b = plan.best[m];
      return `cheapest that fits, ${m}: ${b ? `${b.remat} (${formatBytes(b.peakBytes)}, ${formatFlops(b.flops)})` : 'nothing fits'}`;
    }),
    chosen ? `chosen: ${label(chosen)}` : `chosen: nothing fits in ${formatBytes(plan.budgetBytes)}`,
  ];
  return lines.join('\n');
}
