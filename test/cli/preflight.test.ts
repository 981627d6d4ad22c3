/**
 * The pre-flight memory check from the command line: an absurd setup (300 layers, d 8192) is
 * refused by `run` and by `profile --compare` (what the editor runs) with exit 2 and the planned
 * peak, within seconds of CPU and without the process ever growing past 1 GiB (its peak RSS,
 * measured by the process itself at exit, and watched from outside meanwhile); a small setup
 * over MIXFLOW_MEMORY_LIMIT is refused the same way and `--force` runs it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mixflow, tempFile } from './mixflow.js';
import { absurdTransformer } from '../setup/fixtures.js';

const BIN = join(__dirname, '../../bin/mixflow.js');
const RUSAGE = join(__dirname, 'rusage.cjs');
const GIB = 2 ** 30;

const ABSURD = absurdTransformer(300, 2);

interface Measured {
  readonly status: number | null;
  readonly stderr: string;
  readonly maxRssBytes: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  /** Highest VmHWM seen from outside while it ran. */
  readonly watchedHwmBytes: number;
}

/** Runs the CLI, polling /proc/PID/status meanwhile (killing it past 1.5 GiB); it reports its own rusage at exit. */
function measured(args: string[]): Promise<Measured> {
  const report = tempFile('', 'rusage.json');
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--require', RUSAGE, BIN, ...args], { env: { ...process.env, MIXFLOW_TEST_RUSAGE: report }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdout.resume();
  let watched = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) watched = Math.max(watched, Number(m[1]) * 1024);
      if (watched > 1.5 * GIB) child.kill('SIGKILL');
    } catch {
      // exited, or not Linux
    }
  }, 50);
  return new Promise((resolve) => {
    child.on('close', (status) => {
      clearInterval(poll);
      const r = existsSync(report) && readFileSync(report, 'utf8') ? JSON.parse(readFileSync(report, 'utf8')) : { maxRssBytes: NaN, cpuMs: NaN };
      resolve({ status, stderr, ...r, wallMs: performance.now() - t0, watchedHwmBytes: watched });
    });
  });
}

function assertRefused(r: Measured, t: { diagnostic: (s: string) => void }): void {
  t.diagnostic(`exit ${r.status}, ${(r.cpuMs / 1000).toFixed(2)} s CPU, ${(r.wallMs / 1000).toFixed(2)} s wall (shared machine), peak RSS ${(r.maxRssBytes / 2 ** 20).toFixed(0)} MiB`);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /mixflow: refused before allocating anything: the (standard|mixflow) meta-gradient with remat \S+ is planned to peak at \d+(\.\d+)? TiB/);
  assert.match(r.stderr, /more than the wasm backend's 4\.00 GiB heap/);
  assert.match(r.stderr, /No remat policy helps: the parameters, η and batches alone take/);
  assert.match(r.stderr, /--force runs it anyway/);
  assert.ok(r.maxRssBytes < GIB, `peak RSS ${r.maxRssBytes} B`);
  assert.ok(r.watchedHwmBytes < GIB, `VmHWM ${r.watchedHwmBytes} B`);
  // A bound far from both sides: ~2–4 s of CPU alone, up to ~6 s beside the rest of the suite on
  // two shared cores; running the setup instead would take minutes and gigabytes (bounded above).
  assert.ok(r.cpuMs < 15_000, `${r.cpuMs} ms of CPU`);
}

test('run refuses an absurd setup in seconds, exit 2, with the planned peak, never past 1 GiB', async (t) => {
  const setup = tempFile(ABSURD);
  assertRefused(await measured(['run', setup, '--backend', 'wasm', '--remat', 'block']), t);
});

test('profile --compare (what the editor runs) refuses it the same way, before either mode runs', async (t) => {
  const setup = tempFile(ABSURD);
  const r = await measured(['profile', setup, '--compare', '--backend', 'wasm', '--remat', 'step+block']);
  assertRefused(r, t);
  assert.ok(!existsSync(setup.replace('.mixflow.json', '.profile.json')), 'no profile written');
});

test('a small setup over MIXFLOW_MEMORY_LIMIT is refused; --force runs it; without the limit it runs', () => {
  const setup = join(__dirname, '../fixtures/spec/reference-01.mixflow.json');
  // Its plan (after the graph passes): 8.05 KiB under remat none, 6.18 KiB under step+block; the inputs 1.84 KiB.
  const none = mixflow.withEnv({ MIXFLOW_MEMORY_LIMIT: '4KiB' })('run', setup, '--backend', 'cpu', '--json');
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, /planned to peak at 8\.05 KiB, more than the 4\.00 KiB that MIXFLOW_MEMORY_LIMIT allows/);
  assert.match(none.stderr, /Other remat policies \(mixflow\): step\+block 6\.18 KiB, step 6\.17 KiB, block 8\.05 KiB: none fits/);
  const env = { MIXFLOW_MEMORY_LIMIT: '7KiB' };
  const refused = mixflow.withEnv(env)('run', setup, '--backend', 'cpu', '--json');
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /step\+block 6\.18 KiB \(fits\), step 6\.17 KiB \(fits\), block 8\.05 KiB\./);
  assert.equal(refused.stdout, '');
  const forced = mixflow.withEnv(env)('run', setup, '--backend', 'cpu', '--json', '--force');
  assert.equal(forced.status, 0, forced.stderr);
  const plain = mixflow('run', setup, '--backend', 'cpu', '--json');
  assert.equal(plain.status, 0, plain.stderr);
  assert.equal(JSON.parse(forced.stdout).peak_bytes, JSON.parse(plain.stdout).peak_bytes);
  assert.equal(JSON.parse(forced.stdout).outer_loss, JSON.parse(plain.stdout).outer_loss);
});
