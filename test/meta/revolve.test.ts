/**
 * Binomial checkpointing of the inner steps (`revolve:K`): the schedule against Griewank's
 * closed form; float64 meta-gradients equal to `none` in both modes on an MLP and a
 * transformer; measured peak equal to the static plan; and the peak against the theory as K
 * shrinks:
 *
 *   active peak(T, K) = W + (H(T, K) − 1)·S
 *
 * S the bytes of one snapshot (θ_t and Adam's m_t, v_t: 3·|θ|·4), H = min(K, T − 1) the
 * snapshots the schedule holds at once (the first is θ₀, an input, hence − 1), and W the
 * activation term: the working set of reversing one step (its recomputed forward, the inner
 * backward pass and what the outer level keeps of it) plus the cotangents carried between
 * steps. W does not depend on K; `+block` lowers it (block remat inside each step) by the
 * same amount for every K. Checked exactly on the transformer (where the step's working set
 * is the largest thing alive) with wrt θ₀ and example_logits; with log_lr/log_wd in wrt each
 * nested region also keeps a partial sum of their (scalar) cotangents.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { estimateMeta } from '../../engine/meta/run.js';
import { griewankForwardSteps, revolveSchedule, usefulSnapshotCounts } from '../../engine/meta/revolve.js';
import { parseRemat, type Remat } from '../../engine/meta/remat.js';
import { paramSpecs } from '../../engine/setup/transformerParams.js';
import { parseSetup } from '../../engine/setup/validate.js';
import type { Setup } from '../../engine/setup/types.js';
import { relDiff, run32, run64 } from './helpers.js';
import { buildProfile, serialiseProfile } from '../../engine/profile/build.js';
import { parseProfile, validateProfile } from '../../engine/profile/validate.js';

const ALL_WRT = ['log_lr', 'log_wd', 'example_logits', 'theta0'];

function setupOf(kind: 'mlp' | 'transformer', T: number, wrt = ALL_WRT): Setup {
  const model =
    kind === 'mlp'
      ? { model: { kind: 'mlp', sizes: [3, 5, 2], activation: 'tanh' }, loss: 'mse', eta: { log_lr: [-2, -2.5, -2.2, -2.7], log_wd: -3 } }
      : { model: { kind: 'transformer', vocab: 6, d_model: 4, heads: 2, layers: 2, seq: 3, d_ff: 6 }, loss: 'xent', eta: { log_lr: -3, log_wd: -4 } };
  return parseSetup({
    format: 'mixflow-setup/1',
    theta0: { init: 'glorot', seed: 5 },
    optimizer: { kind: 'adam', b1: 0.9, b2: 0.99, eps: 1e-3 },
    inner: { synthetic: { seed: 7, batch: 3 }, steps: T },
    outer: { synthetic: { seed: 9, batch: 3 } },
    wrt,
    ...model,
  });
}

test('the schedule: its forward steps equal Griewank\'s optimum, at most K snapshots, every step reversed once', () => {
  for (let T = 1; T <= 40; T++) {
    for (let K = 1; K <= 8; K++) {
      const s = revolveSchedule(T, K);
      assert.equal(s.forwardSteps, griewankForwardSteps(T, Math.min(K, Math.max(1, T - 1))), `T ${T} K ${K}`);
      assert.equal(s.evaluations.reduce((a, b) => a + b, 0), s.forwardSteps);
      assert.ok(s.maxHeld <= K && s.evaluations.every((e) => e >= 1));
      const leaves: number[] = [];
      const walk = (n: typeof s.root): void => (n.kind === 'step' ? void leaves.push(n.t) : (walk(n.first), walk(n.rest)));
      walk(s.root);
      assert.deepEqual(leaves, [...Array(T).keys()], 'each step is one leaf, in order');
    }
  }
  assert.deepEqual(revolveSchedule(4, 1).evaluations, [4, 3, 2, 1]);
  assert.equal(revolveSchedule(64, 4).forwardSteps, 264);
  assert.deepEqual(usefulSnapshotCounts(64), [1, 2, 3, 4, 6, 10, 63]);
});

test('remat names: revolve:K and revolve:K+block parse, K must be a positive integer', () => {
  assert.equal(parseRemat('revolve:4+block'), 'revolve:4+block');
  assert.equal(parseRemat('step+block'), 'step+block');
  for (const bad of ['revolve:0', 'revolve:', 'revolve:-1', 'revolve:2.5', 'revolve:4+step', 'revolve', 'revolve:999999999']) assert.equal(parseRemat(bad), null, bad);
});

const CASES: { kind: 'mlp' | 'transformer'; T: number; Ks: number[] }[] = [
  { kind: 'mlp', T: 5, Ks: [1, 2] },
  { kind: 'mlp', T: 8, Ks: [3] },
  { kind: 'transformer', T: 4, Ks: [1, 2] },
  { kind: 'transformer', T: 6, Ks: [2] },
];

for (const { kind, T, Ks } of CASES) {
  test(`${kind}, T ${T}: float64 meta-gradients under revolve:${Ks.join('/')} equal none in both modes; measured peak = plan`, async () => {
    const setup = setupOf(kind, T);
    for (const mode of ['standard', 'mixflow'] as const) {
      const ref = await run64(setup, mode, 'none');
      for (const K of Ks) {
        for (const remat of [`revolve:${K}`, ...(K === Ks[0] ? [`revolve:${K}+block`] : [])] as Remat[]) {
          const r = await run64(setup, mode, remat);
          const d = relDiff(r.metaGrads, ref.metaGrads);
          assert.ok(d < 1e-10, `${mode} ${remat}: relative difference ${d}`);
          assert.ok(Math.abs(r.outerLoss - ref.outerLoss) < 1e-12);
          assert.equal(r.peakBytes, E.planMemory(r.sched).peakBytes, `${mode} ${remat}: measured peak = plan`);
          assert.ok(r.peakBytes < ref.peakBytes, `${mode} ${remat} keeps less than none`);
        }
      }
    }
  });
}

test('float32 on TF.js (cpu): measured peak under revolve:2+block equals the plan', async () => {
  const setup = setupOf('transformer', 5);
  const r = await run32(setup, 'mixflow', 'revolve:2+block');
  assert.equal(r.peakBytes, estimateMeta(setup, { mode: 'mixflow', remat: 'revolve:2+block' }).memory.peakBytes);
});

test('peak against the theory: active peak = W + (min(K, T−1) − 1)·S, W independent of K, +block lowering W', () => {
  const T = 6;
  const setup = setupOf('transformer', T, ['theta0', 'example_logits']);
  const S = 3 * 4 * paramSpecs(setup.model).reduce((n, p) => n + p.shape.reduce((a, b) => a * b, 1), 0);
  for (const mode of ['standard', 'mixflow'] as const) {
    const active = (remat: Remat) => estimateMeta(setup, { mode, remat }).memory.activePeakBytes;
    const W = active('revolve:1');
    const Wb = active('revolve:1+block');
    assert.ok(Wb < W || mode === 'standard', `${mode}: block remat lowers the working set (${Wb} vs ${W})`);
    for (let K = 1; K <= T; K++) {
      const H = Math.min(K, T - 1);
      assert.equal(revolveSchedule(T, K).maxHeld, H);
      assert.equal(active(`revolve:${K}` as Remat), W + (H - 1) * S, `${mode} revolve:${K}`);
      assert.equal(active(`revolve:${K}+block` as Remat), Wb + (H - 1) * S, `${mode} revolve:${K}+block`);
    }
  }
});

test('the profile records the schedule (snapshotted steps, evaluations) and the validator holds it to the policy', async () => {
  const setup = setupOf('mlp', 5);
  const run = await run64(setup, 'mixflow', 'revolve:2');
  const profile = buildProfile(null, setup, [run], [{ mode: 'mixflow', remat: 'revolve:2' }]);
  const s = profile.runs[0]!.inner_schedule!;
  assert.deepEqual([s.kind, s.snapshots, s.max_held, s.snapshotted, s.evaluations, s.forward_steps], ['revolve', 2, 2, [0, 1, 3], [3, 3, 2, 2, 1], 11]);
  const text = serialiseProfile(profile);
  assert.doesNotThrow(() => parseProfile(text));
  const tampered = JSON.parse(text);
  tampered.runs[0].inner_schedule.evaluations[4] = 2;
  assert.throws(() => validateProfile(tampered), /\$\.runs\[0\]\.inner_schedule\.evaluations/);
  const renamed = JSON.parse(text);
  renamed.runs[0].remat = 'revolve:0';
  assert.throws(() => validateProfile(renamed), /\$\.runs\[0\]\.remat.*revolve:K/);
});
