import { paramSpecs } from '../setup/transformerParams.js';
import type { Setup } from '../setup/types.js';

/**
 * The axis along which a setup repeats identical work: a transformer's blocks, or an MLP's
 * hidden layers when every hidden width is the same (then the h→h layers are identical).
 * `at(n)` is the same setup with n repeats; only shapes matter to the planner, so θ₀ becomes
 * generated and a per-tensor `log_lr` gets one (irrelevant) value per parameter tensor.
 */
export interface LayerAxis {
  /** What n counts, for messages: `layers` or `hidden layers of width 64`. */
  readonly name: string;
  readonly count: number;
  at(n: number): Setup;
}

function withModel(setup: Setup, model: Setup['model']): Setup {
  const lr = setup.eta.log_lr;
  const P = paramSpecs(model).length;
  const eta = Array.isArray(lr) ? { ...setup.eta, log_lr: Array<number>(P).fill(lr[0] ?? 0) } : setup.eta;
  return { ...setup, model, eta, theta0: { init: 'glorot', seed: 0 } };
}

export function layerAxis(setup: Setup): LayerAxis | undefined {
  const m = setup.model;
  if (m.kind === 'transformer') {
    return { name: 'layers', count: m.layers, at: (n) => withModel(setup, { ...m, layers: n }) };
  }
  if (m.kind !== 'mlp') return undefined;
  const hidden = m.sizes.slice(1, -1);
  if (hidden.length < 2 || hidden.some((h) => h !== hidden[0])) return undefined;
  const [first, last] = [m.sizes[0]!, m.sizes[m.sizes.length - 1]!];
  return {
    name: `hidden layers of width ${hidden[0]}`,
    count: hidden.length,
    at: (n) => withModel(setup, { ...m, sizes: [first, ...Array<number>(n).fill(hidden[0]!), last] }),
  };
}
