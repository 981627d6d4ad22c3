import { estimatePlan, type PlanEstimate } from '../engine/plan/estimate.js';
import { stringifyJson } from '../engine/setup/result.js';
import type { Options } from './args.js';
import { formatBytes, formatFlops, progressPrinter, readSetup } from './io.js';

/** How the plan was made, for people: extrapolated (from which exact plans) or traced in full (and why). */
function howPlanned(plan: PlanEstimate): string {
  const m = plan.method;
  if (m.kind === 'extrapolated') return `extrapolated to ${m.to} ${m.axis} from exact plans at ${m.from.join(', ')}`;
  return m.why ? `traced in full: ${m.why}` : 'traced in full';
}

/**
 * `mixflow estimate`: the static memory plan from shapes alone, allocating no tensors. Large
 * models with identical layers are planned from a few exact traces (engine/plan/estimate.ts).
 */
export function estimateCommand(path: string, options: Options): number {
  const setup = readSetup(path);
  const t0 = performance.now();
  const progress = progressPrinter('mixflow estimate');
  let plan: PlanEstimate;
  try {
    plan = estimatePlan(setup, options, { onTrace: (detail) => progress.update({ phase: 'planning', done: 0, total: 0, detail, scope: '', origin: 'primal' }) });
  } finally {
    progress.done();
  }
  const planMs = performance.now() - t0;
  const m = plan.method;
  if (options.json) {
    process.stdout.write(
      `${stringifyJson({
        format: 'mixflow-estimate/1',
        mode: options.mode,
        remat: options.remat,
        peak_bytes: plan.peakBytes,
        active_peak_bytes: plan.activePeakBytes,
        input_bytes: plan.inputBytes,
        nodes: plan.nodes,
        flops: plan.flops.total,
        remat_flops: plan.flops.remat,
        by_category: plan.byCategory,
        by_scope: plan.byScope,
        plan_ms: planMs,
        method: m.kind,
        ...(m.kind === 'extrapolated' ? { extrapolated: { axis: m.axis, from: m.from, to: m.to } } : {}),
      })}\n`,
    );
    return 0;
  }
  const lines = [
    `${path}: ${options.mode}, remat ${options.remat} (static plan, ${plan.nodes} ops, ${planMs.toFixed(0)} ms)`,
    `  planned       ${howPlanned(plan)}`,
    `  peak          ${formatBytes(plan.peakBytes)} (${plan.peakBytes} B)`,
    `  active peak   ${formatBytes(plan.activePeakBytes)}`,
    `  FLOPs         ${formatFlops(plan.flops.total)} (recomputation ${formatFlops(plan.flops.remat)})`,
    '  at the peak, by category:',
    ...Object.entries(plan.byCategory)
      .filter(([, b]) => b > 0)
      .map(([c, b]) => `    ${c.padEnd(22)} ${formatBytes(b)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
