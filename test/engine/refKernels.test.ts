import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as ref from '../../engine/kernels/ref/index.js';
import type { RefArray } from '../../engine/kernels/ref/index.js';
import { sizeOf } from '../../engine/core/shape.js';

// The package is CommonJS, so no top-level await: every test awaits this instead.
import { rng } from './helpers.js';

const ready = tf.setBackend('cpu');


const rand = rng(12345);
const randInt = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));

/** Random values already rounded to float32, so tf and ref see identical inputs. */
function randomArray(shape: number[]): RefArray {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = Math.fround(rand() * 4 - 2);
  return ref.refArray(shape, data);
}

function intArray(shape: number[], lo: number, hi: number): RefArray {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = randInt(lo, hi);
  return ref.refArray(shape, data);
}

const randomShape = (rank: number, maxDim = 4): number[] => Array.from({ length: rank }, () => randInt(1, maxDim));

const toTf = (x: RefArray): tf.Tensor => tf.tensor(Array.from(x.data), [...x.shape], 'float32');
const toTfInt = (x: RefArray): tf.Tensor => tf.tensor(Array.from(x.data), [...x.shape], 'int32');

/** Asserts equal shapes and values within a float32-sized tolerance (scaled by `scale`). */
function assertClose(actual: RefArray, expected: tf.Tensor, label: string, scale = 1): void {
  assert.deepEqual([...actual.shape], expected.shape, `${label}: shape`);
  const want = expected.dataSync();
  assert.equal(actual.data.length, want.length, `${label}: length`);
  for (let i = 0; i < want.length; i++) {
    const tol = 1e-5 * scale * (1 + Math.abs(want[i]));
    if (!(Math.abs(actual.data[i] - want[i]) <= tol) && !(Number.isNaN(actual.data[i]) && Number.isNaN(want[i]))) {
      assert.fail(`${label}: element ${i} is ${actual.data[i]}, tf gives ${want[i]}`);
    }
  }
  expected.dispose();
}

/** Random shape pair that broadcasts: b drops leading dims and turns some dims into 1. */
function broadcastPair(rank: number): [number[], number[]] {
  const a = randomShape(rank);
  const b = a.slice(randInt(0, rank)).map((d) => (rand() < 0.4 ? 1 : d));
  return rand() < 0.5 ? [a, b] : [b, a];
}

/** Runs fn and checks it did not write to any of the given inputs. */
function unmutated<T>(inputs: RefArray[], fn: () => T): T {
  const copies = inputs.map((x) => x.data.slice());
  const out = fn();
  inputs.forEach((x, i) => assert.deepEqual(x.data, copies[i], 'input was mutated'));
  return out;
}

test('unary matches tf elementwise functions', async () => {
  await ready;
  for (const shape of [[], [5], [2, 3], [2, 1, 4]]) {
    const x = randomArray(shape);
    assertClose(unmutated([x], () => ref.unary(x, Math.exp)), tf.exp(toTf(x)), `exp ${shape}`);
    assertClose(ref.unary(x, Math.tanh), tf.tanh(toTf(x)), `tanh ${shape}`);
    assertClose(ref.unary(x, (v) => -v), tf.neg(toTf(x)), `neg ${shape}`);
  }
});

test('binary broadcasts like tf', async () => {
  await ready;
  const ops: [string, (x: number, y: number) => number, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor][] = [
    ['add', (x, y) => x + y, tf.add],
    ['mul', (x, y) => x * y, tf.mul],
    ['sub', (x, y) => x - y, tf.sub],
    ['max', Math.max, tf.maximum],
  ];
  for (let trial = 0; trial < 12; trial++) {
    const [sa, sb] = broadcastPair(randInt(0, 4));
    const a = randomArray(sa);
    const b = randomArray(sb);
    for (const [name, fn, tfFn] of ops) {
      assertClose(unmutated([a, b], () => ref.binary(a, b, fn)), tfFn(toTf(a), toTf(b)), `${name} [${sa}] [${sb}]`);
    }
  }
  // Fixed cases covering both sides being broadcast at once and a scalar.
  for (const [sa, sb] of [[[3, 1], [1, 4]], [[], [2, 3]], [[2, 1, 3], [4, 1]]]) {
    const a = randomArray(sa);
    const b = randomArray(sb);
    assertClose(ref.binary(a, b, (x, y) => x * y), tf.mul(toTf(a), toTf(b)), `mul [${sa}] [${sb}]`);
  }
});

