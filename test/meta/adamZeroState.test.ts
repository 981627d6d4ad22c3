import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSetup } from '../../engine/setup/validate.js';
import { relDiff, rng, run32, run64, tensorsOf } from './helpers.js';

/**
 * Adam with v̂ = 0: a dead relu unit never gets a gradient, so √v̂ sits at its kink. The
 * spec takes its derivative as 0 there: meta-gradients must be finite, in both modes and
 * precisions, and still agree. (With a plain √ the infinite derivative meets zero
 * cotangents, and the NaN spreads through the inner backward pass's matmuls.)
 */
test('Adam meta-gradients stay finite where v̂ = 0 (a dead relu unit)', async () => {
  const r = rng(11);
  const matrix = (rows: number, cols: number) => [...Array(rows)].map(() => [...Array(cols)].map(() => r() - 0.5));
  const setup = parseSetup({
    format: 'mixflow-setup/1',
    model: { kind: 'mlp', sizes: [3, 4, 2], activation: 'relu' },
    loss: 'mse',
    // Unit 1's bias keeps it below zero for every input: its weights' gradients are exactly 0.
    theta0: [{ w: matrix(3, 4), b: [0.1, -100, 0.1, 0.1] }, { w: matrix(4, 2), b: [0, 0] }],
    optimizer: { kind: 'adam', b1: 0.9, b2: 0.999, eps: 1e-8 },
    inner: { synthetic: { seed: 4, batch: 3 }, steps: 3 },
    outer: { synthetic: { seed: 5, batch: 3 } },
    eta: { log_lr: -3, log_wd: -5 },
    wrt: ['log_lr', 'log_wd', 'example_logits', 'theta0'],
  });
  const std = await run64(setup, 'standard', 'none');
  const mix = await run64(setup, 'mixflow', 'block');
  const f32 = await run32(setup, 'mixflow', 'none');
  for (const run of [std, mix, f32]) {
    for (const name of setup.wrt) {
      for (const t of tensorsOf(run.metaGrads[name])) assert.ok(t.data.every(Number.isFinite), `${name} has non-finite values`);
    }
  }
  assert.ok(relDiff(mix.metaGrads, std.metaGrads) < 1e-10);
});
