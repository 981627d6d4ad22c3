import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphNode, Origin } from '../../engine/ir/graph.js';
import { formatFlops, formatRate, workBy } from '../../engine/profile/scopeWork.js';

const node = (id: number, scope: string, origin: Origin): GraphNode => ({ id, op: 'mul', inputs: [], params: {}, aval: { shape: [2], dtype: 'float32' }, scope, origin });

test('workBy: time and FLOPs summed by phase, inner step and block, slowest first', () => {
  const order = [
    node(1, 'step/0/grad/block/0/attn', 'primal'),
    node(2, 'step/0/grad/block/1/mlp', 'cotangent'),
    node(3, 'step/1/grad/block/0', 'cotangent'),
    node(4, 'outer', 'primal'),
  ];
  const ms = [1, 2, 4, 8];
  const flops = [10, 20, 40, 80];
  assert.deepEqual(workBy('phase', order, ms, flops), [
    { group: 'primal', ops: 2, ms: 9, flops: 90 },
    { group: 'cotangent', ops: 2, ms: 6, flops: 60 },
  ]);
  assert.deepEqual(workBy('step', order, ms, flops).map((r) => [r.group, r.ms, r.flops]), [['outer', 8, 80], ['step/1', 4, 40], ['step/0', 3, 30]]);
  assert.deepEqual(workBy('block', order, ms, flops).map((r) => r.group), ['outer', 'step/1/grad/block/0', 'step/0/grad/block/1', 'step/0/grad/block/0']);
  assert.equal(formatFlops(6.09e10), '60.90 GFLOP');
  assert.equal(formatFlops(1.2e5), '0.1 MFLOP');
  assert.equal(formatRate(6e10, 12000), '5.00 GFLOP/s');
});
