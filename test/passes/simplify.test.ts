import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { eliminateDeadCode, simplify } from '../../engine/passes/index.js';
import { assertSameResults, f32s, opCounts, trace } from './helpers.js';

function simplified(g: ReturnType<typeof trace>) {
  const stats: Record<string, number> = {};
  const out = eliminateDeadCode(simplify(g, stats));
  assertSameResults(g, out);
  return { out, stats, ops: opCounts(out) };
}

test('simplify: ×1, +0, −0, /1 and double negation leave the value itself', () => {
  const g = trace((x) => E.neg(E.neg(E.div(E.sub(E.add(E.mul(x, 1), 0), 0), 1))), f32s([2, 3]));
  const { out, stats } = simplified(g);
  assert.equal(E.schedule(out).order.length, 0, 'nothing left to run');
  assert.deepEqual(out.outputs, [out.inputs[0].id]);
  assert.equal(stats['double negation'], 1);
  assert.equal(stats['mul by 1'], 1);
});

test('simplify: ×1 that broadcasts is kept (its result is larger than x)', () => {
  const g = trace((x) => E.mul(x, E.full([2, 3], 1)), f32s([3]));
  const { ops } = simplified(g);
  assert.equal(ops.mul, 1);
});

test('simplify: reshape chains collapse, and a chain back to the start disappears', () => {
  const g = trace((x) => {
    const a = E.reshape(E.reshape(E.reshape(x, [6]), [3, 2]), [1, 6]);
    return [a, E.reshape(E.reshape(x, [6]), [2, 3])];
  }, f32s([2, 3]));
  const { out, ops } = simplified(g);
  assert.equal(ops.reshape, 1, 'one reshape to [1,6]; the other chain ends where it began');
  assert.equal(out.outputs[1], out.inputs[0].id);
});

test('simplify: double transposes compose, identity ones vanish', () => {
  const g = trace((x) => [E.transpose(E.transpose(x, [1, 2, 0]), [2, 0, 1]), E.transpose(E.transpose(x, [1, 0, 2]), [0, 2, 1])], f32s([2, 3, 4]));
  const { out, ops } = simplified(g);
  assert.equal(ops.transpose, 1);
  assert.equal(out.outputs[0], out.inputs[0].id);
  const t = out.nodes.find((n) => n.op === 'transpose')!;
  assert.deepEqual(t.params.perm, [1, 2, 0]);
});

test('simplify: a broadcast the elementwise kernel does itself is skipped', () => {
  const g = trace((x, b) => E.mul(x, E.broadcastTo(b, [4, 3])), f32s([4, 3], [3]));
  const { ops, stats } = simplified(g);
  assert.equal(ops.broadcastTo, undefined);
  assert.equal(stats['broadcast done by the kernel'], 1);
});

test('simplify: of two broadcast operands only as many are skipped as keep the result shape', () => {
  const g = trace((a, b) => E.mul(E.broadcastTo(a, [4, 3]), E.broadcastTo(b, [4, 3])), f32s([3], [3]));
  const { out, ops } = simplified(g);
  assert.equal(ops.broadcastTo, 1);
  assert.deepEqual(out.nodes.find((n) => n.op === 'mul')!.aval.shape, [4, 3]);
});

test('simplify: a broadcast still used elsewhere stays (no longer lifetime for its source)', () => {
  const g = trace((x, b) => {
    const bb = E.broadcastTo(b, [4, 3]);
    return [E.mul(x, bb), bb];
  }, f32s([4, 3], [3]));
  assert.equal(simplified(g).ops.broadcastTo, 1);
});

test('simplify: a transpose of the last two axes becomes the matmul flag', () => {
  const g = trace((a, b) => E.matmul(E.transpose(a, [1, 0]), b), f32s([3, 2], [3, 4]));
  const { out, ops } = simplified(g);
  assert.equal(ops.transpose, undefined);
  const mm = out.nodes.find((n) => n.op === 'matmul')!;
  assert.equal(mm.params.transposeA, true);
});

test('simplify: a negation feeding an add or sub becomes a sub or add, unless it is used elsewhere', () => {
  const g = trace((x, y, b) => [E.add(x, E.neg(y)), E.sub(x, E.neg(y)), E.add(E.neg(x), E.broadcastTo(b, [4, 3]))], f32s([4, 3], [4, 3], [3]));
  const { out, ops, stats } = simplified(g);
  assert.equal(ops.neg, undefined);
  assert.equal(stats['add of a negation'], 2);
  assert.equal(stats['sub of a negation'], 1);
  // (−x) + b = b − x, with b still broadcast by the kernel.
  const last = out.nodes.find((n) => n.id === out.outputs[2])!;
  assert.equal(last.op, 'sub');
  assert.deepEqual(last.aval.shape, [4, 3]);
  const kept = trace((x, y) => {
    const ny = E.neg(y);
    return [E.add(x, ny), ny];
  }, f32s([4, 3], [4, 3]));
  assert.equal(simplified(kept).ops.neg, 1);
});

test('simplify: the sum of a negation negates the sum instead, and the peak does not rise', () => {
  const g = trace((x) => E.mul(E.sum(E.neg(E.exp(x)), [1]), 2), f32s([64, 256]));
  const { out, ops, stats } = simplified(g);
  assert.equal(stats['negation after the sum'], 1);
  assert.equal(ops.neg, 1);
  const neg = out.nodes.find((n) => n.op === 'neg')!;
  assert.deepEqual(neg.aval.shape, [64], 'negates 64 values, not 64×256');
  assert.ok(E.planMemory(E.schedule(out)).peakBytes <= E.planMemory(E.schedule(g)).peakBytes);
});
