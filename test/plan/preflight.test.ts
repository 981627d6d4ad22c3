/**
 * The pre-flight check in process, against a given limit: a setup that fits passes with its
 * plan; one over the limit is refused with the planned peak and the remat policies that fit;
 * one whose inputs alone exceed the limit and that does not extrapolate is refused without
 * tracing its whole graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { estimatePlan, inputBytesOf } from '../../engine/plan/estimate.js';
import { preflight } from '../../engine/plan/preflight.js';
import { parseSetup } from '../../engine/setup/validate.js';

function mlp(hidden: number, perTensorLr: boolean) {
  return parseSetup({
    format: 'mixflow-setup/1',
    model: { kind: 'mlp', sizes: [3, ...Array<number>(hidden).fill(5), 2], activation: 'tanh' },
    loss: 'mse',
    theta0: { init: 'glorot', seed: 0 },
    optimizer: { kind: 'sgd' },
    inner: { synthetic: { seed: 1, batch: 2 }, steps: 2 },
    outer: { synthetic: { seed: 2, batch: 2 } },
    eta: { log_lr: perTensorLr ? Array<number>(2 * hidden + 2).fill(-2) : -2 },
    wrt: ['log_lr'],
  });
}

const req = { mode: 'standard', remat: 'none', precision: 'float32', backend: 'cpu' } as const;

test('fits: passes with the plan; over the limit: refused with the planned peak and what fits', () => {
  const setup = mlp(8, false);
  const plans = Object.fromEntries((['none', 'step', 'block', 'step+block'] as const).map((r) => [r, estimatePlan(setup, { mode: 'standard', remat: r }).peakBytes]));
  const ok = preflight(setup, req, { limit: { bytes: plans.none!, what: 'the test limit' } });
  assert.equal(ok.fits, true);
  assert.equal(ok.plannedPeakBytes, plans.none);
  const lowest = Math.min(...Object.values(plans));
  assert.ok(lowest < plans.none!, JSON.stringify(plans));
  const refused = preflight(setup, req, { limit: { bytes: lowest, what: 'the test limit' } });
  assert.equal(refused.fits, false);
  if (refused.fits) return;
  assert.match(refused.message, /planned to peak at .* more than the test limit \(extrapolated to 8 hidden layers of width 5 from exact plans at 2, 3, 4\)/);
  assert.match(refused.message, /\(fits\)/);
  // Float64 doubles the plan.
  assert.equal(preflight(setup, { ...req, precision: 'float64' }, { limit: { bytes: plans.none!, what: 'x' } }).fits, false);
});

test('inputs alone over the limit, schedule not periodic: refused without the full trace', () => {
  const setup = mlp(40, true);
  const inputs = inputBytesOf(setup);
  const v = preflight(setup, req, { limit: { bytes: inputs - 1, what: 'the test limit' } });
  assert.equal(v.fits, false);
  if (v.fits) return;
  assert.equal(v.plan, undefined);
  assert.equal(v.plannedPeakBytes, inputs);
  assert.match(v.message, /the parameters, η and batches alone take .* so the run's peak is at least that, more than the test limit \(the whole graph was not planned: .*periodic/);
});
