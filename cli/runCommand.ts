import { useBackend } from '../engine/exec/backend.js';
import type { OrtTimings } from '../engine/exec/onnxruntime/executor.js';
import { runMeta, type MetaProgress, type MetaRun } from '../engine/meta/run.js';
import { MemoryRefusal, preflight } from '../engine/plan/preflight.js';
import { materialise, materialisedBytes } from '../engine/setup/materialise.js';
import { serialiseResult } from '../engine/setup/result.js';
import type { Setup } from '../engine/setup/types.js';
import type { Options } from './args.js';
import { formatBytes, progressPrinter, readSetup } from './io.js';
import { writeProfile } from './profileOutput.js';
import { formatFlops, formatRate } from '../engine/profile/scopeWork.js';

/**
 * The pre-flight memory check (engine/plan/preflight.ts) of one mode: plans the setup from
 * shapes and throws `MemoryRefusal` (exit 2) when it cannot fit the backend, unless --force.
 */
export async function checkFits(setup: Setup, options: Options, onProgress?: (p: MetaProgress) => void): Promise<void> {
  if (options.force) return;
  const backend = options.precision === 'float64' ? 'reference' : await useBackend(options.backend);
  const planning = (detail: string) => onProgress?.({ phase: 'planning', done: 0, total: 0, detail, scope: '', origin: 'primal' });
  planning(`${options.mode}, remat ${options.remat}`);
  const verdict = preflight(setup, { mode: options.mode, remat: options.remat, precision: options.precision, backend }, { onProgress: planning });
  if (!verdict.fits) throw new MemoryRefusal(verdict.message);
}

/**
 * Runs one setup in one mode; `shouldStop` is the CLI's Ctrl-C flag; `timeNodes` for profiles.
 * The pre-flight check runs first unless the caller already did it (`checked`) or --force.
 */
export async function runSetup(
  setup: Setup,
  options: Options,
  shouldStop: () => boolean,
  { label = 'mixflow', timeNodes = false, checked = false }: { label?: string; timeNodes?: boolean; checked?: boolean } = {},
): Promise<MetaRun> {
  const progress = progressPrinter(label);
  try {
    if (!checked) await checkFits(setup, options, progress.update);
    progress.update({ phase: 'materialising', done: 0, total: 0, detail: formatBytes(materialisedBytes(setup)), scope: '', origin: 'primal' });
    const data = materialise(setup);
    return await runMeta(setup, data, {
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
    // How peak_bytes was obtained: measured by our executor, or the static plan (onnxruntime).
    extra: { memory: r.memorySource, ...(r.ortTimings ? { onnxruntime_ms: ortTimingsJson(r.ortTimings) } : {}) },
  });
}

function ortTimingsJson(t: OrtTimings): Record<string, number> {
  return { lower: Math.round(t.lowerMs), sessions: Math.round(t.sessionMs), run: Math.round(t.runMs) };
}

function summary(setupPath: string, r: MetaRun, options: Options): string {
  const finite = Object.values(r.metaGrads).flat().every((t) => t!.data.every(Number.isFinite));
  return [
    `${setupPath}: ${options.mode}, remat ${options.remat}, ${r.precision} on ${r.backend}`,
    `  outer loss        ${r.outerLoss}`,
    `  meta-gradients    ${Object.keys(r.metaGrads).join(', ')}${finite ? '' : '  (contain non-finite values)'}`,
    `  peak              ${formatBytes(r.peakBytes)} (${r.peakBytes} B; active ${formatBytes(r.activePeakBytes)})${r.memorySource === 'planned' ? ', planned: the static plan of this schedule (onnxruntime does not expose its buffers)' : ''}`,
    `  time              ${r.timeMs.toFixed(0)} ms (tracing and graph passes ${r.traceMs.toFixed(0)} ms${r.ortTimings ? `; onnxruntime: lowering ${r.ortTimings.lowerMs.toFixed(0)} ms, creating sessions ${r.ortTimings.sessionMs.toFixed(0)} ms and running them ${r.ortTimings.runMs.toFixed(0)} ms` : ''})`,
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
