import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { benchHeldOut, benchScan, formatHeldOut } from '../extension/scanner/bench.js';
import { tfjsBackend, useBackend, type BackendName } from '../engine/exec/backend.js';
import { ortAvailable } from '../engine/exec/onnxruntime/runtime.js';
import { benchFirstOrder, formatRows } from '../engine/bench/firstOrder/index.js';
import * as profiler from '../engine/bench/profiler.js';
import { benchNestedRow } from '../engine/bench/tfjsNested/index.js';
import { runMeta } from '../engine/meta/run.js';
import { materialise } from '../engine/setup/materialise.js';
import { benchModes, sweepPeaks, withSeqAndBatch, WASM_HEAP_BYTES, type ModeRow } from '../engine/bench/metaBench.js';
import { benchPlanAtScale, benchRevolveFlagship } from '../engine/bench/revolveBench.js';
import transformer24lJson from '../engine/setup/examples/transformer-24l.mixflow.json';
import { matmulLimitGflops, ortMatmulLimitGflops } from '../engine/bench/matmulLimit.js';
import { DEFAULT_SESSION_OPTIONS } from '../engine/exec/onnxruntime/executor.js';
import { REMATS, type Remat } from '../engine/meta/problem.js';
import { parseSetup } from '../engine/setup/validate.js';
import type { Setup } from '../engine/setup/types.js';
import flagshipJson from '../engine/setup/examples/transformer-flagship.mixflow.json';
import mamlFlagshipJson from '../engine/setup/examples/maml-cnn-flagship.mixflow.json';
import { readExampleModel } from '../engine/setup/examples/models.js';
import type { Options } from './args.js';
import { exampleSetups } from './init.js';
import { formatBytes, readSetup } from './io.js';
import { formatTable } from './table.js';
import { freshProcessTimes } from './freshRuns.js';
import { median } from '../engine/bench/median.js';

/** Realistic meta-learning files in the style of public repositories, kept apart from the test corpus. */
const HELD_OUT = 'test/fixtures/scanner/heldout';

const say = (s = '') => process.stdout.write(`${s}\n`);

/**
 * Runs of each mode per row, interleaved, the modes taking turns going first. Five rather than
 * three: this shared machine's speed drifts by a third within an hour, and the flagship's ratio
 * target sits close to what MixFlow reaches, so a median of three moved with a single slow run.
 */
const BENCH_RUNS = 5;

function top(byCategory: Record<string, number> | undefined, n = 3): string {
  if (!byCategory) return '';
  const total = Object.values(byCategory).reduce((a, b) => a + b, 0);
  return Object.entries(byCategory)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([c, b]) => `${c} ${((100 * b) / total).toFixed(0)}%`)
    .join(', ');
}

/** Engine rows know their need from the static plan; TF.js only that it passed the heap's limit. */
function outOfMemory(r: ModeRow): string {
  return r.mode === 'nested tf.grad' ? `out of memory, needs > ${formatBytes(WASM_HEAP_BYTES)}` : `out of memory, needs ≈ ${formatBytes(r.needsBytes ?? 0)}`;
}

/** `median (min–max, n runs)` of run times, or the one time. */
function timesCell(ts: readonly number[]): string {
  if (ts.length < 2) return `${ts[0].toFixed(0)} ms`;
  return `${median(ts).toFixed(0)} ms (${Math.min(...ts).toFixed(0)}–${Math.max(...ts).toFixed(0)}, ${ts.length} runs)`;
}

/** A row's time: the median of its runs (its `timeMs`) and their spread. */
function timeCell(run: NonNullable<ModeRow['run']>): string {
  return timesCell(run.timesMs ?? [run.timeMs]);
}

