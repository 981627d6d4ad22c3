/**
 * The generated MAML CNN and "New Setup from Model…"'s template: the template names the
 * model, has synthetic batches of its input's shape, and is a valid setup whose plan the
 * engine makes; the generated network imports as PyTorch would export it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { mamlCnnOnnx } from '../../engine/export/onnx/mamlCnn.js';
import { OnnxImportError } from '../../engine/import/onnx/errors.js';
import { setupTemplate } from '../../engine/import/onnx/setupTemplate.js';
import { estimateMeta, runMeta } from '../../engine/meta/run.js';
import { materialise } from '../../engine/setup/materialise.js';
import { parseSetup } from '../../engine/setup/validate.js';
import { buildProfile, serialiseProfile } from '../../engine/profile/build.js';
import { parseProfile } from '../../engine/profile/validate.js';

const small = () => mamlCnnOnnx({ channels: 3, side: 8, classes: 4, blocks: 2, seed: 7 });

test('the setup template of an ONNX file is a valid setup with synthetic batches of the input shape', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-template-'));
  writeFileSync(join(dir, 'net.onnx'), small());
  const t = setupTemplate(small(), 'net.onnx');
  assert.deepEqual(t.input, ['B', 1, 8, 8]);
  assert.deepEqual(t.output, ['B', 4]);
  const setup = parseSetup(t.json, { baseDir: dir });
  assert.equal(setup.model.kind, 'onnx');
  if (setup.model.kind !== 'onnx') return;
  assert.deepEqual(setup.model.graph.segments.map((s) => s.key), ['block1', 'block2', 'Flatten', 'head']);
  const data = materialise(setup);
  assert.deepEqual(data.inner[0]!.x.shape, [8, 1, 8, 8]);
  assert.ok(Array.from(data.inner[0]!.y.data).every((c) => Number.isInteger(c) && c >= 0 && c < 4));
  // θ₀ is the file's float32 initializers; BatchNorm statistics are not parameters.
  assert.equal(setup.model.graph.params.length, 10);
  assert.ok(!setup.model.graph.params.some((p) => p.name.includes('running')));
  const opts = { mode: 'mixflow', remat: 'block' } as const;
  const run = await runMeta(setup, data, { ...opts, precision: 'float32', backend: 'cpu' });
  assert.equal(run.peakBytes, estimateMeta(setup, opts).memory.peakBytes);
  assert.ok(Number.isFinite(run.outerLoss) && run.outerLoss > 0);
  // Its profile is valid and shows the model's own module names as scopes.
  const profile = parseProfile(serialiseProfile(buildProfile('net.mixflow.json', setup, [run], [opts])));
  assert.deepEqual(profile.setup.model, { kind: 'onnx', file: 'net.onnx', nodes: 10, blocks: 4, input: [1, 8, 8], output: [4] });
  assert.ok(run.traced.graph.nodes.some((n) => n.scope === 'step/1/grad/block2/conv/Conv'), 'a node in scope step/1/grad/block2/conv/Conv');
});

test('the setup template refuses a truncated model, naming the problem', () => {
  assert.throws(() => setupTemplate(small().subarray(0, 300), 'net.onnx'), (e: unknown) => e instanceof OnnxImportError && /truncated or corrupt/.test(e.message));
});
