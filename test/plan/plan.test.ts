/**
 * `mixflow plan`: plans over T composed from T = 3, 4, 5 against full traces at T = 8 (basic
 * policies: peak and FLOPs exact; revolve: peak exact, FLOPs within 2.5%); the choice (the
 * least FLOPs among those that fit); the budget syntax; the CLI's exit status 2 on bad input.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBytes } from '../../engine/core/bytes.js';
import type { Remat } from '../../engine/meta/remat.js';
import { planBudget } from '../../engine/plan/budget.js';
import { StepPlanner, tracePlan } from '../../engine/plan/overSteps.js';
import { parseSetup } from '../../engine/setup/validate.js';
import { parseArgs, UsageError } from '../../cli/args.js';
import { pickRemat } from '../../extension/features/fitBudget.js';
import { mixflow } from '../cli/mixflow.js';

const setup = (T: number) =>
  parseSetup({
    format: 'mixflow-setup/1',
    model: { kind: 'transformer', vocab: 6, d_model: 4, heads: 2, layers: 2, seq: 3, d_ff: 6 },
    loss: 'xent',
    theta0: { init: 'glorot', seed: 5 },
    optimizer: { kind: 'adam', b1: 0.9, b2: 0.99, eps: 1e-3 },
    inner: { synthetic: { seed: 7, batch: 3 }, steps: T },
    outer: { synthetic: { seed: 9, batch: 3 } },
    eta: { log_lr: -3 },
    wrt: ['theta0', 'example_logits'],
  });

test('plans composed over T equal full traces at T = 8 (revolve FLOPs within 2.5%)', () => {
  const s = setup(8);
  const planner = new StepPlanner(s, 0);
  for (const mode of ['standard', 'mixflow'] as const) {
    for (const remat of ['none', 'step+block', 'revolve:2', 'revolve:3+block'] as Remat[]) {
      const composed = planner.plan(mode, remat);
      const full = tracePlan(s, mode, remat);
      assert.equal(composed.method, 'extrapolated');
      assert.ok(composed.exact, `${mode} ${remat}: the traced points lie on a line`);
      assert.equal(composed.peakBytes, full.peakBytes, `${mode} ${remat} peak`);
      assert.equal(composed.inputBytes, full.inputBytes);
      if (remat.startsWith('revolve')) assert.ok(Math.abs(composed.flops / full.flops - 1) < 0.025, `${mode} ${remat} FLOPs ${composed.flops} vs ${full.flops}`);
      else assert.equal(composed.flops, full.flops, `${mode} ${remat} FLOPs`);
    }
  }
});

test('the budget plan: every policy in both modes, the cheapest that fits chosen', () => {
  const s = setup(4);
  const all = planBudget(s, Number.MAX_SAFE_INTEGER);
  assert.equal(all.plans.length, 2 * (4 + 2 * 3), 'none, step, block, step+block and revolve:1/2/3 (±block), per mode');
  const none = all.plans.filter((p) => p.remat === 'none');
  assert.deepEqual(all.chosen && [all.chosen.remat, all.chosen.flopsRatio], [all.chosen!.remat, 1]);
  assert.ok(none.some((p) => p === all.chosen), 'with room for everything, none (no recomputation) is cheapest');
  // A budget just above the smallest peak: only the leanest fits.
  const least = Math.min(...all.plans.map((p) => p.peakBytes));
  const tight = planBudget(s, least);
  const fitting = tight.plans.filter((p) => p.fits);
  assert.ok(fitting.length >= 1 && fitting.every((p) => p.peakBytes <= least));
  assert.equal(tight.chosen!.flops, Math.min(...fitting.map((p) => p.flops)));
  assert.equal(planBudget(s, least - 1).chosen, null);
});

test('budgets parse with units; the CLI refuses bad ones and bad K with exit 2', () => {
  assert.equal(parseBytes('80GiB'), 80 * 2 ** 30);
  assert.equal(parseBytes('512 MiB'), 512 * 2 ** 20);
  assert.equal(parseBytes('4GB'), 4e9);
  assert.equal(parseBytes('1e6'), 1e6);
  for (const bad of ['', 'GiB', '-1GiB', '4 XB', '0']) assert.equal(parseBytes(bad), null, bad);
  assert.throws(() => parseArgs(['plan', 'x.mixflow.json']), (e: unknown) => e instanceof UsageError && /--budget BYTES/.test(e.message));
  assert.throws(() => parseArgs(['plan', 'x.mixflow.json', '--budget', 'lots']), /--budget: expected a byte count/);
  assert.throws(() => parseArgs(['run', 'x.mixflow.json', '--remat', 'revolve:0']), /--remat: expected .*revolve:K/);
  assert.equal((parseArgs(['estimate', 'x.mixflow.json', '--remat', 'revolve:4+block']) as { options: { remat: string } }).options.remat, 'revolve:4+block');
  const r = mixflow('plan', 'engine/setup/examples/mlp-hyper.mixflow.json', '--budget', '12QB');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--budget/);
});

test('fit to budget: the cheapest policy under which both modes fit, else MixFlow\'s', () => {
  const row = (mode: 'standard' | 'mixflow', remat: string, flops: number, fits: boolean) => ({ mode, remat, flops, fits });
  assert.deepEqual(pickRemat([row('mixflow', 'none', 1, true), row('standard', 'none', 1, false), row('mixflow', 'block', 2, true), row('standard', 'block', 2, true)]), { remat: 'block', bothFit: true });
  assert.deepEqual(pickRemat([row('mixflow', 'block', 2, true), row('standard', 'block', 2, false)]), { remat: 'block', bothFit: false });
  assert.equal(pickRemat([row('mixflow', 'block', 2, false)]), null);
});
