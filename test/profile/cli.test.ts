/**
 * The profiler from the command line: `mixflow run SETUP --profile F`, `mixflow profile SETUP
 * [--compare]` (default output path), `mixflow profile F` on a corrupted or truncated file
 * (refused, exit 2), and `estimate --json` agreeing with the profile's peak.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProfile } from '../../engine/profile/validate.js';
import { ROOT } from './helpers.js';

const MLP = join(ROOT, 'engine/setup/examples/mlp-hyper.mixflow.json');
let dir = '';

function mixflow(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'mixflow.js'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, MIXFLOW_FROM_SOURCE: '1' },
    timeout: 180_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('mixflow CLI profiles', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'mixflow-profile-'));
    copyFileSync(MLP, join(dir, 'mlp.mixflow.json'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('run --profile F writes a valid profile; its peak is the run\'s and estimate\'s', () => {
    const r = mixflow('run', 'mlp.mixflow.json', '--mode', 'standard', '--remat', 'block', '--backend', 'cpu', '--json', '--profile', 'p.json');
    assert.equal(r.status, 0, r.stderr);
    const result = JSON.parse(r.stdout);
    const profile = parseProfile(readFileSync(join(dir, 'p.json'), 'utf8'));
    assert.equal(profile.runs.length, 1);
    const run = profile.runs[0]!;
    assert.equal(run.mode, 'standard');
    assert.equal(run.remat, 'block');
    assert.equal(run.backend, 'cpu');
    assert.equal(run.totals.peak_bytes, result.peak_bytes);
    assert.equal(run.totals.active_peak_bytes, result.active_peak_bytes);
    assert.ok(run.steps.ms !== null, 'ops were timed');
    assert.equal(profile.setup.path, 'mlp.mixflow.json');
    const e = mixflow('estimate', 'mlp.mixflow.json', '--mode', 'standard', '--remat', 'block', '--json');
    assert.equal(e.status, 0, e.stderr);
    const est = JSON.parse(e.stdout);
    assert.equal(est.peak_bytes, run.totals.peak_bytes);
    assert.equal(est.active_peak_bytes, run.totals.active_peak_bytes);
    assert.ok(!existsSync(join(dir, `p.json.${process.pid}.tmp`)));
  });

  test('profile --compare: both modes, same remat, one file at the default path; prints the ratio', () => {
    const r = mixflow('profile', 'mlp.mixflow.json', '--compare', '--remat', 'step', '--backend', 'cpu');
    assert.equal(r.status, 0, r.stderr);
    const out = join(dir, 'mlp.profile.json');
    assert.ok(existsSync(out), 'default <basename>.profile.json next to the setup');
    const profile = parseProfile(readFileSync(out, 'utf8'));
    assert.deepEqual(profile.runs.map((x) => [x.mode, x.remat]), [['standard', 'step'], ['mixflow', 'step']]);
    const c = profile.comparison!;
    assert.equal(c.peak_ratio, profile.runs[0]!.totals.peak_bytes / profile.runs[1]!.totals.peak_bytes);
    assert.match(r.stdout, /standard\s.*\n.*mixflow\s/);
    assert.ok(r.stdout.includes(`peak ×${c.peak_ratio.toFixed(2)}`), r.stdout);
    assert.ok(r.stdout.includes('mlp.profile.json'));

    // Showing an existing profile validates it.
    const s = mixflow('profile', 'mlp.profile.json');
    assert.equal(s.status, 0, s.stderr);
    assert.ok(s.stdout.includes(`peak ×${c.peak_ratio.toFixed(2)}`), s.stdout);
  });

  test('profile without --compare: the given mode only, to --profile FILE', () => {
    const r = mixflow('profile', 'mlp.mixflow.json', '--mode', 'mixflow', '--backend', 'cpu', '--profile', 'one.json', '--json');
    assert.equal(r.status, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.runs.length, 1);
    const profile = parseProfile(readFileSync(join(dir, 'one.json'), 'utf8'));
    assert.deepEqual(profile.runs.map((x) => x.mode), ['mixflow']);
    assert.equal(summary.runs[0].peak_bytes, profile.runs[0]!.totals.peak_bytes);
  });

  test('a truncated or corrupted profile is refused with a clear message (exit 2)', () => {
    const text = readFileSync(join(dir, 'p.json'), 'utf8');
    writeFileSync(join(dir, 'cut.profile.json'), text.slice(0, Math.floor(text.length / 2)));
    let r = mixflow('profile', 'cut.profile.json');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /cut\.profile\.json: not a valid mixflow-profile\/1 profile: at \$: expected complete JSON, got a file that stops after \d+ characters .*truncated/);

    const f = JSON.parse(text);
    f.runs[0].peak.by_category.residuals += 1000;
    writeFileSync(join(dir, 'bad.profile.json'), JSON.stringify(f));
    r = mixflow('profile', 'bad.profile.json');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /at \$\.runs\[0\]\.peak\.by_category: expected byte counts summing to the peak/);

    writeFileSync(join(dir, 'junk.profile.json'), text.replace('"steps": {', '"steps": {{'));
    r = mixflow('profile', 'junk.profile.json');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /syntax error at line \d+, column \d+.*corrupted/);
  });
});
