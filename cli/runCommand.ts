import { runMeta, type MetaRun } from '../engine/meta/run.js';
import { materialise } from '../engine/setup/materialise.js';
import { serialiseResult } from '../engine/setup/result.js';
import type { Setup } from '../engine/setup/types.js';
import type { Options } from './args.js';
import { formatBytes, progressPrinter, readSetup } from './io.js';
import { writeProfile } from './profileOutput.js';
import { formatFlops, formatRate } from '../engine/profile/scopeWork.js';

/** Runs one setup in one mode; `shouldStop` is the CLI's Ctrl-C flag; `timeNodes` for profiles. */
export async function runSetup(
  setup: Setup,
  options: Options,
  shouldStop: () => boolean,
  { label = 'mixflow', timeNodes = false }: { label?: string; timeNodes?: boolean } = {},
): Promise<MetaRun> {
  const progress = progressPrinter(label);
  try {
    return await runMeta(setup, materialise(setup), {
      mode: options.mode,
      remat: options.remat,
      precision: options.precision,
      backend: options.backend,
      onProgress: progress.update,
      shouldStop,
      timeNodes,
    });
  } finally {
    progress.done();
  }
}

export function resultJson(setup: Setup, r: MetaRun, options: Options): string {
  return serialiseResult(setup, {
    outer_loss: r.outerLoss,
    metaGrads: r.metaGrads,
    peak_bytes: r.peakBytes,
    active_peak_bytes: r.activePeakBytes,
    time_ms: r.timeMs,
    mode: options.mode,
    remat: options.remat,
    backend: r.backend,
    precision: r.precision,
  });
}

function summary(setupPath: string, r: MetaRun, options: Options): string {
  const finite = Object.values(r.metaGrads).flat().every((t) => t!.data.every(Number.isFinite));
  return [
    `${setupPath}: ${options.mode}, remat ${options.remat}, ${r.precision} on ${r.backend}`,
    `  outer loss        ${r.outerLoss}`,
    `  meta-gradients    ${Object.keys(r.metaGrads).join(', ')}${finite ? '' : '  (contain non-finite values)'}`,
    `  peak              ${formatBytes(r.peakBytes)} (${r.peakBytes} B; active ${formatBytes(r.activePeakBytes)})`,
    `  time              ${r.timeMs.toFixed(0)} ms (tracing and graph passes ${r.traceMs.toFixed(0)} ms)`,
    `  work              ${formatFlops(r.flops.totalFlops)} in ${r.sched.order.length} ops, ${formatRate(r.flops.totalFlops, r.timeMs)}`,
    '  (--json prints the meta-gradients)',
  ].join('\n');
}

export async function runCommand(path: string, options: Options, shouldStop: () => boolean): Promise<number> {
  const setup = readSetup(path);
  const r = await runSetup(setup, options, shouldStop, { timeNodes: options.profile !== undefined });
  if (options.profile) writeProfile(options.profile, path, setup, [r], [options]);
  process.stdout.write(`${options.json ? resultJson(setup, r, options) : summary(path, r, options)}\n`);
  return 0;
}
