/** The profiler's bench functions: the 24-layer setup file is the in-memory one; estimate rows are the static plan. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { benchEstimateAtScale, transformer24l } from '../../engine/bench/profiler.js';
import { estimateMeta } from '../../engine/meta/run.js';
import { loadSetup } from './helpers.js';

test('transformer-24l.mixflow.json is the bench configuration', () => {
  assert.deepEqual(loadSetup('engine/setup/examples/transformer-24l.mixflow.json'), transformer24l());
});

test('benchEstimateAtScale: both modes, static peaks, their ratio', async () => {
  const setup = loadSetup('engine/setup/examples/transformer-dataweight.mixflow.json');
  const r = await benchEstimateAtScale(setup, 'block');
  assert.deepEqual(r.rows.map((x) => x.mode), ['standard', 'mixflow']);
  for (const row of r.rows) assert.equal(row.peakBytes, estimateMeta(setup, { mode: row.mode, remat: 'block' }).memory.peakBytes);
  assert.equal(r.ratio, r.rows[0]!.peakBytes / r.rows[1]!.peakBytes);
  assert.ok(r.text.includes(`${r.ratio.toFixed(2)}×`), r.text);
});

test('benchModes: both modes run 3 times (interleaved), time is the median, every run kept for the spread', async () => {
  const { benchModes } = await import('../../engine/bench/metaBench.js');
  const { median } = await import('../../engine/bench/median.js');
  assert.equal(median([5, 1, 3]), 3);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  const setup = loadSetup('engine/setup/examples/mlp-hyper.mixflow.json');
  const order: string[] = [];
  const rows = await benchModes(setup, 'block', 'cpu', 'cpu', () => false, { runs: 3, onRun: (mode) => order.push(mode) });
  assert.deepEqual(rows.map((r) => r.mode), ['standard', 'mixflow']);
  // Each mode goes first in every other repetition.
  assert.deepEqual(order, ['standard', 'mixflow', 'mixflow', 'standard', 'standard', 'mixflow']);
  for (const r of rows) {
    assert.equal(r.run!.timesMs!.length, 3, r.label);
    assert.equal(r.run!.timeMs, median(r.run!.timesMs!));
    assert.equal(r.run!.peakBytes, estimateMeta(setup, { mode: r.mode as 'standard' | 'mixflow', remat: 'block' }).memory.peakBytes);
  }
  assert.ok(rows[1]!.maxRelDiff! < 1e-4);
});
