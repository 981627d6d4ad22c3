/**
 * Models the ONNX import refuses, through the real command line: each exits 2, computes
 * nothing, and the message names the field, the file, what is wrong and where.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportedModels } from '../import/torchExport.js';
import { mixflow } from './mixflow.js';

const MODELS = ['mlp', 'refusals'];

function setupFor(dir: string, model: string): string {
  const path = join(dir, `${model.replace('.onnx', '')}.mixflow.json`);
  writeFileSync(path, JSON.stringify({
    format: 'mixflow-setup/1',
    model: { kind: 'onnx', file: model },
    loss: 'xent',
    optimizer: { kind: 'sgd' },
    inner: { synthetic: { seed: 1, batch: 2 }, steps: 1 },
    outer: { synthetic: { seed: 2, batch: 2 } },
    wrt: ['theta0'],
  }));
  return path;
}

const cases: [string, string, RegExp][] = [
  ['an unsupported op', 'unsupported.onnx', /\$\.model\.file.*"unsupported\.onnx".*node "\/Sin" \(Sin\): unsupported op "Sin"; supported ops: .*BatchNormalization.*Conv.*Gemm/],
  ['a model with two inputs', 'two_inputs.onnx', /\$\.model\.file.*"two_inputs\.onnx".*2 inputs that are not initializers \("onnx::Mul_0", "onnx::Mul_1"\).*exactly one/],
  ['dropout in training mode', 'dropout.onnx', /\$\.model\.file.*"dropout\.onnx".*node "\/drop\/Dropout" \(Dropout\): Dropout with ratio 0\.5 in training mode/],
  ['a truncated file', 'truncated.onnx', /\$\.model\.file.*"truncated\.onnx".*truncated or corrupt ONNX protobuf \(400 bytes/],
  ['a missing file', 'absent.onnx', /\$\.model\.file.*"absent\.onnx" \(no file at .*absent\.onnx\)/],
];

for (const [what, model, message] of cases) {
  test(`ONNX refusal: ${what} exits 2 naming what and where`, () => {
    const dir = exportedModels(MODELS);
    if (model === 'truncated.onnx') writeFileSync(join(dir, model), readFileSync(join(dir, 'mlp.onnx')).subarray(0, 400));
    const r = mixflow('run', setupFor(dir, model), '--json');
    assert.equal(r.status, 2, `exit status (stderr: ${r.stderr})`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing computed or printed');
  });
}

test('ONNX setup fields: block_depth and theta0 are checked with their JSON paths', () => {
  const dir = exportedModels(MODELS);
  const base = JSON.parse(readFileSync(join(dir, 'mlp.mixflow.json'), 'utf8'));
  const write = (edit: (s: Record<string, unknown>) => void): string => {
    const s = structuredClone(base);
    edit(s);
    const path = join(dir, 'edited.mixflow.json');
    writeFileSync(path, JSON.stringify(s));
    return path;
  };
  const depth = mixflow('run', write((s) => (s.model = { kind: 'onnx', file: 'mlp.onnx', block_depth: 0 })));
  assert.equal(depth.status, 2);
  assert.match(depth.stderr, /\$\.model\.block_depth.*positive integer/);
  const theta = mixflow('run', write((s) => (s.theta0 = { init: 'glorot', seed: 1 })));
  assert.equal(theta.status, 2);
  assert.match(theta.stderr, /\$\.theta0.*"from"/);
  const ok = mixflow('estimate', write((s) => (s.theta0 = { from: 'model' })), '--json');
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).format, 'mixflow-estimate/1');
});
