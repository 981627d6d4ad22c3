/**
 * The extrapolating planner (engine/plan/estimate.ts) against the full trace: equal in every
 * number `mixflow estimate` prints, on MLPs with several layer counts and a transformer, for
 * every remat policy and both modes, and it really extrapolated there. Where the schedule is
 * not periodic (a per-tensor learning rate: its cotangent grows with the layers) it says so and
 * traces in full. A 1 000-layer d 8192 transformer is planned in seconds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REMATS } from '../../engine/meta/problem.js';
import { estimatePlan, type PlanEstimate } from '../../engine/plan/estimate.js';
import { layerAxis } from '../../engine/plan/layerAxis.js';
import { parseSetup } from '../../engine/setup/validate.js';
import type { Setup } from '../../engine/setup/types.js';
import { absurdTransformer } from '../setup/fixtures.js';

const MODES = ['standard', 'mixflow'] as const;

function transformer(layers: number, extra: Record<string, unknown> = {}): Setup {
  return parseSetup({
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 16, d_model: 8, heads: 2, layers, seq: 4, d_ff: 16 },
    loss: 'xent',
    theta0: { init: 'glorot', seed: 0 },
    optimizer: { kind: 'adam' },
    inner: { synthetic: { seed: 1, batch: 2 }, steps: 2 },
    outer: { synthetic: { seed: 2, batch: 2 } },
    eta: { log_wd: -3 },
    wrt: ['example_logits', 'log_lr'],
    ...extra,
  });
}

function mlp(hidden: number, eta: Record<string, unknown> = { log_lr: -2, log_wd: -4 }): Setup {
  return parseSetup({
    format: 'mixflow-setup/1',
    model: { kind: 'mlp', sizes: [3, ...Array<number>(hidden).fill(5), 2], activation: 'tanh' },
    loss: 'mse',
    theta0: { init: 'glorot', seed: 0 },
    optimizer: { kind: 'momentum' },
    inner: { synthetic: { seed: 1, batch: 2 }, steps: 3 },
    outer: { synthetic: { seed: 2, batch: 3 } },
    eta,
    wrt: ['log_lr', 'theta0'],
  });
}

/** Everything but how it was planned. */
function numbers(p: PlanEstimate): unknown {
  const { method: _m, alongAxis: _a, ...rest } = p;
  return rest;
}

function assertSameAsFullTrace(setup: Setup, label: string): void {
  for (const mode of MODES) {
    for (const remat of REMATS) {
      const fast = estimatePlan(setup, { mode, remat });
      const full = estimatePlan(setup, { mode, remat }, { exact: true });
      assert.equal(fast.method.kind, 'extrapolated', `${label} ${mode} ${remat}: ${JSON.stringify(fast.method)}`);
      assert.equal(full.method.kind, 'traced');
      assert.deepEqual(numbers(fast), numbers(full), `${label} ${mode} ${remat}`);
    }
  }
}

test('MLP: the extrapolated plan equals the full trace at 6, 7 and 11 hidden layers, every remat, both modes', () => {
  for (const hidden of [6, 7, 11]) assertSameAsFullTrace(mlp(hidden), `mlp ${hidden}`);
});

test('transformer: the extrapolated plan equals the full trace at 6 layers, every remat, both modes', () => {
  assertSameAsFullTrace(transformer(6), 'transformer 6');
});

test('the plan along the layer axis equals exact plans at other layer counts', () => {
  const setup = transformer(8);
  const fast = estimatePlan(setup, { mode: 'standard', remat: 'step+block' });
  const axis = layerAxis(setup)!;
  for (const n of [2, 3, 7]) {
    assert.equal(fast.alongAxis!.peakAt(n), estimatePlan(axis.at(n), { mode: 'standard', remat: 'step+block' }, { exact: true }).peakBytes, `n = ${n}`);
  }
});

test('a schedule that is not periodic is traced in full, and says why', () => {
  const setup = mlp(7, { log_lr: Array<number>(16).fill(-2) });
  const p = estimatePlan(setup, { mode: 'mixflow', remat: 'none' });
  assert.equal(p.method.kind, 'traced');
  assert.match((p.method as { why?: string }).why ?? '', /periodic/);
  assert.deepEqual(numbers(p), numbers(estimatePlan(setup, { mode: 'mixflow', remat: 'none' }, { exact: true })));
});

test('a 1 000-layer d 8192 transformer is planned in seconds (CPU time < 5 s)', (t) => {
  const setup = parseSetup(absurdTransformer(1000, 4));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const p = estimatePlan(setup, { mode: 'mixflow', remat: 'block' });
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const wallS = (performance.now() - t0) / 1000;
  t.diagnostic(`1000-layer d8192 estimate: ${cpuS.toFixed(2)} s CPU, ${wallS.toFixed(2)} s wall (the machine is shared), peak ${p.peakBytes} B`);
  assert.equal(p.method.kind, 'extrapolated');
  assert.ok(cpuS < 5, `${cpuS} s of CPU`);
  // Parameters, Adam state and the inner steps' checkpoints alone are tens of TiB.
  assert.ok(p.peakBytes > 40 * 2 ** 40 && p.peakBytes < 200 * 2 ** 40, String(p.peakBytes));
  assert.ok(p.alongAxis!.peakAt(999) < p.peakBytes);
});
