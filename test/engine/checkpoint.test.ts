/**
 * `checkpoint` trades recomputation for memory: it lowers the measured peak of a deep
 * network's gradient (TF.js cpu executor, whose accounting memory.test.ts checks against
 * tf.memory()) while the gradient stays equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import * as E from '../../engine/index.js';
import { sizeOf } from '../../engine/core/shape.js';
import { assertClose, f32, fixed, hostInputs, rng, uniform, type Input } from './helpers.js';

const rand = rng(31337);
const gen = (shape: number[], lo: number, hi: number) => f32(shape, uniform(rand, sizeOf(shape), lo, hi));

const DEPTH = 16;
const WIDTH = 32;
const BATCH = 256;
const SEGMENT = 4;

type Layer = { w: E.Tensor; b: E.Tensor };
const layer = (h: E.Tensor, p: Layer) => E.tanh(E.add(E.matmul(h, p.w), p.b));

/** A deep tanh MLP with an MSE loss; `segment` layers per checkpointed region (0: none). */
function mlpLoss(segment: number) {
  return (params: Layer[], x: E.Tensor, y: E.Tensor): E.Tensor => {
    let h = x;
    if (segment === 0) {
      for (const p of params) h = layer(h, p);
    } else {
      for (let s = 0; s < params.length; s += segment) {
        const chunk = params.slice(s, s + segment);
        h = E.checkpoint((hin: E.Tensor, ps: Layer[]) => ps.reduce(layer, hin))(h, chunk);
      }
    }
    return E.mean(E.pow(E.sub(h, y), 2));
  };
}

const PARAMS: Input[] = Array.from({ length: DEPTH }, () => [gen([WIDTH, WIDTH], -0.25, 0.25), gen([WIDTH], -0.1, 0.1)]).flat();
const DATA: Input[] = [fixed([BATCH, WIDTH], uniform(rand, BATCH * WIDTH)), fixed([BATCH, WIDTH], uniform(rand, BATCH * WIDTH, -0.5, 0.5))];
const INPUTS = [...PARAMS, ...DATA];

function gradSchedule(loss: (params: Layer[], x: E.Tensor, y: E.Tensor) => E.Tensor): E.Schedule {
  const { graph } = E.traceGraph(
    (...xs: E.Tensor[]) => {
      const params = Array.from({ length: DEPTH }, (_, i) => ({ w: xs[2 * i], b: xs[2 * i + 1] }));
      const [x, y] = xs.slice(2 * DEPTH);
      const [value, g] = E.valueAndGrad(loss)(params, x, y);
      return [value, ...(g as Layer[]).flatMap((p) => [p.w, p.b])];
    },
    INPUTS.map((i) => ({ shape: [...i.shape], dtype: i.dtype })),
  );
  return E.schedule(graph);
}

test('checkpoint lowers the measured peak of a deep MLP gradient; the gradient stays equal', async () => {
  assert.equal(await E.useBackend('cpu'), 'cpu');
  const plain = gradSchedule(mlpLoss(0));
  const ckpt = gradSchedule(mlpLoss(SEGMENT));
  assert.ok(ckpt.order.some((n) => n.origin === 'remat'), 'the checkpointed graph recomputes');
  assert.ok(!plain.order.some((n) => n.origin === 'remat'));
  assert.ok(ckpt.order.length > plain.order.length, 'recomputation costs extra nodes');

  const base = tf.memory().numBytes;
  const runPlain = E.runTfjs(plain, hostInputs(INPUTS));
  const runCkpt = E.runTfjs(ckpt, hostInputs(INPUTS));
  assert.equal(tf.memory().numBytes, base);

  // Measured peaks (bytes of buffers TF.js really held) and the static plans agree.
  assert.equal(E.planMemory(plain).peakBytes, runPlain.memory.peakBytes);
  assert.equal(E.planMemory(ckpt).peakBytes, runCkpt.memory.peakBytes);
  const act = BATCH * WIDTH * 4;
  const saved = runPlain.memory.activePeakBytes - runCkpt.memory.activePeakBytes;
  assert.ok(
    // 16 layers keep ~16 activations; 4 segments of 4 keep 4 boundaries + 4 recomputed.
    saved >= 6 * act,
    `checkpointing should save several activations: plain active peak ${runPlain.memory.activePeakBytes} B, ` +
      `checkpointed ${runCkpt.memory.activePeakBytes} B (one activation is ${act} B)`,
  );
  assert.ok(runCkpt.memory.peakBytes < runPlain.memory.peakBytes);

  // Same gradient: float32 runs agree closely, float64 runs to rounding.
  runPlain.outputs.forEach((o, k) => assertClose(runCkpt.outputs[k], o, 1e-6, `float32 output ${k}`));
  const data = INPUTS.map((i) => ({ shape: i.shape, data: i.data }));
  const refPlain = E.runRef(plain, data).outputs;
  const refCkpt = E.runRef(ckpt, data).outputs;
  refPlain.forEach((o, k) => assertClose(refCkpt[k].data, o.data, 1e-12, `float64 output ${k}`));
  assert.ok(Math.max(...refPlain[1].data.map(Math.abs)) > 1e-6, 'gradients are not vanishing');
});

