/**
 * The bench's revolve section: the flagship at T = 32 under block, step+block and
 * revolve:4+block (planned peak and FLOPs in both modes, then measured peak and time for
 * the runs that fit the backend), the goal (MixFlow with revolve within 2× of the T = 4
 * peak), and `plan --budget 80GiB` on the 24-layer d2048 model at T = 4, 16, 64.
 */
import { formatBytes, formatFlops } from '../core/text.js';
import type { BackendChoice } from '../exec/backend.js';
import type { Mode } from '../meta/problem.js';
import type { Remat } from '../meta/remat.js';
import { runMeta } from '../meta/run.js';
import { planBudget } from '../plan/budget.js';
import { StepPlanner, withSteps } from '../plan/overSteps.js';
import { materialise } from '../setup/materialise.js';
import type { Setup } from '../setup/types.js';
import { WASM_HEAP_BYTES } from './metaBench.js';

const MODES: readonly Mode[] = ['standard', 'mixflow'];

export interface RevolveBenchOptions {
  readonly backend: BackendChoice;
  readonly resolved: string;
  /** Measure runs (minutes at T = 32); false: plans only. */
  readonly run: boolean;
  readonly shouldStop: () => boolean;
  readonly say: (line: string) => void;
  readonly table: (header: readonly string[], rows: readonly (readonly string[])[]) => string;
}

const fitsBackend = (bytes: number, resolved: string) => resolved !== 'wasm' || bytes < 0.85 * WASM_HEAP_BYTES;

/** The flagship at `T` steps: plans for each policy, then runs where they fit, modes interleaved. */
export async function benchRevolveFlagship(flagship: Setup, T: number, o: RevolveBenchOptions): Promise<void> {
  const policies: Remat[] = ['block', 'step+block', 'revolve:4+block'];
  const planner = new StepPlanner(flagship, 0);
  const setup = withSteps(flagship, T);
  o.say(`\n## Revolve: flagship at T = ${T} (plans composed from T = 3, 4, 5; runs float32 on ${o.resolved})`);
  const rows: string[][] = [];
  const none = Object.fromEntries(MODES.map((m) => [m, planner.plan(m, 'none', T).flops]));
  const runs: { mode: Mode; remat: Remat; peak: number; row: string[] }[] = [];
  for (const remat of policies) {
    for (const mode of MODES) {
      const p = planner.plan(mode, remat, T);
      const row = [mode, remat, formatBytes(p.peakBytes), formatFlops(p.flops), `+${((p.flops / none[mode] - 1) * 100).toFixed(0)}%`, '', ''];
      rows.push(row);
      runs.push({ mode, remat, peak: p.peakBytes, row });
    }
  }
  if (o.run) {
    for (const r of runs) {
      if (o.shouldStop()) break;
      if (!fitsBackend(r.peak, o.resolved)) {
        r.row[5] = `not run: over the ${formatBytes(WASM_HEAP_BYTES)} heap`;
        continue;
      }
      const res = await runMeta(setup, materialise(setup), { mode: r.mode, remat: r.remat, precision: 'float32', backend: o.backend, shouldStop: o.shouldStop });
      r.row[5] = formatBytes(res.peakBytes);
      r.row[6] = `${(res.timeMs / 1000).toFixed(1)} s`;
    }
  }
  o.say(o.table(['mode', 'remat', 'planned peak', 'FLOPs', 'recompute', 'measured peak', 'time'], rows));
  const t4 = (mode: Mode, remat: Remat) => planner.plan(mode, remat, 4).peakBytes;
  const rev = planner.plan('mixflow', 'revolve:4+block', T).peakBytes;
  for (const base of ['block', 'step+block', 'revolve:4+block'] as Remat[]) {
    const ratio = rev / t4('mixflow', base);
    o.say(`  MixFlow revolve:4+block at T = ${T}: ${formatBytes(rev)} = ${ratio.toFixed(2)}× the T = 4 peak under ${base} (${formatBytes(t4('mixflow', base))})${ratio <= 2 ? '  (goal ≤ 2×: met)' : '  (goal ≤ 2×: MISSED)'}`);
  }
  const grow = planner.plan('mixflow', 'step+block', T).peakBytes / t4('mixflow', 'step+block');
  o.say(`  MixFlow step+block grows ${grow.toFixed(2)}× from T = 4 to T = ${T}`);
}

/** `plan --budget` on a large model at several T, sharing the traces. */
export function benchPlanAtScale(model: Setup, name: string, steps: readonly number[], budgetBytes: number, o: Pick<RevolveBenchOptions, 'say' | 'table'>): void {
  o.say(`\n## plan --budget ${formatBytes(budgetBytes)}: ${name}`);
  const t0 = performance.now();
  const planner = new StepPlanner(model, 0);
  const rows: string[][] = [];
  for (const T of steps) {
    const plan = planBudget(withSteps(model, T), budgetBytes, { planner, steps: T });
    const peak = (mode: Mode, remat: Remat) => plan.plans.find((p) => p.mode === mode && p.remat === remat)!.peakBytes;
    for (const mode of MODES) {
      const b = plan.best[mode];
      rows.push([
        String(T),
        mode,
        formatBytes(peak(mode, 'block')),
        formatBytes(peak(mode, 'step+block')),
        b ? b.remat : 'nothing fits',
        b ? formatBytes(b.peakBytes) : '',
        b ? `+${((b.flopsRatio - 1) * 100).toFixed(0)}%` : '',
      ]);
    }
    o.say(`  T = ${T}: chosen ${plan.chosen ? `${plan.chosen.mode} ${plan.chosen.remat} (${formatBytes(plan.chosen.peakBytes)}, ${formatFlops(plan.chosen.flops)})` : 'nothing fits'}`);
  }
  o.say(o.table(['T', 'mode', 'block peak', 'step+block peak', 'cheapest that fits', 'its peak', 'recompute'], rows));
  o.say(`  (planned in ${((performance.now() - t0) / 1000).toFixed(0)} s: traces at T = 3, 4, 5 composed over T)`);
}
