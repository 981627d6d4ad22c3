/**
 * scripts/testDeps.mjs, the check `npm test` starts with, on a machine state without Chromium,
 * PyTorch, ONNX or code-server: its lookups pointed at empty places. Without root it must stop
 * within seconds, install nothing and print the one command to run; its dry run prints what
 * root would run. As root these tests drop to `nobody` (setpriv) so the refusal path is real.
 */
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

const ROOT = join(__dirname, '..', '..');
const isRoot = process.getuid?.() === 0;
/** code-server's native modules build against libkrb5-dev: asked for only when dpkg lacks it. */
const KRB = spawnSync('dpkg-query', ['-W', '-f=${Status}', 'libkrb5-dev'], { encoding: 'utf8' }).stdout?.includes('install ok installed') ? '' : ' libkrb5-dev';

/**
 * The scripts in a world-readable copy of the repository's layout (the repository itself may be
 * where `nobody` cannot read), with lookups at places where nothing is installed.
 */
function emptyMachine(): { repo: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-test-deps-'));
  const repo = join(dir, 'repo');
  const cache = join(dir, 'code-server-cache');
  for (const sub of ['scripts', '.ci']) mkdirSync(join(repo, sub), { recursive: true });
  for (const file of ['scripts/testDeps.mjs', 'scripts/test.mjs', '.ci/code-server.sh']) copyFileSync(join(ROOT, file), join(repo, file));
  mkdirSync(cache);
  for (const d of [dir, repo, join(repo, 'scripts'), join(repo, '.ci'), cache]) chmodSync(d, 0o755);
  return { repo, env: { MIXFLOW_CHROMIUM: join(dir, 'chromium'), MIXFLOW_TORCH_PYTHON: join(dir, 'python3'), MIXFLOW_CODE_SERVER_CACHE: cache } };
}

/**
 * How to run node without root: as this user, or as `nobody` (setpriv) when this is root. Where
 * `nobody` cannot run this node (installed under /root), check-only mode (MIXFLOW_TEST_DEPS=check) stands in for it.
 */
const asUser: { prefix: string[]; env: Record<string, string> } = (() => {
  if (!isRoot) return { prefix: [], env: {} };
  const prefix = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
  const probe = spawnSync(prefix[0]!, [...prefix.slice(1), process.execPath, '-e', '0'], { encoding: 'utf8' });
  const env: Record<string, string> = probe.status === 0 ? {} : { MIXFLOW_TEST_DEPS: 'check' };
  return { prefix: probe.status === 0 ? prefix : [], env };
})();

/** Runs `node script args…` in `repo` without root. */
function runAsUser(repo: string, script: string, args: string[], env: Record<string, string>): SpawnSyncReturns<string> & { ms: number } {
  const cmd = [...asUser.prefix, process.execPath, script, ...args];
  const t0 = Date.now();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { cwd: repo, encoding: 'utf8', env: { ...process.env, HOME: tmpdir(), ...asUser.env, ...env }, timeout: 60_000 });
  assert.equal(r.error, undefined, `could not start ${cmd.join(' ')}: ${r.error}`);
  return Object.assign(r, { ms: Date.now() - t0 });
}

test('without root and without Chromium, PyTorch, ONNX or code-server: stops in seconds with the one command to run', () => {
  const { repo, env } = emptyMachine();
  const r = runAsUser(repo, 'scripts/testDeps.mjs', [], env);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  assert.match(r.stdout, /✗ Chromium: .*chromium: missing/);
  assert.match(r.stdout, /✗ PyTorch and ONNX .*: missing \(torch, functorch, onnx\)/);
  assert.match(r.stdout, /✗ code-server [\d.]+: .*: missing/);
  const command = r.stdout.split('\n').filter((l) => l.startsWith('  sudo '));
  assert.deepEqual(command, [`  sudo apt-get update && sudo apt-get install -y chromium python3-torch python3-onnx${KRB} && MIXFLOW_CODE_SERVER_CACHE=${env.MIXFLOW_CODE_SERVER_CACHE} bash .ci/code-server.sh`]);
  assert.deepEqual(readdirSync(env.MIXFLOW_CODE_SERVER_CACHE!), [], 'nothing installed');
});

test('`node scripts/test.mjs` (what `npm test` runs) stops there too, before type-checking or testing', () => {
  const { repo, env } = emptyMachine();
  const r = runAsUser(repo, 'scripts/test.mjs', [], env);
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.ok(r.ms < 10_000, `took ${r.ms} ms`);
  assert.match(r.stdout, /Run this once, then `npm test` again/);
  assert.doesNotMatch(r.stdout, /type-checking|running the tests/);
});

test('a Python with PyTorch but not ONNX: only python3-onnx is asked for', () => {
  const { repo, env } = emptyMachine();
  // A stand-in interpreter answering the probe (the modules it lacks) as a real one would.
  writeFileSync(env.MIXFLOW_TORCH_PYTHON!, '#!/bin/sh\necho onnx\n');
  chmodSync(env.MIXFLOW_TORCH_PYTHON!, 0o755);
  const r = runAsUser(repo, 'scripts/testDeps.mjs', [], { ...env, MIXFLOW_CHROMIUM: '/bin/sh' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /✓ Chromium: \/bin\/sh: ok/);
  assert.match(r.stdout, /: missing \(onnx\)/);
  assert.ok(r.stdout.includes(`sudo apt-get install -y python3-onnx${KRB} && `), r.stdout);
});

test('the dry run prints what root would install, and installs nothing', () => {
  const { repo, env } = emptyMachine();
  const r = runAsUser(repo, 'scripts/testDeps.mjs', ['--dry-run'], env);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const plan = r.stdout.slice(r.stdout.indexOf('Dry run')).split('\n').slice(1).filter(Boolean).map((l) => l.trim());
  assert.deepEqual(plan.slice(0, 2), ['apt-get update', `env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium python3-torch python3-onnx${KRB}`]);
  assert.deepEqual(plan.slice(2), [`MIXFLOW_CODE_SERVER_CACHE=${env.MIXFLOW_CODE_SERVER_CACHE} bash .ci/code-server.sh`]);
  assert.deepEqual(readdirSync(env.MIXFLOW_CODE_SERVER_CACHE!), []);
});

test('with everything installed (the default lookups, after `npm test` installed them) it passes at once', () => {
  const r = spawnSync(process.execPath, ['scripts/testDeps.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.equal((r.stdout.match(/✓/g) ?? []).length, 3, r.stdout);
});
