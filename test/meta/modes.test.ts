import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REMATS } from '../../engine/meta/problem.js';
import { parseSetup } from '../../engine/setup/validate.js';
import { randomSetup, relDiff, run32, run64 } from './helpers.js';

const EXAMPLES = join(__dirname, '../../engine/setup/examples');
const SPEC = join(__dirname, '../fixtures/spec');
const small = ['mlp-hyper.mixflow.json', 'transformer-dataweight.mixflow.json'];

test('reference setups: every mode and remat policy matches PyTorch float64 (1e-10) and each other', async () => {
  for (const f of readdirSync(SPEC).filter((n) => n.endsWith('.mixflow.json'))) {
    const setup = parseSetup(JSON.parse(readFileSync(join(SPEC, f), 'utf8')));
    const expect = JSON.parse(readFileSync(join(SPEC, f.replace('.mixflow.json', '.expect.json')), 'utf8'));
    for (const remat of REMATS) {
      for (const mode of ['standard', 'mixflow'] as const) {
        const r = await run64(setup, mode, remat);
        assert.ok(Math.abs(r.outerLoss - expect.outer_loss) < 1e-10 * Math.abs(expect.outer_loss), `${f} ${mode} ${remat} loss`);
        const got = { ...r.metaGrads } as Record<string, unknown>;
        const flat = (x: unknown): number[] => (Array.isArray(x) ? x.flatMap(flat) : typeof x === 'object' && x !== null && 'data' in x ? Array.from((x as { data: Float64Array }).data) : typeof x === 'object' && x !== null ? Object.values(x).flatMap(flat) : [x as number]);
        for (const name of setup.wrt) {
          const a = flat(got[name]);
          const b = flat(expect.meta_grads[name]);
          assert.equal(a.length, b.length, `${f} ${name} length`);
          const scale = Math.max(...b.map(Math.abs));
          const err = Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
          assert.ok(err < 1e-10, `${f} ${mode} ${remat} ${name}: relative error ${err}`);
        }
      }
    }
  }
});

test('bundled examples: mixflow equals standard in float64 (1e-10) and float32 (1e-5)', async () => {
  for (const f of small) {
    const setup = parseSetup(JSON.parse(readFileSync(join(EXAMPLES, f), 'utf8')));
    for (const remat of REMATS) {
      const d64 = relDiff((await run64(setup, 'mixflow', remat)).metaGrads, (await run64(setup, 'standard', remat)).metaGrads);
      assert.ok(d64 < 1e-10, `${f} ${remat} float64: ${d64}`);
    }
    const d32 = relDiff((await run32(setup, 'mixflow', 'block')).metaGrads, (await run32(setup, 'standard', 'block')).metaGrads);
    assert.ok(d32 < 1e-5, `${f} float32: ${d32}`);
  }
});

test('random small setups: mixflow equals standard, both model kinds, every optimiser', async () => {
  let seed = 1;
  for (const kind of ['mlp', 'transformer'] as const) {
    for (const optimizer of ['sgd', 'momentum', 'adam'] as const) {
      const setup = randomSetup({ kind, optimizer, seed: seed++ });
      const remat = REMATS[seed % REMATS.length];
      const std = await run64(setup, 'standard', remat);
      const mix = await run64(setup, 'mixflow', remat);
      const d64 = relDiff(mix.metaGrads, std.metaGrads);
      assert.ok(d64 < 1e-10, `${kind} ${optimizer} ${remat} float64: ${d64}`);
      const d32 = relDiff((await run32(setup, 'mixflow', remat)).metaGrads, (await run32(setup, 'standard', remat)).metaGrads);
      assert.ok(d32 < 1e-5, `${kind} ${optimizer} ${remat} float32: ${d32}`);
    }
  }
});
