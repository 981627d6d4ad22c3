/**
 * The nested-TF.js baseline (engine/bench/tfjsNested/): its byte-peak instrument against a
 * known allocation sequence; the TF.js higher-order gradient gaps it works around (and that
 * its replacements close them); its meta-gradients against the PyTorch float64 references and
 * against the engine's own float32 result on transformer setups; recovery after an allocation
 * failure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '../../engine/exec/backend.js';
import { runMeta } from '../../engine/meta/run.js';
import { materialise } from '../../engine/setup/materialise.js';
import { parseSetup } from '../../engine/setup/validate.js';
import type { HostTensor, MetaName, Setup } from '../../engine/setup/types.js';
import {
  benchNestedRow, isAllocationFailure, nestedTfjsMetaGradient, secondOrderOps as ops, trackTfjsBytes, TfjsOutOfMemory,
} from '../../engine/bench/tfjsNested/index.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type J = any;
const SPEC_DIR = join(__dirname, '..', 'fixtures', 'spec');
const EXAMPLES_DIR = join(__dirname, '..', '..', 'engine', 'setup', 'examples');
const readJson = (path: string): J => JSON.parse(readFileSync(path, 'utf8'));

/** ‖a − b‖ / ‖b‖. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'same number of values');
  let num = 0;
  let den = 0;
  for (let i = 0; i < b.length; i++) {
    num += (a[i]! - b[i]!) ** 2;
    den += b[i]! ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-300));
}

/** Flattens an expect.json meta-gradient (numbers, nested arrays, MLP {w, b} layers). */
function flatJson(v: J): number[] {
  if (typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.flatMap(flatJson);
  return [...flatJson(v.w), ...flatJson(v.b)];
}

const flatGot = (g: Float32Array[] | undefined): number[] => (g ?? []).flatMap((a) => [...a]);
const flatHost = (h: HostTensor | HostTensor[] | undefined): number[] => (Array.isArray(h) ? h : h ? [h] : []).flatMap((t) => [...t.data]);

// ---- the instrument -----------------------------------------------------------------------

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: trackTfjsBytes sees the exact peak of a known allocation sequence`, async () => {
    assert.equal(await useBackend(backend), backend);
    const before = tf.memory().numBytes;
    const tr = trackTfjsBytes();
    assert.equal(tr.baseline, before);
    const a = tf.zeros([100]); // 400 B
    const b = tf.zeros([50, 4], 'int32'); // 800 B → 1200
    a.dispose(); // 800
    const c = tf.ones([300]); // 1200 → 2000 (peak)
    b.dispose(); // 1200
    const d = tf.clone(c); // a second handle on c's buffer: numBytes 2400 (peak), buffers still 1200
    const e = tf.zeros([10]); // 2440 → peak
    tf.dispose([c, d, e]);
    // Inside tidy: ones 4000, the scalar 1 (4), their sum 4000 → 8004 (peak); tidy frees all but the result.
    const k = tf.tidy(() => tf.sum(tf.add(tf.ones([1000]), 1)));
    assert.equal(tf.memory().numBytes - before, 4);
    k.dispose();
    assert.equal(tr.peak(), 8004);
    assert.equal(tr.peakBuffers(), 8004);
    assert.equal(tr.live.size, 0, 'every tensor made is gone');
    tr.stop();
    assert.equal(tf.memory().numBytes, before);
    // Unhooked: further allocations are not seen.
    tf.zeros([10_000]).dispose();
    assert.equal(tr.peak(), 8004);

    const tr2 = trackTfjsBytes();
    const x = tf.zeros([200]);
    const tr3 = trackTfjsBytes(); // nested: both see what follows, and stopping the inner keeps the outer
    const y = tf.clone(x);
    tr3.stop();
    assert.equal(tr3.peak(), 800);
    tf.zeros([1000]).dispose();
    assert.equal(tr2.peak(), 800 + 800 + 4000, 'the outer tracker still runs');
    tr2.stop();
    assert.equal(tf.memory().numBytes - before, 1600);
    assert.equal((tf.engine() as unknown as Record<string, unknown>)['trackTensor'], Object.getPrototypeOf(tf.engine()).trackTensor, 'prototype methods back');
    // cpu's Identity kernel shares the buffer; wasm's copies it (so TF.js's saved clones are real memory there).
    assert.equal(tr3.peakBuffers(), backend === 'cpu' ? 0 : 800);
    tf.dispose([x, y]);
  });
}

// ---- TF.js higher-order gradient gaps --------------------------------------------------

type Fn = (x: tf.Tensor) => tf.Tensor;

/** H·v by tf.grad of tf.grad (nested), or the error TF.js throws. */
function hvpNested(f: Fn, x: tf.Tensor, v: tf.Tensor): Float32Array | Error {
  try {
    return tf.tidy(() => {
      const inner = (xx: tf.Tensor) => tf.sum(tf.mul(tf.grad((z: tf.Tensor) => tf.sum(f(z)) as tf.Scalar)(xx), v)) as tf.Scalar;
      return tf.grad(inner)(x).dataSync() as Float32Array;
    });
  } catch (e) {
    return e as Error;
  }
}

/** H·v by central differences of the (first-order, correct) gradient. */
function hvpFd(f: Fn, x: tf.Tensor, v: tf.Tensor, eps = 1e-2): Float32Array {
  return tf.tidy(() => {
    const g = (xx: tf.Tensor) => tf.grad((z: tf.Tensor) => tf.sum(f(z)) as tf.Scalar)(xx);
    return tf.div(tf.sub(g(tf.add(x, tf.mul(v, eps))), g(tf.sub(x, tf.mul(v, eps)))), 2 * eps).dataSync() as Float32Array;
  });
}

for (const backend of ['cpu', 'wasm'] as const) {
  test(`${backend}: TF.js's own exp/tanh/sigmoid/softmax/logSoftmax lose their second order; the replacements do not`, async () => {
    assert.equal(await useBackend(backend), backend);
    const before = tf.memory().numBytes;
    // When tf.grad throws, TF.js leaves the tape's saved tensors alive: the tracker frees them.
    const tr = trackTfjsBytes();
    const x = tf.tensor2d([[0.3, -1.2, 0.8, 0.1, -0.4], [1.1, 0.2, -0.7, 0.5, -1.5]]);
    const v = tf.tensor2d([[0.5, 0.1, -0.3, 0.9, 0.2], [-0.6, 0.4, 0.7, -0.2, 0.3]]);
    const w = tf.tensor2d([[1, -2, 3, 0.5, -1], [2, 1, -1, 0.3, 0.7]]); // makes softmax's sum non-trivial
    const pairs: [string, Fn, Fn][] = [
      ['exp', tf.exp, ops.exp],
      ['tanh', tf.tanh, ops.tanh],
      ['sigmoid', tf.sigmoid, ops.sigmoid],
      ['softmax', (z) => tf.mul(tf.softmax(z), w), (z) => tf.mul(ops.softmax(z), w)],
      ['logSoftmax', (z) => tf.mul(tf.logSoftmax(z), w), (z) => tf.mul(ops.logSoftmax(z), w)],
      // Mixed with a term whose second order TF.js gets right: the wrong one is silently dropped.
      ['tanh + x³', (z) => tf.add(tf.tanh(z), tf.pow(z, 3)), (z) => tf.add(ops.tanh(z), tf.pow(z, 3))],
    ];
    for (const [name, builtin, fixed] of pairs) {
      const want = hvpFd(fixed, x, v);
      const bad = hvpNested(builtin, x, v);
      assert.ok(bad instanceof Error || relErr(bad, want) > 0.05, `tf.${name}: second order is expected to be wrong in tfjs-core 4.22`);
      const good = hvpNested(fixed, x, v);
      assert.ok(!(good instanceof Error), `${name}: ${good instanceof Error ? good.message : ''}`);
      assert.ok(relErr(good, want) < 2e-3, `${name} replacement: rel err ${relErr(good, want)}`);
    }
    // gelu, layerNorm, and the embedding lookup (duplicate ids): nested = finite differences.
    const g = tf.tensor1d([1.2, 0.7, 0.9, 1.1, 0.8]);
    const bias = tf.tensor1d([0.1, -0.2, 0.3, 0, 0.05]);
    const ids = tf.tensor2d([[1, 0, 1], [0, 1, 1]], [2, 3], 'int32'); // rows of the [2,5] x, repeated
    const cases: [string, Fn][] = [
      ['gelu', (z) => tf.mul(ops.gelu(z), w)],
      ['layerNorm', (z) => tf.mul(tf.square(ops.layerNorm(z, g, bias)), w)],
      ['embedding', (z) => tf.square(tf.square(ops.embedding(z, ids)))],
    ];
    for (const [name, f] of cases) {
      const got = hvpNested(f, x, v);
      assert.ok(!(got instanceof Error), `${name}: ${got instanceof Error ? got.message : ''}`);
      assert.ok(relErr(got, hvpFd(f, x, v)) < 2e-3, `${name}: rel err ${relErr(got, hvpFd(f, x, v))}`);
    }
    // A where on a condition computed by tf.greater has no gradient at all (first order).
    assert.throws(() => tf.grad((z: tf.Tensor) => tf.sum(tf.where(tf.greater(z, 0), tf.square(z), z)) as tf.Scalar)(x), /Greater/);
    // safeSqrt: √x, derivative 1/(2√x) where x > 0 and 0 (finite) where x = 0.
    const s = tf.tensor1d([0, 4, 0, 0.25]);
    const [val, dval] = tf.tidy(() => [ops.safeSqrt(s).dataSync(), tf.grad((z: tf.Tensor) => tf.sum(ops.safeSqrt(z)) as tf.Scalar)(s).dataSync()]);
    assert.deepEqual([...val!], [0, 2, 0, 0.5]);
    assert.deepEqual([...dval!], [0, 0.25, 0, 1]);
    tf.dispose([x, v, w, g, bias, ids, s]);
    for (const t of [...tr.live]) t.dispose();
    tr.stop();
    assert.equal(tf.memory().numBytes, before, 'no tensors leaked');
  });
}

