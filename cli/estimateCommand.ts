import { estimateMeta } from '../engine/meta/run.js';
import { stringifyJson } from '../engine/setup/result.js';
import type { Options } from './args.js';
import { formatBytes, formatFlops, readSetup } from './io.js';
import { peakBreakdown } from '../engine/profile/breakdown.js';

/** `mixflow estimate`: the static memory plan from shapes alone, allocating no tensors. */
export function estimateCommand(path: string, options: Options): number {
  const setup = readSetup(path);
  const t0 = performance.now();
  const { traced, sched, memory, flops } = estimateMeta(setup, options);
  const breakdown = peakBreakdown(traced.graph, sched, memory);
  const planMs = performance.now() - t0;
  if (options.json) {
    process.stdout.write(
      `${stringifyJson({
        format: 'mixflow-estimate/1',
        mode: options.mode,
        remat: options.remat,
        peak_bytes: memory.peakBytes,
        active_peak_bytes: memory.activePeakBytes,
        input_bytes: memory.inputBytes,
        nodes: sched.order.length,
        flops: flops.totalFlops,
        remat_flops: flops.rematFlops,
        by_category: breakdown.byCategory,
        by_scope: breakdown.byScope,
        plan_ms: planMs,
      })}\n`,
    );
    return 0;
  }
  const lines = [
    `${path}: ${options.mode}, remat ${options.remat} (static plan, ${sched.order.length} ops, ${planMs.toFixed(0)} ms)`,
    `  peak          ${formatBytes(memory.peakBytes)} (${memory.peakBytes} B)`,
    `  active peak   ${formatBytes(memory.activePeakBytes)}`,
    `  FLOPs         ${formatFlops(flops.totalFlops)} (recomputation ${formatFlops(flops.rematFlops)})`,
    '  at the peak, by category:',
    ...Object.entries(breakdown.byCategory)
      .filter(([, b]) => (b as number) > 0)
      .map(([c, b]) => `    ${c.padEnd(22)} ${formatBytes(b as number)}`),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
