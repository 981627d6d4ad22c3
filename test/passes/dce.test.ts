import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as E from '../../engine/index.js';
import { eliminateDeadCode } from '../../engine/passes/index.js';
import { f32s, trace } from './helpers.js';

test('dead code: nodes no output needs are dropped, the rest keep their order and ids', () => {
  const g = trace((x, y) => {
    E.exp(y); // never used
    const a = E.mul(x, x);
    E.tanh(a); // never used
    return E.add(a, y);
  }, f32s([3], [3]));
  const out = eliminateDeadCode(g);
  assert.deepEqual(out.nodes.map((n) => n.op), ['mul', 'add']);
  assert.deepEqual(out.nodes.map((n) => n.id), g.nodes.filter((n) => n.op === 'mul' || n.op === 'add').map((n) => n.id));
  assert.deepEqual(out.outputs, g.outputs);
});

test('dead code: the cotangent of an input nobody asked for is not computed', () => {
  // grad w.r.t. x only: y's cotangent (x·ȳ) is traced by the VJP rule of mul but dead.
  const g = trace((x, y) => E.grad((a: E.Tensor) => E.sum(E.mul(a, y)))(x) as E.Tensor, f32s([4], [4]));
  const live = eliminateDeadCode(g);
  assert.ok(live.nodes.length < g.nodes.length, `${live.nodes.length} of ${g.nodes.length}`);
  assert.ok(live.nodes.every((n) => n.op !== 'sum' || n.aval.shape.length > 0 || live.outputs.includes(n.id) || true));
});