function modeTable(rows: readonly ModeRow[]): string {
  const withOrt = rows.some((r) => r.run?.setupMs !== undefined);
  return formatTable(
    ['row', 'remat', 'peak', 'active peak', 'time: median (min–max)', ...(withOrt ? ['of which ONNX + sessions'] : []), 'max rel diff', 'peak is mostly'],
    rows.map((r) => [
      r.label,
      r.remat,
      r.run ? `${formatBytes(r.run.peakBytes)}${r.run.memory === 'planned' ? ' (planned)' : ''}` : outOfMemory(r),
      r.run ? formatBytes(r.run.activePeakBytes) : '',
      r.run ? timeCell(r.run) : '',
      ...(withOrt ? [r.run?.setupMs !== undefined ? `${r.run.setupMs.toFixed(0)} ms` : ''] : []),
      r.maxRelDiff === undefined ? '' : r.maxRelDiff.toExponential(1),
      top(r.peakByCategory),
    ]),
  );
}

function verdict(ok: boolean, text: string): string {
  return `  ${ok ? 'met   ' : 'MISSED'}  ${text}`;
}

/** The paper's targets on the flagship, said plainly, with by how much. */
function targets(rows: readonly ModeRow[]): string[] {
  const [std, mix, nested] = rows;
  if (!std.run || !mix.run) return ['  targets not evaluated: a mode did not fit'];
  const ratio = std.run.peakBytes / mix.run.peakBytes;
  const timeRatio = mix.run.timeMs / std.run.timeMs;
  const out = [
    verdict(ratio >= 10, `MixFlow peak ≥ 10× below standard: ${ratio.toFixed(1)}×`),
    verdict(timeRatio <= 1, `MixFlow time ≤ standard: ${timeRatio <= 1 ? `${(100 * (1 - timeRatio)).toFixed(0)}% faster` : `${(100 * (timeRatio - 1)).toFixed(0)}% SLOWER`} (medians ${mix.run.timeMs.toFixed(0)} vs ${std.run.timeMs.toFixed(0)} ms)`),
  ];
  if (nested?.run) {
    out.push(verdict(mix.run.peakBytes < nested.run.peakBytes, `MixFlow peak below nested tf.grad: ${(nested.run.peakBytes / mix.run.peakBytes).toFixed(1)}×`));
    out.push(verdict(mix.run.timeMs < nested.run.timeMs, `MixFlow time below nested tf.grad: ${(nested.run.timeMs / mix.run.timeMs).toFixed(2)}×`));
  } else if (nested) {
    out.push(verdict(true, `MixFlow below nested tf.grad: nested tf.grad does not fit in ${formatBytes(WASM_HEAP_BYTES)} at all`));
  }
  return out;
}

async function nestedRow(setup: Setup): Promise<ModeRow> {
  const base = { label: 'nested tf.grad', mode: 'nested tf.grad' as const, remat: 'none' as Remat };
  const r = await benchNestedRow(setup);
  if ('oom' in r) return base;
  return { ...base, run: { peakBytes: r.peakBytes, activePeakBytes: r.peakBytes - (r.inputBytes ?? 0), timeMs: r.timeMs, backend: '' } };
}

/** One small run of each mode first, so the first measured row does not pay for JIT and kernel set-up. */
async function warmUp(options: Options, shouldStop: () => boolean): Promise<void> {
  const small = parseSetup(exampleSetups()[1]!.json);
  for (const mode of ['standard', 'mixflow'] as const) {
    await runMeta(small, materialise(small), { mode, remat: 'block', precision: 'float32', backend: options.backend, shouldStop });
  }
}

/**
 * Achieved GFLOP/s of each row (planned FLOPs over measured time; for onnxruntime also over the
 * run alone, without lowering and sessions) beside each backend's best 2-D matmul.
 */
