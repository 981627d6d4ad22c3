import * as E from '../../engine/index.js';
import { outerObjective } from '../../engine/meta/objective.js';
import type { Mode, Remat } from '../../engine/meta/problem.js';
import { hostInputs, runMeta, type MetaRun } from '../../engine/meta/run.js';
import { metaInputAvals, problemOf } from '../../engine/meta/trace.js';
import { materialise, type Materialised } from '../../engine/setup/materialise.js';
import type { HostTensor, MetaName, Setup } from '../../engine/setup/types.js';
import { parseSetup } from '../../engine/setup/validate.js';

export { rng } from '../engine/helpers.js';
import { rng } from '../engine/helpers.js';

export function run64(setup: Setup, mode: Mode, remat: Remat, data = materialise(setup)): Promise<MetaRun> {
  return runMeta(setup, data, { mode, remat, precision: 'float64', backend: 'cpu' });
}

export function run32(setup: Setup, mode: Mode, remat: Remat, data = materialise(setup)): Promise<MetaRun> {
  return runMeta(setup, data, { mode, remat, precision: 'float32', backend: 'cpu' });
}

/** The outer loss V alone, in float64, as a function of the materialised inputs. */
export function outerLoss64(setup: Setup): (data: Materialised) => number {
  const problem = problemOf(setup);
  const { graph } = E.traceGraph(
    (theta0, eta, inner, outer) => outerObjective(problem, { mode: 'standard', remat: 'none' }, { theta0, eta, inner, outer }),
    metaInputAvals(setup),
  );
  const sched = E.schedule(graph);
  return (data) => E.runRef(sched, hostInputs(data)).outputs[0].data[0];
}

export function tensorsOf(g: HostTensor | HostTensor[] | undefined): HostTensor[] {
  if (!g) return [];
  return Array.isArray(g) ? g : [g];
}

/** The host tensors of meta-parameter `name` inside materialised data (perturbed in place by FD). */
export function metaTensors(data: Materialised, name: MetaName): HostTensor[] {
  if (name === 'theta0') return data.theta0;
  const t = data.eta[name];
  if (!t) throw new Error(`setup has no ${name}`);
  return [t];
}

/** Norm-wise relative difference ‖a − b‖∞ / ‖b‖∞ over every meta-gradient. */
export function relDiff(a: MetaRun['metaGrads'], b: MetaRun['metaGrads']): number {
  let num = 0;
  let den = 0;
  for (const name of Object.keys(b) as MetaName[]) {
    const x = tensorsOf(a[name]).flatMap((t) => Array.from(t.data));
    const y = tensorsOf(b[name]).flatMap((t) => Array.from(t.data));
    if (x.length !== y.length) throw new Error(`${name}: ${x.length} vs ${y.length} values`);
    x.forEach((v, i) => {
      num = Math.max(num, Math.abs(v - y[i]));
      den = Math.max(den, Math.abs(y[i]));
    });
  }
  return num / den;
}

export interface RandomSetupOptions {
  readonly kind: 'mlp' | 'transformer';
  readonly optimizer: 'sgd' | 'momentum' | 'adam';
  readonly seed: number;
}

/** A small random setup exercising every meta-parameter kind. */
export function randomSetup({ kind, optimizer, seed }: RandomSetupOptions): Setup {
  const r = rng(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const T = int(1, 3);
  const B = int(2, 4);
  const opt = optimizer === 'sgd' ? { kind: 'sgd' } : optimizer === 'momentum' ? { kind: 'momentum', beta: 0.8 } : { kind: 'adam', b1: 0.9, b2: 0.99, eps: 1e-3 };
  const common = {
    format: 'mixflow-setup/1',
    theta0: { init: 'glorot', seed: int(0, 1000) },
    optimizer: opt,
    inner: { synthetic: { seed: int(0, 1000), batch: B }, steps: T },
    outer: { synthetic: { seed: int(0, 1000), batch: int(2, 4) } },
    wrt: ['log_lr', 'log_wd', 'example_logits', 'theta0'],
  };
  if (kind === 'mlp') {
    const sizes = [int(2, 4), int(3, 5), int(2, 3)];
    const activation = (['tanh', 'relu', 'sigmoid', 'gelu'] as const)[int(0, 3)];
    const loss = r() < 0.5 ? 'mse' : 'xent';
    return parseSetup({ ...common, model: { kind: 'mlp', sizes, activation }, loss, eta: { log_lr: sizes.slice(1).flatMap(() => [-2 - r(), -2 - r()]), log_wd: -3 } });
  }
  const model = { kind: 'transformer', vocab: int(5, 8), d_model: 4, heads: 2, layers: int(1, 2), seq: int(3, 4), d_ff: 6 };
  return parseSetup({ ...common, model, loss: 'xent', eta: { log_lr: -3, log_wd: -4 } });
}
