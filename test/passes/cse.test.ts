import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { eliminateCommonSubexpressions, eliminateDeadCode } from '../../engine/passes/index.js';
import { assertSameResults, f32s, opCounts, trace } from './helpers.js';

function cse(g: ReturnType<typeof trace>, headroom: 'none' | 'peak' = 'none') {
  const stats: Record<string, number> = {};
  const out = eliminateDeadCode(eliminateCommonSubexpressions(g, stats, { headroom }));
  assertSameResults(g, out);
  return { out, stats, ops: opCounts(out) };
}

test('cse: equal nodes on live values are computed once, and so are the nodes using them', () => {
  const g = trace((x, y) => {
    const a = E.exp(E.mul(x, y));
    const b = E.exp(E.mul(x, y));
    return E.add(E.tanh(a), E.tanh(b));
  }, f32s([5], [5]));
  const { ops, stats } = cse(g);
  assert.deepEqual([ops.mul, ops.exp, ops.tanh], [1, 1, 1]);
  assert.deepEqual(stats, { mul: 1, exp: 1, tanh: 1 });
});

test('cse: equal constants used at once are made once; a constant needed again later is remade', () => {
  const g = trace((x) => E.add(E.mul(x, 0.5), E.mul(x, 0.5)), f32s([3]));
  assert.deepEqual([cse(g).ops.full, cse(g).ops.mul], [1, 1]);
  const later = trace((x) => E.add(E.mul(x, 0.5), E.mul(E.exp(x), 0.5)), f32s([3]));
  assert.equal(cse(later).ops.full, 2, 'holding it across exp would add 4 bytes there');
});

test('cse: a rematerialised forward pass is rerun, not kept (no step may hold more)', () => {
  const block = E.checkpoint((h: E.Tensor, w: E.Tensor) => E.tanh(E.matmul(E.tanh(E.matmul(h, w)), w)));
  const g = trace((x, w) => {
    const [value, grad] = E.valueAndGrad((w0: E.Tensor) => E.sum(block(block(x, w0), w0)))(w) as [E.Tensor, E.Tensor];
    return [value, grad];
  }, f32s([64, 64], [64, 64]));
  assert.equal(cse(g).ops.tanh, opCounts(g).tanh);
});

test('cse with headroom peak: equal values across a gap are merged only while the planned peak allows it', () => {
  // Two checkpointed blocks under grad: the backward pass recomputes each block. Keeping
  // the second block's forward values until its recomputation costs nothing at the peak
  // (they are what the recomputation would allocate anyway); keeping the first block's
  // values through the second block's backward pass would raise the peak, so it is rerun.
  const block = E.checkpoint((h: E.Tensor, w: E.Tensor) => E.tanh(E.matmul(E.tanh(E.matmul(h, w)), w)));
  const g = trace((x, w) => {
    const [value, grad] = E.valueAndGrad((w0: E.Tensor) => E.sum(block(block(x, w0), w0)))(w) as [E.Tensor, E.Tensor];
    return [value, grad];
  }, f32s([64, 64], [64, 64]));
  const before = opCounts(g);
  const { ops } = cse(g, 'peak');
  assert.equal(before.tanh, 8, 'two blocks of two tanh, each run and rerun');
  assert.ok(ops.tanh < before.tanh, `some recomputation is kept instead (${ops.tanh} tanh)`);
  assert.ok(ops.tanh > 4, `not all of it: the peak forbids (${ops.tanh} tanh)`);
});