function workLine(rows: readonly ModeRow[], limits: Record<string, number>, resolved: string): string {
  const rate = (flops: number, ms: number) => `${(flops / ms / 1e6).toFixed(2)} GFLOP/s`;
  const cells = rows.flatMap((r) => {
    if (!r.run?.flops) return [];
    const runOnly = r.run.kernelMs !== undefined ? ` (${rate(r.run.flops, r.run.kernelMs)} inside session.run)` : '';
    return [`${r.label} ${(r.run.flops / 1e9).toFixed(1)} GFLOP at ${rate(r.run.flops, r.run.timeMs)}${runOnly}`];
  });
  const threads = (b: string) => (b === 'wasm' ? 'one thread, 128-bit SIMD' : b === 'onnxruntime' ? `${DEFAULT_SESSION_OPTIONS.intraOpNumThreads} intra-op thread${DEFAULT_SESSION_OPTIONS.intraOpNumThreads === 1 ? '' : 's'}, as the backend runs` : 'as the backend threads it');
  const best = Object.entries(limits).map(([b, g]) => `${b}'s best 2-D matmul here: ${g.toFixed(1)} GFLOP/s (${threads(b)})`);
  return `work: ${cells.join('; ')}; ${best.join('; ')}; ${cpus().length} cores (resolved backend ${resolved})`;
}

/** Issue 13's speed targets: MixFlow ≤ 0.9× standard's time and, on the flagship, ≤ 4.5 s. */
function speedTargets(rows: readonly ModeRow[], maxMixflowMs: number | undefined, on = ''): string[] {
  const [std, mix] = rows;
  if (!std?.run || !mix?.run) return [];
  const ratio = mix.run.timeMs / std.run.timeMs;
  const out = [verdict(ratio <= 0.9, `MixFlow time ≤ 0.9× standard${on}: ${ratio.toFixed(2)}×`)];
  if (maxMixflowMs !== undefined) out.push(verdict(mix.run.timeMs <= maxMixflowMs, `MixFlow ≤ ${(maxMixflowMs / 1000).toFixed(1)} s${on}: ${(mix.run.timeMs / 1000).toFixed(1)} s`));
  return out;
}

/** onnxruntime rows beside the TF.js ones when onnxruntime-node is installed (and not already the backend). */
function extraBackends(resolved: string): BackendName[] {
  return resolved !== 'onnxruntime' && ortAvailable() ? ['onnxruntime'] : [];
}

async function matmulLimits(backends: readonly string[]): Promise<Record<string, number>> {
  const limits: Record<string, number> = {};
  for (const b of backends) limits[b] = b === 'onnxruntime' ? await ortMatmulLimitGflops() : matmulLimitGflops();
  return limits;
}

/**
 * Standard vs MixFlow on a flagship, in-process and interleaved on every backend present; with
 * `freshFrom` (the setup's file) also onnxruntime started afresh for every run (`mixflow run`).
 */
async function flagshipSection(setup: Setup, name: string, options: Options, resolved: string, shouldStop: () => boolean, withNested: boolean, maxMixflowMs?: number, freshFrom?: string): Promise<void> {
  const remat: Remat = options.remat === 'none' && setup.model.kind === 'transformer' ? 'block' : options.remat;
  const also = extraBackends(resolved);
  const on = [resolved, ...also].join(' and ');
  say(`\n## ${name}: standard vs MixFlow (remat ${remat}, float32, ${on}; ${BENCH_RUNS} runs of each mode${also.length ? ' and backend' : ''}, interleaved; time is the median, then the spread)`);
  const all = await benchModes(setup, remat, options.backend, resolved, shouldStop, { runs: BENCH_RUNS, force: options.force, also });
  const rows = all.slice(0, 2);
  const extra = all.slice(2);
  if (withNested) {
    rows.push(await nestedRow(setup));
  }
  say(modeTable([...rows, ...extra]));
  if (extra.length) say('onnxruntime rows: time includes lowering to ONNX and creating the sessions; "ONNX + sessions" is lowering and creating one session per distinct segment (repeated steps and layers share one); their peak is the static plan, equal by construction to what our executor measures (the TF.js rows)');
  say(workLine([...rows, ...extra], await matmulLimits([resolved, ...also]), resolved));
  speedTargets(rows, maxMixflowMs, also.length ? ` on ${resolved}` : '').forEach((l) => say(l));
  for (let k = 0; k < also.length; k++) speedTargets(extra.slice(2 * k, 2 * k + 2), maxMixflowMs, ` on ${also[k]}`).forEach((l) => say(l));
  if (freshFrom && also.includes('onnxruntime') && existsSync(freshFrom)) {
    const fresh = await freshProcessTimes(freshFrom, remat, 'onnxruntime', BENCH_RUNS, shouldStop);
    if (fresh.standard.length && fresh.mixflow.length) {
      say(`  onnxruntime, a fresh \`mixflow run\` process per run (start-up excluded, cold JIT included; interleaved): standard ${timesCell(fresh.standard)}, MixFlow ${timesCell(fresh.mixflow)}: ${(median(fresh.mixflow) / median(fresh.standard)).toFixed(2)}×`);
    }
  }
  if (withNested) {
    say('targets (paper: >10× less memory, up to 25% less time):');
    targets(rows).forEach((l) => say(l));
  } else if (rows[0].run && rows[1].run) {
    const [std, mix] = [rows[0].run, rows[1].run];
    say(`standard/MixFlow: peak ${(std.peakBytes / mix.peakBytes).toFixed(2)}×, median time ${(std.timeMs / mix.timeMs).toFixed(2)}×${mix.timeMs > std.timeMs ? ' (MixFlow slower)' : ''}`);
  }
}

