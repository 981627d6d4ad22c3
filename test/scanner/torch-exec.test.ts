/**
 * Every runnable PyTorch file in the corpus is rewritten, both versions are run
 * (torch.func mapped to functorch on PyTorch 1.13 by torch_func_shim.py) and
 * every number they print must agree to 1e-8 in float64.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewriteText } from '../../extension/scanner/index.js';
import { fixtures } from './corpus.js';
import { findTorchPython, TORCH_INSTALL as INSTALL } from '../torchPython.js';

const SHIM = join(__dirname, 'torch_func_shim.py');
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
