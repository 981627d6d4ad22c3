/** Small valid setups for the setup-layer tests; each call returns a fresh deep copy. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export type J = any; // eslint-disable-line @typescript-eslint/no-explicit-any

export const SPEC_DIR = join(__dirname, '..', 'fixtures', 'spec');
export const EXAMPLES_DIR = join(__dirname, '..', '..', 'engine', 'setup', 'examples');

export function readJson(path: string): J {
  return JSON.parse(readFileSync(path, 'utf8'));
}

const row = (n: number, base: number): number[] => Array.from({ length: n }, (_, i) => ((base + i) % 7) / 10 - 0.3);
const mat = (r: number, c: number, base = 0): number[][] => Array.from({ length: r }, (_, i) => row(c, base + i));

/** MLP [3, 4, 2], tanh, mse, T = 3 explicit batches of B = 2, explicit θ₀, full η. */
export function mlpSetup(): J {
  const batch = (k: number): J => ({ x: mat(2, 3, k), y: mat(2, 2, k + 1) });
  return {
    format: 'mixflow-setup/1',
    model: { kind: 'mlp', sizes: [3, 4, 2], activation: 'tanh' },
    loss: 'mse',
    theta0: [{ w: mat(3, 4), b: row(4, 1) }, { w: mat(4, 2, 2), b: row(2, 3) }],
    optimizer: { kind: 'adam', b1: 0.9, b2: 0.999, eps: 1e-8 },
    inner: [batch(0), batch(1), batch(2)],
    outer: { x: mat(3, 3, 5), y: mat(3, 2, 6) },
    eta: { log_lr: [-2, -2, -3, -3], log_wd: -5, example_logits: mat(3, 2) },
    wrt: ['log_lr', 'log_wd', 'example_logits', 'theta0'],
  };
}

/** The same MLP with xent over dL = 2 classes. */
export function mlpXentSetup(): J {
  const s = mlpSetup();
  s.loss = 'xent';
  for (const b of s.inner) b.y = [0, 1];
  s.outer.y = [1, 0, 1];
  return s;
}

/** Transformer V 5, D 4, H 2, N 1, S 3, F 8; T = 2 explicit batches of B = 2. */
export function transformerSetup(): J {
  return {
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 5, d_model: 4, heads: 2, layers: 1, seq: 3, d_ff: 8 },
    loss: 'xent',
    theta0: { init: 'glorot', seed: 7 },
    optimizer: { kind: 'momentum' },
    inner: [{ x: [[0, 1, 2], [3, 4, 0]], y: [[1, 2, 3], [4, 0, 1]] }, { x: [[4, 4, 4], [0, 0, 0]], y: [[4, 4, 1], [0, 0, 2]] }],
    outer: { synthetic: { seed: 3, batch: 5 } },
    eta: { log_lr: -4, example_logits: [[[0, 0, 0], [0, 0, 0]], [[0, 0, 0], [0, 0, 0]]] },
    wrt: ['example_logits', 'log_lr'],
  };
}

/** A transformer with synthetic everything. */
export function syntheticTransformer(seed = 1): J {
  return {
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 11, d_model: 6, heads: 3, layers: 2, seq: 4, d_ff: 10 },
    loss: 'xent',
    theta0: { init: 'glorot', seed },
    optimizer: { kind: 'adam' },
    inner: { synthetic: { seed, batch: 3 }, steps: 2 },
    outer: { synthetic: { seed, batch: 2 } },
    wrt: ['theta0', 'example_logits'],
  };
}

/** A setup far too large for any backend here (d 8192, `layers` blocks): the pre-flight check refuses it. */
export function absurdTransformer(layers: number, steps: number): J {
  return {
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 32000, d_model: 8192, heads: 64, layers, seq: 2048, d_ff: 32768 },
    loss: 'xent',
    theta0: { init: 'glorot', seed: 0 },
    optimizer: { kind: 'adam' },
    inner: { synthetic: { seed: 1, batch: 1 }, steps },
    outer: { synthetic: { seed: 2, batch: 1 } },
    eta: {},
    wrt: ['example_logits'],
  };
}
