import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ortAvailable, ORT_INSTALL_HINT } from '../../engine/exec/onnxruntime/runtime.js';
import { mixflow } from './mixflow.js';

const REF = join(__dirname, '../fixtures/spec/reference-01.mixflow.json');
const skip = ortAvailable() ? false : `onnxruntime-node is not installed (${ORT_INSTALL_HINT})`;

test('run --backend onnxruntime --json: the PyTorch oracle to float32 accuracy, memory from the plan (and said so)', { skip }, () => {
  const r = mixflow('run', REF, '--json', '--backend', 'onnxruntime', '--mode', 'mixflow', '--remat', 'block');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const expect = JSON.parse(readFileSync(REF.replace('.mixflow.json', '.expect.json'), 'utf8'));
  assert.equal(out.backend, 'onnxruntime');
  assert.equal(out.memory, 'planned');
  assert.ok(Math.abs(out.outer_loss - expect.outer_loss) < 1e-5 * Math.abs(expect.outer_loss));
  assert.ok(Math.abs(out.meta_grads.log_wd - expect.meta_grads.log_wd) < 1e-4 * Math.abs(expect.meta_grads.log_wd), `log_wd ${out.meta_grads.log_wd} vs ${expect.meta_grads.log_wd}`);
  for (const k of ['lower', 'sessions', 'run']) assert.equal(typeof out.onnxruntime_ms[k], 'number');
  const plan = JSON.parse(mixflow('estimate', REF, '--json', '--mode', 'mixflow', '--remat', 'block').stdout);
  assert.equal(out.peak_bytes, plan.peak_bytes);
  assert.equal(out.active_peak_bytes, plan.active_peak_bytes);
  const wasm = JSON.parse(mixflow('run', REF, '--json', '--backend', 'wasm', '--mode', 'mixflow', '--remat', 'block').stdout);
  assert.equal(wasm.memory, 'measured');
  assert.equal(wasm.peak_bytes, out.peak_bytes);
});

test('run --backend onnxruntime without onnxruntime-node: exit 2, saying how to install it', () => {
  const hide = join(__dirname, 'hideOnnxruntime.cjs');
  const r = mixflow.withEnv({ NODE_OPTIONS: `--require ${hide}` })('run', REF, '--backend', 'onnxruntime');
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /backend 'onnxruntime' needs the optional package onnxruntime-node/);
  assert.match(r.stderr, /npm install --ignore-scripts onnxruntime-node/);
  assert.equal(r.stdout, '');
});
