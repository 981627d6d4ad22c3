import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { MetaRun } from '../engine/meta/run.js';
import { CATEGORIES, type ProfileFile, type ProfileRun } from '../engine/profile/format.js';
import { ProfileError, parseProfile, runLabel } from '../engine/profile/validate.js';
import { stringifyJson } from '../engine/setup/result.js';
import type { Mode } from '../engine/setup/result.js';
import { UsageError, type Options } from './args.js';
import { formatBytes, progressPrinter, readSetup } from './io.js';
import { writeProfile } from './profileOutput.js';
import { formatFlops, formatRate, workBy, type WorkRow } from '../engine/profile/scopeWork.js';
import { checkFits, runSetup } from './runCommand.js';

/** `foo.mixflow.json` → `foo.profile.json`, next to the setup. */
export function defaultProfilePath(setupPath: string): string {
  const base = basename(setupPath).replace(/(\.mixflow)?\.json$/i, '');
  return join(dirname(setupPath), `${base}.profile.json`);
}

function isProfileFile(path: string): boolean {
  if (/\.profile\.json$/i.test(path)) return true;
  const head = readFileSync(path, 'utf8').slice(0, 200);
  return /"format"\s*:\s*"mixflow-profile\//.test(head);
}

function seconds(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${ms.toFixed(0)} ms`;
}

function table(profile: ProfileFile): string[] {
  const rows = profile.runs.map((r) => [
    r.mode,
    formatBytes(r.totals.peak_bytes),
    formatBytes(r.totals.active_peak_bytes),
    seconds(r.totals.time_ms),
    topCategories(r),
  ]);
  const head = ['mode', 'peak', 'active peak', 'time', 'largest at the peak'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `  ${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')}`;
  const out = [line(head), ...rows.map(line)];
  const c = profile.comparison;
  if (c) {
    out.push(`  standard/mixflow: peak ×${c.peak_ratio.toFixed(2)}, active peak ×${c.active_peak_ratio.toFixed(2)}, time ×${c.time_ratio.toFixed(2)}`);
  }
  return out;
}

function topCategories(r: ProfileRun): string {
  return CATEGORIES.map((c) => [c, r.peak.by_category[c]] as const)
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([c, b]) => `${c} ${formatBytes(b)}`)
    .join(', ');
}

/** Where a run's op time went: by phase, by inner step, and the five slowest blocks. */
function workTable(r: MetaRun, mode: Mode): string[] {
  const cell = (w: WorkRow) => `${w.group} ${seconds(w.ms)} ${formatFlops(w.flops)} ${formatRate(w.flops, w.ms)}`;
  const total = workBy('phase', r.sched.order, r.nodeMs, r.flops.nodeFlops).reduce((a, w) => a + w.ms, 0);
  return [
    `  ${mode}: where the op time went (${seconds(total)} in ${r.sched.order.length} ops, ${formatFlops(r.flops.totalFlops)}, ${formatRate(r.flops.totalFlops, total)}):`,
    `    by phase: ${workBy('phase', r.sched.order, r.nodeMs, r.flops.nodeFlops).map(cell).join('; ')}`,
    `    by step:  ${workBy('step', r.sched.order, r.nodeMs, r.flops.nodeFlops).map(cell).join('; ')}`,
    `    slowest blocks: ${workBy('block', r.sched.order, r.nodeMs, r.flops.nodeFlops).slice(0, 5).map(cell).join('; ')}`,
  ];
}

/** Prints a profile file's summary, or refuses a corrupted one (exit 2). */
function showProfile(path: string, options: Options): number {
  let profile: ProfileFile;
  try {
    profile = parseProfile(readFileSync(path, 'utf8'));
  } catch (e) {
    if (e instanceof ProfileError) {
      process.stderr.write(`mixflow: ${path}: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (options.json) {
    process.stdout.write(`${stringifyJson(summaryJson(path, profile))}\n`);
    return 0;
  }
  const r0 = profile.runs[0]!;
  const lines = [
    `${path}: profile of ${profile.setup.path ?? 'an in-memory setup'} (engine ${profile.engine.version}, ${profile.created})`,
    ...profile.runs.map((r) => `  run: ${runLabel(r)}, ${r.totals.executed_ops} ops`),
    ...table(profile),
  ];
  if (profile.runs.length === 1) lines.push(`  peak at step ${r0.peak.step} of ${r0.totals.executed_ops}`);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

function summaryJson(file: string, profile: ProfileFile): unknown {
  return {
    format: 'mixflow-profile-summary/1',
    profile: file,
    runs: profile.runs.map((r) => ({
      mode: r.mode,
      remat: r.remat,
      backend: r.backend,
      precision: r.precision,
      peak_bytes: r.totals.peak_bytes,
      active_peak_bytes: r.totals.active_peak_bytes,
      time_ms: r.totals.time_ms,
      by_category: r.peak.by_category,
    })),
    comparison: profile.comparison,
  };
}

/**
 * `mixflow profile SETUP [--compare]`: runs the setup (both modes with the same remat under
 * `--compare`, else `--mode`) with per-op timing and writes one `mixflow-profile/1` file to
 * `--profile FILE` or `<setup basename>.profile.json` next to the setup, then prints both
 * modes' peak and time and their ratio. Given a `.profile.json` file instead of a setup, it
 * validates it and prints that summary (a corrupted or truncated file is refused, exit 2).
 */
export async function profileCommand(setupPath: string, options: Options, shouldStop: () => boolean): Promise<number> {
  if (!existsSync(setupPath)) throw new UsageError(`setup file ${JSON.stringify(setupPath)} does not exist`);
  if (isProfileFile(setupPath)) return showProfile(setupPath, options);
  const setup = readSetup(setupPath);
  const out = options.profile ?? defaultProfilePath(setupPath);
  const modes: Mode[] = options.compare ? ['standard', 'mixflow'] : [options.mode];
  const runs: MetaRun[] = [];
  const runOptions = modes.map((mode): Options => ({ ...options, mode, profile: out }));
  // Every mode is checked before the first runs, so a comparison that cannot finish never starts.
  for (const o of runOptions) {
    const progress = progressPrinter(`mixflow profile (${o.mode})`);
    try {
      await checkFits(setup, o, progress.update);
    } finally {
      progress.done();
    }
  }
  for (const o of runOptions) runs.push(await runSetup(setup, o, shouldStop, { label: `mixflow profile (${o.mode})`, timeNodes: true, checked: true }));
  const { profile, bytes } = writeProfile(out, setupPath, setup, runs, runOptions);
  if (options.json) {
    process.stdout.write(`${stringifyJson(summaryJson(out, profile))}\n`);
    return 0;
  }
  const r0 = runs[0]!;
  const lines = [
    `${setupPath}: remat ${options.remat}, ${r0.precision} on ${r0.backend}`,
    ...table(profile),
    ...runs.flatMap((r, i) => workTable(r, modes[i]!)),
    `  profile written to ${out} (${formatBytes(bytes)})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
