import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionsAhead } from '../../engine/exec/onnxruntime/ahead.js';

// Six segments on two workers: models 0 and 2 on worker 0, models 1 and 3 on worker 1; model 3
// is ten times larger than the others.
const plan = { ownerOf: [0, 1, 0, 1, 0, 1], modelOf: [0, 1, 2, 1, 2, 3], modelOps: [100, 100, 100, 1000], workers: 2 };

test('the next session each worker needs is asked for at once; a large one waits until it fits', () => {
  const ahead = new SessionsAhead(plan);
  // Segment 0's own session is made by its run; each worker's next model is due now; model 3
  // (first guess: 40 ms to create) does not fit before worker 1's next segment (first guess:
  // segment 0 runs 4.5 ms).
  assert.deepEqual(ahead.started(0, 0), [
    [0, 2],
    [1, 1],
  ]);
  ahead.created(0, 0, 4, 4);
  ahead.created(1, 1, 4, 4);
  ahead.ran(0, 100, 104);
  // Now there is room: after segment 1, segment 2 (about 100 ms, at the 1 ms per op measured)
  // runs on worker 0 before worker 1's segment 3, which needs no new session; model 3 takes
  // about 40 ms (0.04 ms per op measured).
  ahead.created(0, 2, 4, 108);
  assert.deepEqual(ahead.started(1, 110), [[1, 3]]);
});

test('nothing is asked for twice, and a short gap is not filled', () => {
  const ahead = new SessionsAhead(plan);
  ahead.started(0, 0);
  ahead.ran(0, 1, 1); // segments run in a millisecond: no room for model 3's 40 ms
  assert.deepEqual(ahead.started(1, 1), []);
  ahead.ran(1, 1, 2);
  assert.deepEqual(ahead.started(2, 2), []);
  ahead.ran(2, 1, 3);
  // Worker 1's segment after this one (5) uses model 3: due, so asked for although it does not fit.
  assert.deepEqual(ahead.started(3, 3), [[1, 3]]);
  ahead.ran(3, 1, 4);
  assert.deepEqual(ahead.started(4, 4), []);
  ahead.ran(4, 1, 5);
  assert.deepEqual(ahead.started(5, 5), []);
});
