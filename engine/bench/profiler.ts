/**
 * Profiler benchmarks:
 * - `benchEstimateAtScale`: the static plan (`mixflow estimate`) of a 24-layer transformer
 *   (d_model 2048, 16 heads, d_ff 8192, vocab 32000, seq 2048, batch 1, T = 4, Adam) in both
 *   modes under remat block: peak bytes each and the standard/mixflow ratio, from shapes
 *   alone (nothing large is allocated). Target: < 10 s for both.
 * - `benchProfilingOverhead`: the same run with and without profiling (per-op timing,
 *   building the profile, writing its text): target ≤ 10 % more time.
 */
import { estimateMeta, runMeta, type MetaRun } from '../meta/run.js';
import type { MetaOptions } from '../meta/objective.js';
import { buildProfile, serialiseProfile } from '../profile/build.js';
import { peakBreakdown } from '../profile/breakdown.js';
import { parseProfile } from '../profile/validate.js';
import type { BackendChoice } from '../exec/backend.js';
import { materialise } from '../setup/materialise.js';
import type { Remat } from '../setup/result.js';
import type { Setup } from '../setup/types.js';

/** The 24-layer configuration (also `engine/setup/examples/transformer-24l.mixflow.json`). */
export function transformer24l(): Setup {
  return {
    model: { kind: 'transformer', vocab: 32000, d_model: 2048, heads: 16, layers: 24, seq: 2048, d_ff: 8192 },
    loss: 'xent',
    theta0: { init: 'glorot', seed: 0 },
    optimizer: { kind: 'adam', b1: 0.9, b2: 0.999, eps: 1e-8 },
    inner: { kind: 'synthetic', seed: 1, batch: 1, steps: 4 },
    outer: { kind: 'synthetic', seed: 2, batch: 1 },
    eta: {},
    wrt: ['example_logits'],
  };
}

export interface EstimateRow {
  readonly mode: 'standard' | 'mixflow';
  readonly remat: Remat;
  readonly nodes: number;
  readonly ops: number;
  readonly peakBytes: number;
  readonly activePeakBytes: number;
  readonly byCategory: Record<string, number>;
  /** Tracing (with every transformation), scheduling, planning, breakdown. */
  readonly traceMs: number;
  readonly planMs: number;
  readonly ms: number;
}

const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;

/** Static plan of the 24-layer transformer in both modes. */
export async function benchEstimateAtScale(
  setup: Setup = transformer24l(),
  remat: Remat = 'block',
): Promise<{ rows: EstimateRow[]; ms: number; ratio: number; text: string }> {
  const t0 = performance.now();
  const rows = (['standard', 'mixflow'] as const).map((mode): EstimateRow => {
    const a = performance.now();
    const { traced, sched, memory } = estimateMeta(setup, { mode, remat });
    const b = performance.now();
    const breakdown = peakBreakdown(traced.graph, sched, memory);
    const c = performance.now();
    return {
      mode,
      remat,
      nodes: traced.graph.nodes.length,
      ops: sched.order.length,
      peakBytes: memory.peakBytes,
      activePeakBytes: memory.activePeakBytes,
      byCategory: breakdown.byCategory,
      traceMs: b - a,
      planMs: c - b,
      ms: c - a,
    };
  });
  const ms = performance.now() - t0;
  const ratio = rows[0]!.peakBytes / rows[1]!.peakBytes;
  const m = setup.model;
  const what = m.kind === 'transformer' ? `transformer L${m.layers} d${m.d_model} H${m.heads} S${m.seq} F${m.d_ff} V${m.vocab}` : 'mlp';
  const text = [
    `  estimate at scale: ${what}, T ${setup.inner.kind === 'synthetic' ? setup.inner.steps : setup.inner.batches.length}, remat ${remat} (static plan, nothing allocated)`,
    ...rows.map((r) => {
      const top = Object.entries(r.byCategory).sort((x, y) => y[1] - x[1]).slice(0, 2).map(([k, v]) => `${k} ${gib(v)}`).join(', ');
      return `    ${r.mode.padEnd(9)} peak ${gib(r.peakBytes).padStart(10)}  (${r.ops} ops of ${r.nodes} nodes, ${r.ms.toFixed(0)} ms; largest: ${top})`;
    }),
    `    standard/mixflow peak ratio ${ratio.toFixed(2)}×; both plans in ${(ms / 1000).toFixed(2)} s (target < 10 s: ${ms < 10_000 ? 'met' : 'MISSED'})`,
  ].join('\n');
  return { rows, ms, ratio, text };
}