test('binary names the kernel and shapes on mismatch', () => {
  assert.throws(() => ref.binary(randomArray([2, 3]), randomArray([4]), (x, y) => x + y), /binary: .*\[2,3\].*\[4\]/);
});

test('select broadcasts cond, a and b like tf.where', async () => {
  await ready;
  const cases: number[][][] = [
    [[2, 3], [2, 3], [2, 3]],
    [[2, 1], [1, 3], [2, 3]],
    [[3], [2, 3], [1]],
    [[4, 1, 2], [3, 1], [1, 3, 2]],
    [[], [2, 2], [2, 1]],
  ];
  for (const [sc, sa, sb] of cases) {
    const cond = intArray(sc, 0, 1);
    const a = randomArray(sa);
    const b = randomArray(sb);
    const tfCond = tf.cast(toTf(cond), 'bool');
    assertClose(unmutated([cond, a, b], () => ref.select(cond, a, b)), tf.where(tfCond, toTf(a), toTf(b)), `select [${sc}] [${sa}] [${sb}]`);
  }
});

test('matmul matches tf.matMul for ranks 2-4 and every transpose combination', async () => {
  await ready;
  for (const rank of [2, 3, 4]) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const batch = randomShape(rank - 2, 3);
        const [m, k, n] = [randInt(1, 6), randInt(1, 6), randInt(1, 6)];
        const a = randomArray([...batch, ...(tA ? [k, m] : [m, k])]);
        const b = randomArray([...batch, ...(tB ? [n, k] : [k, n])]);
        const got = unmutated([a, b], () => ref.matmul(a, b, tA, tB));
        assertClose(got, tf.matMul(toTf(a), toTf(b), tA, tB), `matmul rank ${rank} tA=${tA} tB=${tB}`);
      }
    }
  }
});

test('matmul is right on a few hundred rows, transposed or not', async () => {
  await ready;
  for (const [tA, tB] of [[false, false], [true, true]]) {
    const a = randomArray(tA ? [300, 200] : [200, 300]);
    const b = randomArray(tB ? [250, 300] : [300, 250]);
    const got = ref.matmul(a, b, tA, tB);
    // Float32 accumulation over 300 terms: allow proportionally more rounding.
    assertClose(got, tf.matMul(toTf(a), toTf(b), tA, tB), `large matmul tA=${tA} tB=${tB}`, 20);
  }
});

test('matmul names the kernel and shapes on mismatch', () => {
  assert.throws(() => ref.matmul(randomArray([2, 3]), randomArray([4, 5]), false, false), /matmul: .*\[2,3\].*\[4,5\]/);
  assert.throws(() => ref.matmul(randomArray([2, 2, 3]), randomArray([3, 3, 2]), false, false), /matmul: batch/);
  assert.throws(() => ref.matmul(randomArray([3]), randomArray([3]), false, false), /matmul: needs equal ranks/);
});

test('transpose matches tf.transpose', async () => {
  await ready;
  const perms = [[0], [1, 0], [0, 1], [2, 0, 1], [1, 2, 0], [0, 2, 1], [3, 1, 0, 2], [2, 3, 1, 0]];
  for (const perm of perms) {
    const x = randomArray(randomShape(perm.length));
    assertClose(unmutated([x], () => ref.transpose(x, perm)), tf.transpose(toTf(x), perm), `transpose [${perm}]`);
  }
  assert.throws(() => ref.transpose(randomArray([2, 3]), [0, 0]), /transpose: .*\[2,3\]/);
});

