/** The profile runner's child process, for real: progress from stderr, the profile it writes, cancellation killing the process tree. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { estimateCli, nodeArgs, parseProgressLine, parseRefusal, profileArgs, runProfileCli, type ProfileProgress, type ProfileRunRequest } from '../../extension/features/cliProcess.js';
import { parseProfile } from '../../engine/profile/validate.js';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');

function request(setup: string, remat = 'block'): ProfileRunRequest {
  assert.ok(existsSync(CLI), 'dist/cli.js is missing: run `npm run build`');
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-runner-'));
  return { node: process.execPath, cli: CLI, setup: join(ROOT, setup), out: join(dir, 'out.profile.json'), remat, backend: 'cpu', cwd: ROOT };
}

test('progress lines of the CLI parse into mode, percent and overall progress', () => {
  assert.deepEqual(parseProgressLine('mixflow profile (standard): tracing and transforming'), { mode: 'standard', percent: null, overall: 0, message: 'standard: tracing and transforming' });
  assert.deepEqual(parseProgressLine('mixflow profile (mixflow): 40% · inner step 2, forward-mode tangents'), { mode: 'mixflow', percent: 40, overall: 70, message: 'mixflow: 40% · inner step 2, forward-mode tangents' });
  assert.equal(parseProgressLine('mixflow: setup file "x" does not exist'), null);
  assert.equal(parseProgressLine('Hi, looks like you are running TensorFlow.js in Node.js.'), null);
});

test('the arguments are the documented profile command', () => {
  const r = request('engine/setup/examples/mlp-hyper.mixflow.json');
  assert.deepEqual(profileArgs(r), ['profile', r.setup, '--compare', '--profile', r.out, '--remat', 'block', '--backend', 'cpu']);
  assert.deepEqual(nodeArgs(r), [CLI, ...profileArgs(r)]);
});

test('a real run reports progress for both modes and writes a valid comparison profile', async () => {
  const r = request('engine/setup/examples/mlp-hyper.mixflow.json');
  const progress: ProfileProgress[] = [];
  const lines: string[] = [];
  const result = await runProfileCli(r, { onProgress: (p) => progress.push(p), onStderrLine: (l) => lines.push(l) });
  assert.equal(result.code, 0, result.stderrTail.join('\n'));
  assert.equal(result.cancelled, false);
  assert.deepEqual([...new Set(progress.map((p) => p.mode))], ['standard', 'mixflow']);
  assert.ok(lines.length >= progress.length);
  assert.match(result.stdout, /standard\/mixflow: peak ×/);
  const profile = parseProfile(readFileSync(r.out, 'utf8'));
  assert.deepEqual(profile.runs.map((x) => [x.mode, x.remat, x.backend]), [['standard', 'block', 'cpu'], ['mixflow', 'block', 'cpu']]);
  assert.ok(profile.comparison && profile.comparison.peak_ratio > 1);
});

test('a bad setup fails with the CLI\'s message in the stderr tail', async () => {
  const r = request('engine/setup/examples/no-such.mixflow.json');
  const result = await runProfileCli(r);
  assert.equal(result.code, 2);
  assert.ok(result.stderrTail.some((l) => /^mixflow: setup file .* does not exist/.test(l)), result.stderrTail.join('\n'));
});

test('cancelling kills the process tree promptly and nothing is written', { skip: process.platform === 'win32' }, async () => {
  const r = request('engine/setup/examples/transformer-flagship.mixflow.json', 'none');
  const abort = new AbortController();
  let pid = 0;
  const started = Date.now();
  const result = await runProfileCli(r, { signal: abort.signal, onSpawn: (p) => (pid = p), onProgress: () => abort.abort() });
  const took = Date.now() - started;
  assert.equal(result.cancelled, true);
  assert.notEqual(result.code, 0);
  assert.ok(took < 30_000, `stopped after ${took} ms`);
  assert.ok(pid > 0);
  assert.throws(() => process.kill(-pid, 0), /ESRCH/, 'no process of the group is left');
  assert.deepEqual(readdirSync(join(r.out, '..')), [], 'no profile, no temporary file');
});

test('a setup that cannot fit is refused before running (exit 2): the refusal parses, progress showed planning, Open Estimate\'s plan runs', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-runner-'));
  const setup = join(dir, 'absurd.mixflow.json');
  writeFileSync(setup, JSON.stringify({
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 32000, d_model: 8192, heads: 64, layers: 300, seq: 2048, d_ff: 32768 },
    loss: 'xent', theta0: { init: 'glorot', seed: 0 }, optimizer: { kind: 'adam' },
    inner: { synthetic: { seed: 1, batch: 1 }, steps: 2 }, outer: { synthetic: { seed: 2, batch: 1 } }, eta: {}, wrt: ['example_logits'],
  }));
  const r = { ...request('engine/setup/examples/mlp-hyper.mixflow.json'), setup, backend: 'wasm' };
  const progress: ProfileProgress[] = [];
  const result = await runProfileCli(r, { onProgress: (p) => progress.push(p) });
  assert.equal(result.code, 2, result.stderrTail.join('\n'));
  assert.ok(progress.length > 0 && /^standard: planning memory from shapes/.test(progress[0]!.message), JSON.stringify(progress));
  const refusal = parseRefusal(result.stderrTail);
  assert.ok(refusal, result.stderrTail.join('\n'));
  assert.match(refusal.summary, /^refused before allocating anything: the standard meta-gradient with remat block is planned to peak at [\d.]+ TiB, more than the wasm backend's 4\.00 GiB heap/);
  assert.ok(refusal.details.some((d) => d.startsWith('No remat policy helps')), refusal.details.join('\n'));
  assert.equal(existsSync(r.out), false);
  assert.equal(parseRefusal(['mixflow: setup file "x" does not exist']), undefined);
  const plan = await estimateCli(r, 'mixflow');
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /planned +extrapolated to 300 layers from exact plans at 2, 3, 4/);
});
