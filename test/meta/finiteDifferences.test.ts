import assert from 'node:assert/strict';
import { test } from 'node:test';
import { materialise } from '../../engine/setup/materialise.js';
import type { MetaName } from '../../engine/setup/types.js';
import { metaTensors, outerLoss64, randomSetup, rng, run64, tensorsOf } from './helpers.js';

/**
 * dV/dη·u against a central difference along a random direction u (the fourth-order
 * five-point stencil), for every meta-parameter kind, optimiser and model kind. Steps
 * h = 1e-3 … 1e-5 are tried and the closest kept: large h suffers from curvature (tiny
 * transformers' LayerNorms are sharply curved), small h from rounding on small gradients.
 */
test('float64 meta-gradients match central finite differences (1e-6)', async () => {
  let seed = 100;
  for (const kind of ['mlp', 'transformer'] as const) {
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      const setup = randomSetup({ kind, optimizer, seed: seed++ });
      const data = materialise(setup);
      const { metaGrads } = await run64(setup, 'mixflow', 'none', data);
      const loss = outerLoss64(setup);
      const r = rng(seed);
      for (const name of setup.wrt as MetaName[]) {
        const targets = metaTensors(data, name);
        const dirs = targets.map((t) => Float64Array.from(t.data, () => r() - 0.5));
        const grads = tensorsOf(metaGrads[name]);
        const analytic = grads.reduce((s, g, k) => s + g.data.reduce((a, v, i) => a + v * dirs[k][i], 0), 0);
        const original = targets.map((t) => t.data.slice());
        const at = (step: number) => {
          targets.forEach((t, k) => t.data.forEach((_, i) => (t.data[i] = original[k][i] + step * dirs[k][i])));
          return loss(data);
        };
        const estimates = [1e-3, 1e-4, 1e-5].map((h) => (at(-2 * h) - 8 * at(-h) + 8 * at(h) - at(2 * h)) / (12 * h));
        targets.forEach((t, k) => t.data.set(original[k]));
        const numeric = estimates.reduce((best, e) => (Math.abs(e - analytic) < Math.abs(best - analytic) ? e : best));
        const scale = Math.max(Math.abs(numeric), grads.reduce((s, g, k) => s + g.data.reduce((a, v, i) => a + Math.abs(v * dirs[k][i]), 0), 0));
        const err = Math.abs(analytic - numeric) / scale;
        assert.ok(err < 1e-6, `${kind} ${optimizer} ${name}: analytic ${analytic}, numeric ${numeric}, relative error ${err}`);
      }
    }
  }
});
