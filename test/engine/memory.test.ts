/**
 * Memory accounting against TF.js's own counter: at every step of a real gradient
 * computation, on the cpu and wasm backends, the executor's accounted live bytes equal
 * the growth of `tf.memory().numBytes`, and the static plan equals the measured profile.
 *
 * Baseline: `runTfjs` uploads the inputs itself (first thing, before `interpret`), and the
 * accounted `highWaterBytes`/`liveBytes` include `inputBytes`, so the right baseline is
 * `tf.memory().numBytes` just before `runTfjs` is called. After it returns, the inputs and
 * outputs are disposed again, so the counter must be back at that baseline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as E from '../../engine/index.js';
import { sizeOf } from '../../engine/core/shape.js';
import { f32, hostInputs, i32, randInt, rng, uniform, type Input } from './helpers.js';

const rand = rng(99);
const gen = (shape: number[], lo = -1, hi = 1) => f32(shape, uniform(rand, sizeOf(shape), lo, hi));

/** Embedding → 2 tanh layers → layerNorm → softmax cross-entropy; gradient w.r.t. every parameter. */
function model(emb: E.Tensor, w1: E.Tensor, b1: E.Tensor, w2: E.Tensor, g: E.Tensor, wo: E.Tensor, ids: E.Tensor, labels: E.Tensor) {
  const x = E.reshape(E.gather(emb, ids), [16, 32]); // 16 examples × (4 tokens × 8)
  const h1 = E.tanh(E.add(E.matmul(x, w1), b1));
  const h2 = E.layerNorm(E.tanh(E.matmul(h1, w2)), g, E.zeros([48]));
  const logits = E.matmul(h2, wo);
  return E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits), E.oneHot(labels, 10)), [-1])));
}

const INPUTS: Input[] = [
  gen([20, 8]),
  gen([32, 64], -0.3, 0.3),
  gen([64], -0.1, 0.1),
  gen([64, 48], -0.3, 0.3),
  gen([48], 0.5, 1.5),
  gen([48, 10], -0.3, 0.3),
  i32([64], Array.from({ length: 64 }, () => randInt(rand, 0, 19))),
  i32([16], Array.from({ length: 16 }, () => randInt(rand, 0, 9))),
];

function gradSchedule(): E.Schedule {
  const { graph } = E.traceGraph(
    (...xs: E.Tensor[]) => {
      const [loss, grads] = E.valueAndGrad(model as (...a: E.Tensor[]) => E.Tensor, [0, 1, 2, 3, 4, 5])(...xs);
      return [loss, ...(grads as E.Tensor[])];
    },
    INPUTS.map((i) => ({ shape: [...i.shape], dtype: i.dtype })),
  );
  return E.schedule(graph);
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: accounted live bytes equal tf.memory().numBytes growth at every step of a gradient`, async () => {
    assert.equal(await E.useBackend(backend), backend);
    assert.equal(tf.getBackend(), backend);
    const sched = gradSchedule();
    assert.ok(sched.order.length > 80, `a real gradient graph (${sched.order.length} steps)`);
    const seen: { step: number; phase: 'ran' | 'released'; bytes: number }[] = [];
    const baseline = tf.memory().numBytes;
    const res = E.runTfjs(sched, hostInputs(INPUTS), {
      onStep: (e) => seen.push({ step: e.step, phase: e.phase, bytes: tf.memory().numBytes - baseline }),
    });
    assert.equal(tf.memory().numBytes, baseline, 'everything the run allocated is released');
    assert.equal(seen.length, 2 * sched.order.length, 'two events per step');
    const steps = res.memory.steps;
    for (const s of seen) {
      const want = s.phase === 'ran' ? steps[s.step].highWaterBytes : steps[s.step].liveBytes;
      assert.equal(s.bytes, want, `step ${s.step} (${sched.order[s.step].op}) at '${s.phase}'`);
    }
    // Inputs: 4 bytes per element, int32 ids included.
    assert.equal(res.memory.inputBytes, INPUTS.reduce((n, i) => n + 4 * i.data.length, 0));
    // The measured peak is the largest counter value observed, and the static plan predicts it all.
    const measuredPeak = Math.max(res.memory.inputBytes, ...seen.map((s) => s.bytes));
    assert.equal(res.memory.peakBytes, measuredPeak);
    const plan = E.planMemory(sched);
    assert.equal(plan.peakBytes, measuredPeak, 'static plan peak = measured peak');
    assert.equal(plan.peakStep, res.memory.peakStep);
    assert.deepEqual(plan.steps, res.memory.steps, 'static plan = measured profile, step by step');
    assert.ok(res.memory.peakBytes > res.memory.inputBytes);
    // The run computed the right thing: loss and gradients agree with the float64 executor.
    const refOut = E.runRef(sched, hostInputs(INPUTS)).outputs;
    refOut.forEach((o, k) => {
      const err = Math.max(...o.data.map((v, i) => Math.abs(v - res.outputs[k][i])));
      assert.ok(err <= 1e-5 * Math.max(1e-30, ...o.data.map(Math.abs)), `output ${k} (err ${err})`);
    });
  });

  test(`${backend}: a failing run releases everything it allocated`, async () => {
    assert.equal(await E.useBackend(backend), backend);
    const sched = gradSchedule();
    const baseline = tf.memory().numBytes;
    let n = 0;
    assert.throws(() => E.runTfjs(sched, hostInputs(INPUTS), { shouldStop: () => ++n > 40 }), E.Cancelled);
    assert.equal(tf.memory().numBytes, baseline);
  });
}

test('planMemory needs only shapes and matches runRef accounting', () => {
  const sched = gradSchedule();
  const plan = E.planMemory(sched);
  const refRun = E.runRef(sched, hostInputs(INPUTS));
  assert.deepEqual(plan, refRun.memory);
  // Live bytes never go below the inputs, which are held throughout.
  for (const s of plan.steps) assert.ok(s.liveBytes >= plan.inputBytes);
  // The values held at the peak account for exactly the peak.
  const bytesAtPeak = plan.liveAtPeak.reduce((n, id) => n + 4 * sizeOf(sched.avalOf.get(id)!.shape), 0);
  assert.equal(bytesAtPeak, plan.peakBytes);
});
