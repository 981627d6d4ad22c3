import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { mixflow, tempFile } from './mixflow.js';

const REF = join(__dirname, '../fixtures/spec/reference-01.mixflow.json');
const reference = () => JSON.parse(readFileSync(REF, 'utf8'));

test('run --json prints mixflow-result/1 with exactly the wrt names, matching PyTorch in float64', () => {
  const r = mixflow('run', REF, '--json', '--precision', 'float64', '--mode', 'standard');
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout);
  const expect = JSON.parse(readFileSync(REF.replace('.mixflow.json', '.expect.json'), 'utf8'));
  assert.equal(out.format, 'mixflow-result/1');
  assert.equal(out.mode, 'standard');
  assert.equal(out.remat, 'none');
  assert.equal(out.precision, 'float64');
  assert.deepEqual(Object.keys(out.meta_grads).sort(), [...reference().wrt].sort());
  assert.ok(Math.abs(out.outer_loss - expect.outer_loss) < 1e-12);
  assert.ok(Math.abs(out.meta_grads.log_wd - expect.meta_grads.log_wd) < 1e-10 * Math.abs(expect.meta_grads.log_wd));
  assert.equal(out.meta_grads.theta0[1].w.length, expect.meta_grads.theta0[1].w.length);
  for (const k of ['peak_bytes', 'active_peak_bytes', 'time_ms']) assert.equal(typeof out[k], 'number');
});

test('estimate --json equals the peak that run measures in float32, for each mode and remat', () => {
  for (const mode of ['standard', 'mixflow']) {
    for (const remat of ['none', 'step+block']) {
      const est = mixflow('estimate', REF, '--json', '--mode', mode, '--remat', remat);
      assert.equal(est.status, 0, est.stderr);
      const plan = JSON.parse(est.stdout);
      assert.equal(plan.format, 'mixflow-estimate/1');
      const run = JSON.parse(mixflow('run', REF, '--json', '--mode', mode, '--remat', remat, '--backend', 'cpu').stdout);
      assert.equal(plan.peak_bytes, run.peak_bytes, `${mode} ${remat}`);
      assert.equal(plan.active_peak_bytes, run.active_peak_bytes, `${mode} ${remat}`);
    }
  }
});

test('non-finite meta-gradients are printed as strings, never as numbers or null', () => {
  const setup = reference();
  setup.eta.log_lr = 12; // a learning rate of e^12 diverges
  setup.optimizer = { kind: 'sgd' };
  const r = mixflow('run', tempFile(setup), '--json', '--backend', 'cpu');
  assert.equal(r.status, 0, r.stderr);
  assert.ok(!/null/.test(r.stdout), 'no null in the output');
  assert.match(r.stdout, /"(NaN|Infinity|-Infinity)"/);
  const out = JSON.parse(r.stdout);
  const all = JSON.stringify(out.meta_grads);
  assert.ok(/"NaN"|"Infinity"|"-Infinity"/.test(all));
});