test('checkpointed gelu blocks: lower peak, equal gradient, also under jvp and grad-of-grad', async () => {
  assert.equal(await E.useBackend('cpu'), 'cpu');
  // Residual blocks x + W2·gelu(W1·x) with a 4× hidden width: many large temporaries per block.
  const block = (x: E.Tensor, w1: E.Tensor, w2: E.Tensor) => E.add(x, E.matmul(E.gelu(E.matmul(x, w1)), w2));
  const net = (remat: boolean) => (ws: E.Tensor[], x: E.Tensor) => {
    let h = x;
    for (let i = 0; i < ws.length; i += 2) h = (remat ? E.checkpoint(block) : block)(h, ws[i], ws[i + 1]);
    return E.mean(E.pow(h, 2));
  };
  const ins: Input[] = [
    ...Array.from({ length: 3 }, () => [gen([16, 64], -0.2, 0.2), gen([64, 16], -0.2, 0.2)]).flat(),
    fixed([32, 16], uniform(rand, 512)),
  ];
  const avals = ins.map((i) => ({ shape: [...i.shape], dtype: i.dtype }));
  const grads = (remat: boolean) =>
    E.schedule(E.traceGraph((...xs: E.Tensor[]) => E.grad(net(remat))(xs.slice(0, 6), xs[6]) as E.Tensor[], avals).graph);
  const [a, b] = [grads(false), grads(true)];
  const [ra, rb] = [E.runTfjs(a, hostInputs(ins)), E.runTfjs(b, hostInputs(ins))];
  assert.ok(rb.memory.peakBytes < ra.memory.peakBytes, `peak ${rb.memory.peakBytes} < ${ra.memory.peakBytes}`);
  const data = ins.map((i) => ({ shape: i.shape, data: i.data }));
  const [fa, fb] = [E.runRef(a, data).outputs, E.runRef(b, data).outputs];
  fa.forEach((o, k) => assertClose(fb[k].data, o.data, 1e-12, `gradient ${k}`));

  // Higher order through the checkpoint: HVP fwd-over-rev and rev-over-rev, with and without remat.
  const v = fixed([16, 64], uniform(rand, 1024));
  const hvps = (remat: boolean) => {
    const ins2 = [...ins, v];
    const c = E.traceGraph(
      (...xs: E.Tensor[]) => {
        const g = (w0: E.Tensor) => (E.grad(net(remat))([w0, ...xs.slice(1, 6)], xs[6]) as E.Tensor[])[0];
        const fr = E.jvp(g, [xs[0]], [xs[7]])[1] as E.Tensor;
        const rr = E.grad((w0: E.Tensor) => E.sum(E.mul(g(w0), xs[7])))(xs[0]) as E.Tensor;
        return [fr, rr];
      },
      ins2.map((i) => ({ shape: [...i.shape], dtype: i.dtype })),
    );
    return E.runRef(E.schedule(c.graph), ins2.map((i) => ({ shape: i.shape, data: i.data }))).outputs;
  };
  const [plainH, rematH] = [hvps(false), hvps(true)];
  assertClose(plainH[1].data, plainH[0].data, 1e-10, 'HVP rev-over-rev vs fwd-over-rev');
  assertClose(rematH[0].data, plainH[0].data, 1e-10, 'fwd-over-rev HVP through checkpoint');
  assertClose(rematH[1].data, plainH[0].data, 1e-10, 'rev-over-rev HVP through checkpoint');
});
