/** The panel's derived data on a real profile: timeline points, peak breakdowns, the op table. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byCategory, byStep, compareStepKeys, topBlocks } from '../../webview/model/breakdown.js';
import { opRows, sortOpRows } from '../../webview/model/ops.js';
import { hasTimeAxis, timelineSeries } from '../../webview/model/timeline.js';
import { fixtureProfile } from './fixture.js';

const profile = fixtureProfile();

test('timeline: reduced to at most maxPoints (+ the start), the peak kept exactly where it is', () => {
  assert.ok(hasTimeAxis(profile.runs));
  for (const run of profile.runs) {
    for (const axis of ['ops', 'time'] as const) {
      for (const maxPoints of [50, 1200]) {
        const s = timelineSeries(run, axis, maxPoints);
        assert.ok(s.points.length <= maxPoints + 1);
        assert.deepEqual(s.points[0], { x: 0, y: run.totals.input_bytes });
        assert.equal(Math.max(...s.points.map((p) => p.y)), run.peak.bytes);
        assert.ok(s.points.some((p) => p.x === s.peak.x && p.y === s.peak.y), 'the peak is a point of the line');
        assert.ok(s.points.every((p, i) => i === 0 || p.x > s.points[i - 1]!.x || (axis === 'time' && p.x === s.points[i - 1]!.x)), 'x increases');
      }
    }
    assert.equal(timelineSeries(run, 'ops').xMax, run.totals.executed_ops);
    assert.equal(timelineSeries(run, 'ops').peak.x, run.peak.step + 1);
    assert.ok(Math.abs(timelineSeries(run, 'time').xMax - run.totals.op_ms!) < 0.01, 'op_ms is written to the microsecond');
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

test('op table: counts and bytes add up to the run totals; sorting by any column', () => {
  const rows = opRows(profile.runs);
  profile.runs.forEach((run, i) => {
    assert.equal(rows.reduce((s, r) => s + r.runs[i]!.count, 0), run.totals.executed_ops);
    assert.equal(rows.reduce((s, r) => s + r.runs[i]!.allocated, 0), run.totals.allocated_bytes);
    assert.equal(rows.reduce((s, r) => s + r.runs[i]!.atPeak, 0), run.peak.bytes - run.peak.by_op.input!);
  });
  const byAlloc = sortOpRows(rows, { by: 'allocated', run: 1, descending: true });
  assert.ok(byAlloc.every((r, i) => i === 0 || r.runs[1]!.allocated <= byAlloc[i - 1]!.runs[1]!.allocated));
  const byName = sortOpRows(rows, { by: 'op', descending: true });
  assert.deepEqual(byName.map((r) => r.op), rows.map((r) => r.op).sort().reverse());
});