// ---- meta-gradients -----------------------------------------------------------------------

for (const n of ['00', '01', '02']) {
  test(`wasm: reference-${n} meta-gradients match PyTorch float64 to 1e-3 (norm-wise)`, async () => {
    assert.equal(await useBackend('wasm'), 'wasm');
    const setup = parseSetup(readJson(join(SPEC_DIR, `reference-${n}.mixflow.json`)));
    const expect = readJson(join(SPEC_DIR, `reference-${n}.expect.json`));
    const data = materialise(setup);
    const before = tf.memory().numBytes;
    const r = nestedTfjsMetaGradient(setup, data);
    assert.equal(tf.memory().numBytes, before, 'everything is released');
    assert.ok(Math.abs(r.outerLoss - expect.outer_loss) <= 1e-5 * Math.abs(expect.outer_loss), `outer loss ${r.outerLoss} vs ${expect.outer_loss}`);
    assert.deepEqual(Object.keys(r.metaGrads).sort(), [...setup.wrt].sort());
    for (const name of setup.wrt) {
      const err = relErr(flatGot(r.metaGrads[name]), flatJson(expect.meta_grads[name]));
      assert.ok(err < 1e-3, `${name}: rel err ${err}`);
    }
    // The inputs alone (θ₀, η, batches) are part of the peak.
    const hosts = [...data.theta0, data.eta.log_lr, data.eta.log_wd!, data.eta.example_logits, ...data.inner.flatMap((b) => [b.x, b.y]), data.outer.x, data.outer.y];
    const inputBytes = 4 * hosts.reduce((a, h) => a + h.data.length, 0);
    assert.equal(r.inputBytes, inputBytes, 'θ₀, η and the batches, 4 bytes a number');
    assert.ok(r.peakBytes > inputBytes && r.peakBufferBytes > 0 && r.peakBufferBytes <= r.peakBytes);
    assert.ok(r.timeMs > 0);
  });
}