/** Peak bytes by category, largest first, as `cotangents 60.0 MiB, activations 14.4 MiB`. */
function breakdown(byCategory: Record<string, number>, n = 4): string {
  return Object.entries(byCategory)
    .filter(([, b]) => b > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([c, b]) => `${c} ${formatBytes(b)}`)
    .join(', ');
}

/** Standard vs MixFlow, interleaved runs, median time and its range. */
async function interleavedSection(setup: Setup, name: string, options: Options, resolved: string, shouldStop: () => boolean): Promise<void> {
  const remat: Remat = options.remat === 'none' && setup.model.kind !== 'mlp' ? 'block' : options.remat;
  const repeats = 3;
  say(`\n## ${name}: standard vs MixFlow (remat ${remat}, float32, ${resolved}; ${repeats} interleaved runs per mode, median [min–max])`);
  const [std, mix] = await benchModes(setup, remat, options.backend, resolved, shouldStop, {
    runs: repeats,
    onRun: (mode, run) => process.stderr.write(`bench: ${mode} ${run.timeMs.toFixed(0)} ms\n`),
  });
  if (!std!.run || !mix!.run) {
    say(`  does not fit ${resolved}'s memory: standard needs ${formatBytes(std!.needsBytes ?? 0)}, MixFlow ${formatBytes(mix!.needsBytes ?? 0)} (static plan)`);
    return;
  }
  const rows = [std!, mix!];
  say(formatTable(
    ['mode', 'remat', 'peak', 'active peak', 'time (median [min–max])', 'at the peak'],
    rows.map((row) => [
      row.mode,
      row.remat,
      formatBytes(row.run!.peakBytes),
      formatBytes(row.run!.activePeakBytes),
      `${row.run!.timeMs.toFixed(0)} ms [${Math.min(...row.run!.timesMs!).toFixed(0)}–${Math.max(...row.run!.timesMs!).toFixed(0)}]`,
      breakdown(row.peakByCategory!),
    ]),
  ));
  const [s, m] = [std!.run, mix!.run];
  say(`standard/MixFlow: peak ${(s.peakBytes / m.peakBytes).toFixed(2)}×, active peak ${(s.activePeakBytes / m.activePeakBytes).toFixed(2)}×, time ${(s.timeMs / m.timeMs).toFixed(2)}×; meta-gradients agree to ${mix!.maxRelDiff!.toExponential(1)} (max rel diff)`);
}

