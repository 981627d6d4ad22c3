/**
 * FLOPs per op from shapes alone: exact counts for each kind of op (matmul with batch axes and
 * transpose flags, conv2d with groups and bias, elementwise, reductions, layout ops), and the
 * plan of a traced gradient whose total is worked out by hand, with its recomputation priced
 * under `checkpoint`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';

const f = (shape: number[]) => ({ shape, dtype: 'float32' as const });

test('matmul counts 2·batch·M·N·K, reading M, N, K through the transpose flags', () => {
  assert.equal(E.opFlops('matmul', [f([3, 4]), f([4, 5])], { transposeA: false, transposeB: false }, f([3, 5])), 2 * 3 * 5 * 4);
  assert.equal(E.opFlops('matmul', [f([4, 3]), f([5, 4])], { transposeA: true, transposeB: true }, f([3, 5])), 2 * 3 * 5 * 4);
  assert.equal(E.opFlops('matmul', [f([2, 7, 3, 4]), f([2, 7, 4, 6])], { transposeA: false, transposeB: false }, f([2, 7, 3, 6])), 2 * 14 * 3 * 6 * 4);
});

test('conv2d counts 2·N·Cout·Hout·Wout·(Cin/groups)·kH·kW, plus the bias adds', () => {
  // N 2, Cin 8, groups 4 (2 input channels per group), Cout 12, 3×3 kernel, 5×6 output.
  const params = { strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1], groups: 4 };
  const out = f([2, 12, 5, 6]);
  assert.equal(E.opFlops('conv2d', [f([2, 8, 5, 6]), f([12, 2, 3, 3])], params, out), 2 * 2 * 12 * 5 * 6 * 2 * 3 * 3);
  assert.equal(E.opFlops('conv2d', [f([2, 8, 5, 6]), f([12, 2, 3, 3]), f([12])], params, out), 2 * 2 * 12 * 5 * 6 * 2 * 3 * 3 + 2 * 12 * 5 * 6);
});

test('elementwise ops count their output, reductions their input, layout ops nothing', () => {
  assert.equal(E.opFlops('add', [f([4, 1]), f([1, 6])], {}, f([4, 6])), 24);
  assert.equal(E.opFlops('tanh', [f([4, 6])], {}, f([4, 6])), 24);
  assert.equal(E.opFlops('select', [f([4, 6]), f([4, 6]), f([4, 6])], {}, f([4, 6])), 24);
  assert.equal(E.opFlops('sum', [f([4, 6])], { axes: [1], keepDims: false }, f([4])), 24);
  assert.equal(E.opFlops('max', [f([4, 6])], { axes: [0, 1], keepDims: false }, f([])), 24);
  for (const op of ['reshape', 'transpose', 'broadcastTo', 'slice', 'pad', 'concat', 'gather', 'oneHot', 'full', 'constant', 'iota']) {
    assert.equal(E.opFlops(op, [f([4, 6])], {}, f([24])), 0, op);
  }
  assert.equal(E.opFlops('someFuturePrimitive', [f([4, 6])], {}, f([4, 6])), 24, 'an unknown op counts as elementwise');
});

const B = 8;
const I = 5;
const O = 3;
/** L(W) = Σ tanh(x·W): forward 2BIO + BO + BO; its gradient adds the pullbacks. */
const layerLoss = (w: E.Tensor, x: E.Tensor) => E.sum(E.tanh(E.matmul(x, w)));

test('the plan of a traced gradient sums its ops, and checkpointing adds exactly the recomputed forward', () => {
  const avals = [f([I, O]), f([B, I])];
  const fwd = E.planFlops(E.schedule(E.traceGraph(layerLoss, avals).graph));
  assert.equal(fwd.totalFlops, 2 * B * I * O + B * O + B * O);
  assert.equal(fwd.nodeFlops.reduce((a, b) => a + b, 0), fwd.totalFlops);
  assert.equal(fwd.rematFlops, 0);
  // valueAndGrad keeps the forward value live, so the checkpointed forward runs twice.
  const plain = E.planFlops(E.schedule(E.traceGraph(E.valueAndGrad(layerLoss), avals).graph));
  const ckpt = E.planFlops(E.schedule(E.traceGraph(E.valueAndGrad(E.checkpoint(layerLoss)), avals).graph));
  // Only dW = xᵀ·ḡ is needed (x is not differentiated): one more matmul, plus tanh's pullback.
  assert.ok(plain.totalFlops >= fwd.totalFlops + 2 * B * I * O, `${plain.totalFlops}`);
  assert.equal(ckpt.totalFlops - plain.totalFlops, ckpt.rematFlops, 'the extra work is the recomputation');
  assert.ok(ckpt.rematFlops >= 2 * B * I * O + B * O, `recomputes the matmul and tanh: ${ckpt.rematFlops}`);
});