/**
 * The dataweight example with every meta-parameter: per-tensor log_lr, a decay term, all four
 * `wrt`. (A strong decay, log_wd = −3, makes this setup ill-conditioned in float32 with Adam's
 * ε = 1e-8: the engine's own float32 result is then 4e-3 from its float64 one. −6 keeps
 * float32 noise near 1e-5, so the comparison tests the maths, not the rounding.)
 */
function transformerSetup(overrides: J = {}): Setup {
  const json = readJson(join(EXAMPLES_DIR, 'transformer-dataweight.mixflow.json'));
  const params = 2 + 12 * json.model.layers + 4;
  json.eta = { log_lr: Array.from({ length: params }, (_, k) => -6.9 + 0.1 * (k % 5)), log_wd: -6 };
  json.wrt = ['log_lr', 'log_wd', 'example_logits', 'theta0'];
  return parseSetup({ ...json, ...overrides, model: { ...json.model, ...(overrides.model ?? {}) } });
}

async function matchesEngine(setup: Setup, backend: 'cpu' | 'wasm'): Promise<void> {
  assert.equal(await useBackend(backend), backend);
  const data = materialise(setup);
  const before = tf.memory().numBytes;
  const r = nestedTfjsMetaGradient(setup, data);
  assert.equal(tf.memory().numBytes, before, 'everything is released');
  const e = await runMeta(setup, data, { mode: 'mixflow', remat: 'none', precision: 'float32', backend });
  const e64 = await runMeta(setup, data, { mode: 'mixflow', remat: 'none', precision: 'float64', backend });
  assert.ok(Math.abs(r.outerLoss - e.outerLoss) <= 1e-5 * Math.abs(e.outerLoss), `outer loss ${r.outerLoss} vs ${e.outerLoss}`);
  for (const name of setup.wrt as MetaName[]) {
    const got = flatGot(r.metaGrads[name]);
    assert.ok(got.every(Number.isFinite), `${name}: finite (Adam's √v̂ at v̂ = 0)`);
    const err = relErr(got, flatHost(e.metaGrads[name]));
    assert.ok(err < 1e-3, `${name}: rel err ${err} vs the engine (float32)`);
    const err64 = relErr(got, flatHost(e64.metaGrads[name]));
    assert.ok(err64 < 1e-3, `${name}: rel err ${err64} vs the engine (float64)`);
  }
  // Nested TF.js keeps (clones of) every saved value of the unrolled loop: far above the engine.
  assert.ok(r.peakBytes > e.peakBytes, `tf peak ${r.peakBytes} vs engine ${e.peakBytes}`);
}

