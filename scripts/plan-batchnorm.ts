/**
 * Batch normalisation as a composite: what it costs in memory and time.
 *   npx tsx scripts/plan-batchnorm.ts [--time]
 * Plans (from shapes alone) the peak of the 4-conv MAML meta-gradient (64 channels, 28×28×1,
 * 5-way, batch 25, T = 5 SGD steps, per-tensor log_lr) in both modes with two composite
 * formulations of batch norm with batch statistics:
 *   folded      (x − μ)·(γ/σ) + β   (engine/ops/nn.ts: γ/σ is per-channel, so one
 *                                     full-size intermediate, x − μ, is kept for reverse mode)
 *   normalised  ((x − μ)/σ)·γ + β   (layerNorm's form: keeps x − μ and x̂ = (x − μ)/σ)
 * With --time, also the wasm time of one batch-norm forward + backward at [25,64,28,28]:
 * the engine's composite against TF.js's fused tf.batchNorm under tf.grads (what a
 * primitive's kernel could use), interleaved, medians of 7.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as E from '../engine/index.js';

type Norm = (x: E.Tensor, g: E.Tensor, b: E.Tensor) => E.Tensor;

const folded: Norm = (x, g, b) => E.batchNormTraining(x, g, b, 1e-5);
const normalised: Norm = (x, g, b) => {
  const axes = [0, 2, 3];
  const per = (v: E.Tensor) => E.reshape(v, [1, v.shape[0], 1, 1]);
  const centred = E.sub(x, E.mean(x, axes, true));
  const std = E.sqrt(E.add(E.mean(E.mul(centred, centred), axes, true), 1e-5));
  return E.add(E.mul(E.div(centred, std), per(g)), per(b));
};

const [B, CH, WAYS, T, SIDE] = [25, 64, 5, 5, 28];
const SHAPES = [0, 1, 2, 3].flatMap((k) => [[CH, k === 0 ? 1 : CH, 3, 3], [CH], [CH]]).concat([[CH, WAYS], [WAYS]]);

function logits(norm: Norm, theta: E.Tensor[], x: E.Tensor): E.Tensor {
  let h = x;
  for (let k = 0; k < 4; k++) {
    const [w, g, b] = theta.slice(3 * k, 3 * k + 3);
    h = E.maxPool2d(E.relu(norm(E.conv2d(h, w, { pads: [1, 1, 1, 1] }), g, b)), { kernel: [2, 2] });
  }
  return E.add(E.matmul(E.reshape(h, [B, CH]), theta[12]), theta[13]);
}

function metaGradient(norm: Norm, mode: 'standard' | 'mixflow') {
  const loss = (theta: E.Tensor[], x: E.Tensor, y: E.Tensor) =>
    E.neg(E.mean(E.sum(E.mul(E.logSoftmax(logits(norm, theta, x)), E.oneHot(y, WAYS)), [-1])));
  const inner = mode === 'mixflow' ? E.fwdrevGrad(loss) : E.grad(loss);
  const outer = (...xs: E.Tensor[]) => {
    let theta = xs.slice(0, SHAPES.length);
    const logLr = xs[SHAPES.length];
    const data = xs.slice(SHAPES.length + 1);
    for (let t = 0; t < T; t++) {
      const g = inner(theta, data[2 * t], data[2 * t + 1]) as E.Tensor[];
      theta = theta.map((p, k) => E.sub(p, E.mul(E.exp(E.reshape(E.slice(logLr, [k], [1]), [])), g[k])));
    }
    return loss(theta, data[2 * T], data[2 * T + 1]);
  };
  return (...xs: E.Tensor[]) => E.grad(outer, [...Array(SHAPES.length + 1).keys()])(...xs) as E.Tensor[];
}

function plan(norm: Norm, mode: 'standard' | 'mixflow'): E.MemoryProfile {
  const avals = [
    ...SHAPES.map((shape) => ({ shape, dtype: 'float32' as const })),
    { shape: [SHAPES.length], dtype: 'float32' as const },
    ...Array.from({ length: T + 1 }, () => [
      { shape: [B, 1, SIDE, SIDE], dtype: 'float32' as const },
      { shape: [B], dtype: 'int32' as const },
    ]).flat(),
  ];
  return E.planMemory(E.schedule(E.traceGraph(metaGradient(norm, mode), avals).graph));
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function timeBatchNorm(): Promise<void> {
  await E.useBackend('wasm');
  const shape = [B, CH, SIDE, SIDE];
  const ins = [shape, [CH], [CH], shape].map((s) => ({ shape: s, data: Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5) }));
  const { graph } = E.traceGraph(
    (x: E.Tensor, g: E.Tensor, b: E.Tensor, ct: E.Tensor) => E.vjp(folded, x, g, b).pullback(ct) as E.Tensor[],
    ins.map((i) => ({ shape: i.shape, dtype: 'float32' as const })),
  );
  const sched = E.schedule(graph);
  const [x, g, b, ct] = ins.map((i) => tf.tensor(i.data, i.shape));
  const fused = () =>
    tf.tidy(() => {
      const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
        const xt = tf.transpose(xx, [0, 2, 3, 1]);
        const { mean, variance } = tf.moments(xt, [0, 1, 2]);
        return tf.transpose(tf.batchNorm(xt, mean, variance, bb, gg, 1e-5), [0, 3, 1, 2]);
      };
      tf.grads(f)([x, g, b], ct).forEach((t) => t.dataSync());
    });
  const engine = () => E.runTfjs(sched, ins);
  const times = { engine: [] as number[], fused: [] as number[] };
  for (let i = 0; i < 8; i++) {
    for (const [name, run] of [['engine', engine], ['fused', fused]] as const) {
      const t0 = performance.now();
      run();
      if (i > 0) times[name].push(performance.now() - t0);
    }
  }
  console.log(`\nwasm, batch norm forward + backward at [${shape}] (median of 7, interleaved):`);
  console.log(`  engine composite: ${median(times.engine).toFixed(0)} ms (range ${Math.min(...times.engine).toFixed(0)}–${Math.max(...times.engine).toFixed(0)})`);
  console.log(`  TF.js fused tf.batchNorm + tf.grads: ${median(times.fused).toFixed(0)} ms (range ${Math.min(...times.fused).toFixed(0)}–${Math.max(...times.fused).toFixed(0)})`);
  tf.dispose([x, g, b, ct]);
}

async function main(): Promise<void> {
  console.log(`4-conv MAML meta-gradient (${CH} ch, ${SIDE}×${SIDE}, batch ${B}, T = ${T}), planned peak / active peak in MiB:`);
  console.log('batch norm    standard          mixflow');
  for (const [name, norm] of [['folded', folded], ['normalised', normalised]] as const) {
    const [s, m] = [plan(norm, 'standard'), plan(norm, 'mixflow')];
    console.log(`${name.padEnd(12)}  ${mib(s.peakBytes)} / ${mib(s.activePeakBytes)}`.padEnd(32) + `${mib(m.peakBytes)} / ${mib(m.activePeakBytes)}`);
  }
  if (process.argv.includes('--time')) await timeBatchNorm();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