test('reshape copies row-major data and checks sizes', async () => {
  await ready;
  const x = randomArray([2, 3, 4]);
  for (const shape of [[24], [4, 6], [2, 12, 1], [3, -1]]) {
    const got = ref.reshape(x, shape);
    assertClose(got, tf.reshape(toTf(x), shape), `reshape [${shape}]`);
    assert.notEqual(got.data, x.data, 'reshape must copy');
  }
  assert.throws(() => ref.reshape(x, [5, 5]), /reshape: .*\[2,3,4\].*\[5,5\]/);
});

test('broadcastTo matches tf.broadcastTo', async () => {
  await ready;
  const cases: number[][][] = [
    [[3], [2, 3]],
    [[1], [4]],
    [[], [2, 2]],
    [[2, 1], [2, 5]],
    [[1, 3, 1], [4, 2, 3, 5]],
  ];
  for (const [from, to] of cases) {
    const x = randomArray(from);
    assertClose(unmutated([x], () => ref.broadcastTo(x, to)), tf.broadcastTo(toTf(x), to), `broadcastTo [${from}] -> [${to}]`);
  }
  assert.throws(() => ref.broadcastTo(randomArray([2, 3]), [3]), /broadcastTo: .*\[2,3\].*\[3\]/);
  assert.throws(() => ref.broadcastTo(randomArray([3]), [3, 2]), /broadcastTo/);
});

test('reduce sum and max match tf over many axis sets', async () => {
  await ready;
  const axisSets: [number[], number[]][] = [
    [[5], [0]],
    [[3, 4], [0]],
    [[3, 4], [1]],
    [[3, 4], [0, 1]],
    [[2, 3, 4], [1]],
    [[2, 3, 4], [0, 2]],
    [[2, 3, 4], [0, 1, 2]],
    [[2, 3, 4, 5], [1, 3]],
    [[2, 3, 4, 5], [0, 1, 3]],
    [[2, 3, 4], []],
  ];
  for (const [shape, axes] of axisSets) {
    const x = randomArray(shape);
    for (const keepDims of [false, true]) {
      const label = `[${shape}] axes [${axes}] keepDims=${keepDims}`;
      assertClose(unmutated([x], () => ref.reduce(x, axes, keepDims, 'sum')), tf.sum(toTf(x), axes, keepDims), `sum ${label}`);
      assertClose(ref.reduce(x, axes, keepDims, 'max'), tf.max(toTf(x), axes, keepDims), `max ${label}`);
    }
  }
  assert.deepEqual(ref.reduce(randomArray([2, 3]), [0, 1], false, 'sum').shape, []);
  assert.deepEqual(ref.reduce(randomArray([2, 3]), [0, 1], true, 'max').shape, [1, 1]);
  assert.throws(() => ref.reduce(randomArray([2, 3]), [2], false, 'sum'), /reduce: .*\[2,3\]/);
});

test('slice matches tf.slice', async () => {
  await ready;
  for (let trial = 0; trial < 10; trial++) {
    const shape = randomShape(randInt(1, 4), 5);
    const begin = shape.map((d) => randInt(0, d - 1));
    const size = shape.map((d, i) => randInt(0, d - begin[i]));
    const x = randomArray(shape);
    assertClose(unmutated([x], () => ref.slice(x, begin, size)), tf.slice(toTf(x), begin, size), `slice [${shape}] [${begin}] [${size}]`);
  }
  assert.throws(() => ref.slice(randomArray([2, 3]), [1, 1], [2, 1]), /slice: out of bounds.*\[2,3\]/);
});

test('pad matches tf.pad with zeros', async () => {
  await ready;
  for (let trial = 0; trial < 8; trial++) {
    const shape = randomShape(randInt(1, 4));
    const before = shape.map(() => randInt(0, 2));
    const after = shape.map(() => randInt(0, 2));
    const x = randomArray(shape);
    const paddings = before.map((b, i) => [b, after[i]] as [number, number]);
    assertClose(unmutated([x], () => ref.pad(x, before, after)), tf.pad(toTf(x), paddings), `pad [${shape}] [${before}] [${after}]`);
  }
});