test('wasm: transformer (2 blocks, adam, all four wrt) matches the engine\'s float32 mixflow result to 1e-3', async () => {
  await matchesEngine(transformerSetup(), 'wasm');
});

test('cpu: a smaller transformer with momentum (tf.gather\'s own gradient) matches the engine', async () => {
  await matchesEngine(
    transformerSetup({ model: { layers: 1, seq: 4 }, optimizer: { kind: 'momentum', beta: 0.9 }, eta: { log_lr: -3, log_wd: -4 } }),
    'cpu',
  );
});

// ---- allocation failure -------------------------------------------------------------------

test('wasm: a failed allocation gives {oom: true}, frees everything, and the next run is right', async () => {
  assert.equal(await useBackend('wasm'), 'wasm');
  const setup = parseSetup(readJson(join(SPEC_DIR, 'reference-00.mixflow.json')));
  const expect = readJson(join(SPEC_DIR, 'reference-00.expect.json'));
  const wasm = (tf.backend() as unknown as { wasm: { _malloc(n: number): number } }).wasm;
  const malloc = wasm._malloc;
  let calls = 0;
  // The heap "fills up" after 300 allocations: well inside the nested gradient.
  wasm._malloc = (n: number) => (++calls > 300 ? 0 : malloc.call(wasm, n));
  const before = tf.memory().numBytes;
  const tensorsBefore = tf.memory().numTensors;
  let row;
  try {
    row = await benchNestedRow(setup);
  } finally {
    wasm._malloc = malloc;
  }
  assert.deepEqual(row, { oom: true });
  assert.ok(calls > 300);
  assert.equal(tf.memory().numBytes, before, 'all bytes released');
  assert.equal(tf.memory().numTensors, tensorsBefore, 'all tensors released');
  const state = (tf.engine() as unknown as { state: { gradientDepth: number; kernelDepth: number; activeTape: unknown } }).state;
  assert.equal(state.gradientDepth, 0);
  assert.equal(state.kernelDepth, 0);
  assert.equal(state.activeTape, null);
  // The error type itself, outside benchNestedRow.
  wasm._malloc = () => 0;
  try {
    assert.throws(() => nestedTfjsMetaGradient(setup, materialise(setup)), TfjsOutOfMemory);
  } finally {
    wasm._malloc = malloc;
  }
  assert.equal(tf.memory().numBytes, before);
  const r = nestedTfjsMetaGradient(setup, materialise(setup));
  assert.ok(relErr(flatGot(r.metaGrads.theta0), flatJson(expect.meta_grads.theta0)) < 1e-3);
  const ok = await benchNestedRow(setup);
  assert.ok('peakBytes' in ok && ok.peakBytes === r.peakBytes, 'the peak is deterministic');
});

test('wasm: an Emscripten abort replaces the wasm module; only aborts at a full heap count as OOM', async () => {
  assert.equal(isAllocationFailure(new TfjsOutOfMemory(64)), true);
  assert.equal(isAllocationFailure(new RangeError('Array buffer allocation failed')), true);
  assert.equal(isAllocationFailure(new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'), 4.2e9), true);
  assert.equal(isAllocationFailure(new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.'), 1e8), false);
  assert.equal(isAllocationFailure(new Error('Kernel Foo not registered')), false);

  assert.equal(await useBackend('wasm'), 'wasm');
  const setup = parseSetup(readJson(join(SPEC_DIR, 'reference-01.mixflow.json')));
  const expect = readJson(join(SPEC_DIR, 'reference-01.expect.json'));
  const old = tf.backend();
  const wasm = (old as unknown as { wasm: { _malloc(n: number): number } }).wasm;
  const malloc = wasm._malloc;
  let calls = 0;
  wasm._malloc = (n: number) => {
    if (++calls > 200) throw new WebAssembly.RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
    return malloc.call(wasm, n);
  };
  const before = tf.memory().numBytes;
  try {
    // A small heap: not an allocation failure, so the error is rethrown, after the restart.
    await assert.rejects(benchNestedRow(setup), /Aborted/);
  } finally {
    wasm._malloc = malloc;
  }
  assert.equal(tf.getBackend(), 'wasm');
  assert.notEqual(tf.backend(), old, 'a fresh wasm module');
  assert.equal(tf.memory().numBytes, before);
  const r = nestedTfjsMetaGradient(setup, materialise(setup));
  for (const name of setup.wrt) assert.ok(relErr(flatGot(r.metaGrads[name]), flatJson(expect.meta_grads[name])) < 1e-3, name);
});
