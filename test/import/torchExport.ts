/**
 * Runs onnx_reference.py once per test process with Debian's PyTorch: exports the test
 * models to ONNX in a temporary folder, with their setups and PyTorch's reference numbers.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findTorchPython } from '../torchPython.js';

export const INSTALL = 'PyTorch and ONNX are required: run `apt-get update && apt-get install -y python3-torch python3-onnx`';

const exported = new Map<string, string>();

/**
 * The folder holding NAME.onnx, NAME.mixflow.json and NAME.expect.json for the named test
 * models (all by default; `refusals` exports the models the importer must refuse).
 */
export function exportedModels(names: readonly string[] = []): string {
  const key = names.join(',');
  const done = exported.get(key);
  if (done) return done;
  const python = findTorchPython(['onnx'])?.python;
  if (!python) throw new Error(INSTALL);
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-onnx-'));
  const r = spawnSync(python, [join(__dirname, 'onnx_reference.py'), dir, ...names], { encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`onnx_reference.py failed (${r.status}):\n${r.stderr}`);
  exported.set(key, dir);
  return dir;
}