test('concat matches tf.concat on every axis', async () => {
  await ready;
  for (let trial = 0; trial < 8; trial++) {
    const rank = randInt(1, 4);
    const axis = randInt(0, rank - 1);
    const base = randomShape(rank);
    const xs = Array.from({ length: randInt(1, 4) }, () => {
      const s = [...base];
      s[axis] = randInt(1, 4);
      return randomArray(s);
    });
    const got = unmutated(xs, () => ref.concat(xs, axis));
    assertClose(got, tf.concat(xs.map(toTf), axis), `concat axis ${axis} of ${xs.map((x) => `[${x.shape}]`)}`);
  }
  assert.throws(() => ref.concat([randomArray([2, 3]), randomArray([3, 3])], 1), /concat: .*\[2,3\].*\[3,3\]/);
});

test('gather matches tf.gather for several axes and index ranks', async () => {
  await ready;
  const cases: [number[], number[], number][] = [
    [[5], [3], 0],
    [[5, 3], [4], 0],
    [[5, 3], [2, 2], 1],
    [[2, 4, 3], [3, 2], 1],
    [[2, 3, 4], [5], 2],
    [[4, 2], [], 0],
  ];
  for (const [tableShape, idxShape, axis] of cases) {
    const table = randomArray(tableShape);
    const idx = intArray(idxShape, 0, tableShape[axis] - 1);
    const got = unmutated([table, idx], () => ref.gather(table, idx, axis));
    assertClose(got, tf.gather(toTf(table), toTfInt(idx), axis), `gather [${tableShape}] idx [${idxShape}] axis ${axis}`);
  }
  assert.throws(() => ref.gather(randomArray([3, 2]), ref.refArray([1], new Float64Array([3])), 0), /gather: index 3/);
});

test('segmentSum matches tf.unsortedSegmentSum and drops out-of-range ids', async () => {
  await ready;
  const cases: [number[], number][] = [
    [[6], 3],
    [[5, 2], 4],
    [[7, 2, 3], 3],
  ];
  for (const [shape, numSegments] of cases) {
    const data = randomArray(shape);
    const ids = intArray([shape[0]], 0, numSegments - 1);
    const got = unmutated([data, ids], () => ref.segmentSum(data, ids, numSegments));
    assertClose(got, tf.unsortedSegmentSum(toTf(data), toTfInt(ids) as tf.Tensor1D, numSegments), `segmentSum [${shape}] n=${numSegments}`);
  }
  const data = randomArray([4, 2]);
  const ids = ref.refArray([4], new Float64Array([0, 2, -1, 1]));
  const got = ref.segmentSum(data, ids, 2);
  assert.deepEqual([...got.data], [data.data[0], data.data[1], data.data[6], data.data[7]]);
  assert.throws(() => ref.segmentSum(data, ref.refArray([3], new Float64Array(3)), 2), /segmentSum: .*\[3\].*\[4,2\]/);
});

test('oneHot matches tf.oneHot', async () => {
  await ready;
  for (const [shape, depth] of [[[4], 5], [[2, 3], 4], [[], 3]] as [number[], number][]) {
    const idx = intArray(shape, -1, depth);
    assertClose(unmutated([idx], () => ref.oneHot(idx, depth)), tf.oneHot(toTfInt(idx), depth), `oneHot [${shape}] depth ${depth}`);
  }
});

test('full and iota match tf.fill and a broadcast tf.range', async () => {
  await ready;
  assertClose(ref.full([2, 3], 1.5), tf.fill([2, 3], 1.5), 'full');
  assertClose(ref.full([], -2), tf.scalar(-2), 'full scalar');
  for (const [shape, axis] of [[[5], 0], [[2, 3, 4], 0], [[2, 3, 4], 1], [[2, 3, 4], 2]] as [number[], number][]) {
    const unit = shape.map((d, i) => (i === axis ? d : 1));
    const expected = tf.broadcastTo(tf.reshape(tf.range(0, shape[axis]), unit), shape);
    assertClose(ref.iota(shape, axis), expected, `iota [${shape}] axis ${axis}`);
  }
  assert.throws(() => ref.iota([2, 3], 2), /iota: axis 2.*\[2,3\]/);
});
