import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempFile } from './mixflow.js';

const BIN = join(__dirname, '../../bin/mixflow.js');
const FLAGSHIP = join(__dirname, '../../engine/setup/examples/transformer-flagship.mixflow.json');

test('Ctrl-C stops a long run cleanly: progress was shown, exit 130, no profile written', async () => {
  const profile = tempFile('', 'never.profile.json').replace('never.profile.json', 'out.profile.json');
  const child = spawn(process.execPath, [BIN, 'run', FLAGSHIP, '--backend', 'cpu', '--profile', profile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stdout += d));
  // Wait for the first progress line of the execution phase (after planning, materialising and
  // tracing: over a minute on a loaded 2-core machine), then interrupt.
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no progress within 180 s: ${stderr}`));
    }, 180_000);
    child.stderr.on('data', () => {
      if (/inner step \d+/.test(stderr)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  child.kill('SIGINT');
  const status = await new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  assert.equal(status, 130, stderr);
  assert.match(stderr, /cancelled/);
  assert.equal(stdout, '');
  assert.equal(existsSync(profile), false);
});