function sweepSection(base: Setup): void {
  say('\n## Peak ratio standard / MixFlow against layers, seq and T, per remat policy (static plan = measured peak)');
  const rows = sweepPeaks(base, { layers: [2, 4, 8], seq: [64, 128, 256], T: [1, 2, 4, 8] }, REMATS);
  say(
    formatTable(
      ['axis', 'value', ...REMATS],
      [...new Set(rows.map((r) => `${r.axis}=${r.value}`))].map((key) => {
        const [axis, value] = key.split('=');
        return [axis, value, ...REMATS.map((rm) => {
          const r = rows.find((x) => `${x.axis}=${x.value}` === key && x.remat === rm)!;
          return `${(r.standardPeak / r.mixflowPeak).toFixed(1)}×`;
        })];
      }),
    ),
  );
}

/**
 * Binomial checkpointing at T = 32 and the budget planner on the 24-layer model. The T = 32
 * runs take tens of minutes on two shared cores; MIXFLOW_BENCH_REVOLVE=plans prints the plans
 * alone.
 */
async function revolveSection(flagship: Setup, options: Options, resolved: string, shouldStop: () => boolean): Promise<void> {
  const run = process.env.MIXFLOW_BENCH_REVOLVE !== 'plans';
  await benchRevolveFlagship(flagship, 32, { backend: options.backend, resolved, run, shouldStop, say, table: formatTable });
  const big = parseSetup(transformer24lJson);
  benchPlanAtScale(big, 'transformer L24 d2048 H16 S2048 F8192 V32000, B1, Adam', [4, 16, 64], 80 * 2 ** 30, { say, table: formatTable });
}

export async function benchCommand(setupPaths: string[], options: Options, shouldStop: () => boolean): Promise<number> {
  const resolved = await useBackend(options.backend);
  say(`# MixFlow Studio benchmark: backend ${resolved}, ${cpus().length} cores, node ${process.version}`);
  await warmUp(options, shouldStop);
  if (setupPaths.length > 0) {
    for (const p of setupPaths) await interleavedSection(readSetup(p), p, options, resolved, shouldStop);
    return 0;
  }
  say('\n## First-order gradients: engine vs tf.grad on the same backend');
  say(formatRows(await benchFirstOrder(resolved === 'onnxruntime' ? tfjsBackend() : resolved)));
  const flagship = parseSetup(flagshipJson);
  const flagshipFile = join(__dirname, '..', 'engine', 'setup', 'examples', 'transformer-flagship.mixflow.json');
  await flagshipSection(flagship, 'flagship data weighting (transformer L8 d64 H2 S256 F256 V256, B4, T4 Adam, per-token weights)', options, resolved, shouldStop, true, 4500, flagshipFile);
  const second = withSeqAndBatch(flagship, 512, 2);
  await flagshipSection(second, 'flagship at seq 512, batch 2 (transformer L8 d64 H2 S512 F256 V256, B2, T4 Adam, per-token weights)', options, resolved, shouldStop, false);
  sweepSection(flagship);
  const maml = parseSetup(mamlFlagshipJson, { readModel: readExampleModel });
  await interleavedSection(maml, 'second flagship: MAML, 4-conv CNN from ONNX (64 ch, 28×28×1, 5-way, B 25 inner / 75 outer, T 5 SGD, per-tensor log_lr; wrt θ₀, log_lr)', options, resolved, shouldStop);
  say('\n## Profiler');
  say((await profiler.benchEstimateAtScale(profiler.transformer24l(), 'block')).text);
  say((await profiler.benchEstimateAtScale(profiler.transformer24l(), 'step+block')).text);
  say((await profiler.benchProfilingOverhead(flagship)).text);
  await revolveSection(flagship, options, resolved, shouldStop);
  const scan = benchScan();
  say(`\n## Scanner\n  scanning a ${scan.lines}-line Python file: ${scan.ms.toFixed(1)} ms (target < 100 ms; ${scan.parsedBy} parser)` +
    `\n  the same scan with lezer's parser: ${scan.lezerMs.toFixed(1)} ms`);
  say(`\n## Scanner on held-out public-style code (${HELD_OUT}, labelled by hand, not tuned)\n${formatHeldOut(benchHeldOut(HELD_OUT))}`);
  return 0;
}
