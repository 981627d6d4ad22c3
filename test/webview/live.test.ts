/** What is live when, the diff of two profiles, round ticks, wording and profile file names: pure code on real profiles. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { byteTicks, memoryWords, speedWords } from '../../webview/format.js';
import { diffProfiles } from '../../webview/model/diff.js';
import { indexRun, liveAt, momentBreakdown, phaseBands, stepBands } from '../../webview/model/live.js';
import { profileFileName, profilesDir, recentProfiles } from '../../extension/profiles/profileFiles.js';
import { fixtureProfile } from './fixture.js';

const profile = fixtureProfile();

test('at the peak step the live values and categories are exactly the profile\'s; at every step they sum to the timeline', () => {
  for (const run of profile.runs) {
    const ix = indexRun(run);
    const atPeak = liveAt(ix, run.peak.step);
    assert.deepEqual(atPeak.map((v) => v.id).sort((a, b) => a - b), [...run.peak.live.id].sort((a, b) => a - b));
    const m = momentBreakdown(ix, run.peak.step);
    assert.deepEqual(m.byCategory, run.peak.by_category);
    assert.deepEqual(m.byBlock, run.peak.by_block);
    for (let s = 0; s < run.steps.node.length; s++) assert.equal(momentBreakdown(ix, s).bytes, run.steps.high_water_bytes[s], `${run.mode} step ${s}`);
  }
});

test('bands tile the run: inner steps and phases', () => {
  for (const run of profile.runs) {
    for (const bands of [stepBands(run), phaseBands(run), phaseBands(run, 20)]) {
      assert.equal(bands[0]!.from, 0);
      assert.equal(bands.at(-1)!.to, run.steps.node.length - 1);
      bands.forEach((b, i) => i > 0 && assert.equal(b.from, bands[i - 1]!.to + 1));
    }
    assert.ok(stepBands(run).some((b) => b.key === 'step/3'));
  }
  assert.ok(phaseBands(profile.runs[1]!).some((b) => b.key === 'mixed-mode backward'));
});

test('diff: matched by mode, deltas are b − a, sorted by what changed most', () => {
  const b = structuredClone(profile) as typeof profile;
  (b.runs[0]!.totals as { peak_bytes: number }).peak_bytes += 4096;
  const d = diffProfiles(profile, b);
  assert.deepEqual(d.map((x) => x.mode), ['standard', 'mixflow']);
  assert.equal(d[0]!.peak.delta, 4096);
  assert.equal(d[1]!.peak.delta, 0);
  const self = diffProfiles(profile, profile)[0]!;
  assert.ok(self.ops.every((x) => x.delta === 0));
  const abs = d[0]!.categories.map((x) => Math.abs(x.delta));
  assert.deepEqual(abs, [...abs].sort((p, q) => q - p));
});

test('round byte ticks and comparisons in words', () => {
  const t = byteTicks(23440);
  assert.deepEqual(t.values.map(t.label), ['0 KiB', '5 KiB', '10 KiB', '15 KiB', '20 KiB']);
  const g = byteTicks(3 * 1024 ** 3);
  assert.deepEqual(g.values.map(g.label), ['0 GiB', '1 GiB', '2 GiB', '3 GiB']);
  assert.equal(memoryWords(100, 200), '2.0× less memory');
  assert.equal(memoryWords(190, 100), '1.9× more memory');
  assert.equal(speedWords(190, 100), '1.9× slower');
  assert.equal(speedWords(50, 100), '2.0× faster');
});

test('profile files: named by setup, modes, remat and time; in .mixflow/profiles of the folder holding the setup; recent first', () => {
  const when = new Date(Date.UTC(2026, 10, 30, 1, 45, 2));
  assert.equal(profileFileName('/w/setups/mlp-hyper.mixflow.json', ['standard', 'mixflow'], 'step+block', when), 'mlp-hyper.standard+mixflow.step+block.20261130-014502.profile.json');
  assert.equal(profilesDir('/w/b/setups/x.mixflow.json', ['/w/a', '/w/b'], 'workspace'), '/w/b/.mixflow/profiles');
  assert.equal(profilesDir('/w/b/setups/x.mixflow.json', ['/w/a', '/w/b'], 'besideSetup'), '/w/b/setups/.mixflow/profiles');
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-recent-'));
  try {
    for (const [name, t] of [['a.profile.json', 1000], ['b.profile.json', 3000], ['c.json', 5000], ['d.profile.json', 2000]] as const) {
      writeFileSync(join(dir, name), '{}');
      utimesSync(join(dir, name), t, t);
    }
    assert.deepEqual(recentProfiles([dir, join(dir, 'missing')]).map((r) => r.path.slice(dir.length + 1)), ['b.profile.json', 'd.profile.json', 'a.profile.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
