import { test } from 'node:test';
import assert from 'node:assert/strict';
import { routeValues } from '../../engine/exec/onnxruntime/routes.js';
import type { Segment } from '../../engine/exec/onnxruntime/lower.js';

const seg = (inputs: number[], outputs: number[]): Segment => ({ inputs, outputs, nodes: [], released: [] });

test('a value read only on the worker that made it stays there; others go through the main thread', () => {
  // Graph input 0. Segment 0 (worker 0) makes 10 and 11; segment 1 (worker 1) makes 20; segment 2
  // (worker 0) reads 10 (its own), 20 (worker 1's) and 0; segment 3 (worker 1) reads 11 and 20,
  // and makes 30, a graph output.
  const segments = [seg([0], [10, 11]), seg([0], [20]), seg([10, 20, 0], []), seg([11, 20], [30])];
  const routes = routeValues(segments, [0, 1, 0, 1], [30]);
  assert.deepEqual(routes[0].keep, [true, false]);
  assert.deepEqual(routes[0].send, [false, true]);
  // 20 is read locally by segment 3 and through the main thread by segment 2: both.
  assert.deepEqual(routes[1].keep, [true]);
  assert.deepEqual(routes[1].send, [true]);
  assert.deepEqual(routes[2].local, [true, false, false]);
  assert.deepEqual(routes[2].dropLocal, [10]);
  assert.deepEqual(routes[2].dropMain, [20], 'the graph input 0 is never dropped');
  assert.deepEqual(routes[3].local, [false, true]);
  assert.deepEqual(routes[3].dropLocal, [20]);
  assert.deepEqual(routes[3].dropMain, [11]);
  assert.deepEqual(routes[3].send, [true], 'a graph output reaches the main thread');
});