export interface OverheadResult {
  /** Mean wall time (runMeta's `timeMs` plus, when profiling, building and writing the profile's text). */
  readonly plainMs: number;
  readonly profiledMs: number;
  /** Building, serialising and validating the profile, mean per run. */
  readonly buildMs: number;
  readonly serialiseMs: number;
  readonly validateMs: number;
  readonly profileBytes: number;
  readonly ratio: number;
  readonly text: string;
}

/**
 * A run with and without profiling, alternated (plain, profiled, profiled, plain for
 * `rounds` = 2) so drift affects both alike. Profiled time = the run with per-op timing +
 * building the profile + serialising it (what `--profile` adds; writing the file is I/O
 * and excluded). Validation (what a reader pays) is reported apart.
 */
export async function benchProfilingOverhead(
  setup: Setup,
  opts: { mode?: MetaOptions['mode']; remat?: Remat; backend?: BackendChoice; rounds?: number } = {},
): Promise<OverheadResult> {
  const mode = opts.mode ?? 'mixflow';
  const remat = opts.remat ?? (setup.model.kind === 'transformer' ? 'block' : 'none');
  const rounds = opts.rounds ?? 2;
  const data = materialise(setup);
  const run = (timeNodes: boolean): Promise<MetaRun> => runMeta(setup, data, { mode, remat, precision: 'float32', backend: opts.backend ?? 'auto', timeNodes });
  const plain: number[] = [];
  const profiled: number[] = [];
  const build: number[] = [];
  const ser: number[] = [];
  const val: number[] = [];
  let bytes = 0;
  const profiledRun = async () => {
    const r = await run(true);
    const a = performance.now();
    const profile = buildProfile(null, setup, [r], [{ mode, remat }]);
    const b = performance.now();
    const text = serialiseProfile(profile);
    const c = performance.now();
    parseProfile(text);
    val.push(performance.now() - c);
    bytes = text.length;
    build.push(b - a);
    ser.push(c - b);
    profiled.push(r.timeMs + (c - a));
  };
  await run(false); // warm-up: backend, kernels, JIT
  for (let i = 0; i < rounds; i++) {
    if (i % 2 === 0) {
      plain.push((await run(false)).timeMs);
      await profiledRun();
    } else {
      await profiledRun();
      plain.push((await run(false)).timeMs);
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const plainMs = mean(plain);
  const profiledMs = mean(profiled);
  const ratio = profiledMs / plainMs;
  const text = [
    `  profiling overhead (${mode}, remat ${remat}, ${rounds} rounds): plain ${plainMs.toFixed(0)} ms, profiled ${profiledMs.toFixed(0)} ms → ${signedPercent(ratio - 1)} (target ≤ 10%: ${ratio <= 1.1 ? 'met' : 'MISSED'})`,
    `    building the profile ${mean(build).toFixed(0)} ms, its text ${mean(ser).toFixed(0)} ms (${(bytes / 2 ** 20).toFixed(1)} MiB); validating it (reader side) ${mean(val).toFixed(0)} ms`,
  ].join('\n');
  return { plainMs, profiledMs, buildMs: mean(build), serialiseMs: mean(ser), validateMs: mean(val), profileBytes: bytes, ratio, text };
}

/** `+3.2%`, or `-1.5%` when the profiled run happened to be faster (timing noise). */
function signedPercent(fraction: number): string {
  return `${fraction >= 0 ? '+' : ''}${(100 * fraction).toFixed(1)}%`;
}
