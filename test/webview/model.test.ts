/** The panel's derived data on a real profile: the timeline's x axes and the peak breakdowns. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byCategory, byStep, compareStepKeys, topBlocks } from '../../webview/model/breakdown.js';
import { hasTimeAxis, stepAt, stepXs } from '../../webview/model/timeline.js';
import { fixtureProfile } from './fixture.js';

const profile = fixtureProfile();

test('timeline axes: ops, time and progress end where the run does; stepAt finds the op running at x', () => {
  assert.ok(hasTimeAxis(profile.runs));
  for (const run of profile.runs) {
    const n = run.steps.node.length;
    assert.equal(stepXs(run, 'ops')[n], n);
    assert.ok(Math.abs(stepXs(run, 'time')[n]! - run.totals.op_ms!) < 0.01, 'op_ms is written to the microsecond');
    assert.equal(stepXs(run, 'progress')[n], 1);
    const xs = stepXs(run, 'ops');
    assert.deepEqual([stepAt(xs, 0), stepAt(xs, 0.5), stepAt(xs, 7), stepAt(xs, n - 0.5), stepAt(xs, n + 3)], [0, 0, 7, n - 1, n - 1]);
  }
});

test('breakdowns: each run\'s segments tile its peak; step keys in order', () => {
  for (const b of [byCategory(profile.runs), byStep(profile.runs)]) {
    b.rows.forEach((row, i) => {
      assert.equal(row.total, profile.runs[i]!.peak.bytes);
      let offset = 0;
      for (const s of row.segments) {
        assert.ok(s.offset >= offset && s.bytes > 0);
        offset = s.offset + s.bytes;
      }
    });
  }
  assert.deepEqual(['outer', 'step/10', '(input)', 'step/2', '(top)'].sort(compareStepKeys), ['(input)', 'step/2', 'step/10', '(top)', 'outer']);
  const blocks = topBlocks(profile.runs, 5);
  assert.equal(blocks.length, 5);
  assert.ok(blocks.every((b, i) => i === 0 || Math.max(...b.bytes) <= Math.max(...blocks[i - 1]!.bytes)));
});
