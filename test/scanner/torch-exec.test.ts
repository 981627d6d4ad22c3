/**
 * Every runnable PyTorch file in the corpus is rewritten, both versions are run
 * (torch.func mapped to functorch on PyTorch 1.13 by torch_func_shim.py) and
 * every number they print must agree to 1e-8 in float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewriteText } from '../../extension/scanner/index.js';
import { fixtures } from './corpus.js';

const SHIM = join(__dirname, 'torch_func_shim.py');
const INSTALL = 'PyTorch is required: run `apt-get update && apt-get install -y python3-torch` (`npm test` does, as root)';

/** Debian's /usr/bin/python3 first: `python3` on PATH may be a pyenv without torch. */
function findTorchPython(): { python: string; version: string } | null {
  for (const python of [process.env.MIXFLOW_TORCH_PYTHON, '/usr/bin/python3', 'python3', 'python'].filter((p): p is string => !!p)) {
    const probe = spawnSync(python, ['-c', 'import torch, sys\ntry:\n    import functorch; f = functorch.__version__\nexcept ImportError: f = "none"\nprint(torch.__version__, f)'], { encoding: 'utf8' });
    if (probe.status === 0) return { python, version: probe.stdout.trim() };
  }
  return null;
}

function numbers(output: string): number[] {
  return (output.match(/-?\d+\.\d+(?:e[-+]?\d+)?/gi) ?? []).map(Number);
}

function run(python: string, script: string): string {
  return execFileSync(python, [SHIM, script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

const runnable = fixtures().filter((f) => f.runnable);
const found = findTorchPython();

test('PyTorch is importable for the execution tests', () => {
  assert.ok(found, INSTALL);
  console.log(`# torch, functorch: ${found.version} (${found.python})`);
});

test('the corpus has runnable PyTorch files with rewritable sites', () => {
  assert.ok(runnable.length >= 6);
});

for (const fixture of runnable) {
  test(`run ${fixture.name}: the rewrite prints the same numbers (1e-8, float64)`, () => {
    assert.ok(found, INSTALL);
    const rewritten = rewriteText(fixture.path, fixture.text);
    assert.ok(rewritten.text !== null && rewritten.applied.length > 0, 'something was rewritten');
    const dir = mkdtempSync(join(tmpdir(), 'mixflow-rewrite-'));
    const file = join(dir, fixture.name.split('/').pop()!);
    writeFileSync(file, rewritten.text!);
    const before = numbers(run(found.python, fixture.path));
    const after = numbers(run(found.python, file));
    assert.ok(before.length > 0, 'the original prints numbers');
    assert.equal(after.length, before.length);
    before.forEach((b, i) => assert.ok(Math.abs(b - after[i]) <= 1e-8 * Math.max(1, Math.abs(b)), `number ${i}: ${b} vs ${after[i]}`));
  });
}
