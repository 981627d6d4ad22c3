/**
 * The periodic decomposition on hand-made token sequences: it is found from two sizes, it
 * predicts the others token for token, and `peakAt` equals the peak of the expanded sequence at
 * every size, including where the peak moves from a fixed part of the program into a run of
 * copies (a crossover at n = 34 that traces at 2 … 4 never show).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPeriodicStructure, lengthAt, peakAt, predicts } from '../../engine/plan/periodic.js';

// Tokens: 0 alloc 1000 (a big fixed activation), 1 frees it, 2 alloc 30 (a residual kept), 3 alloc 5 free 5,
// 4 frees 30, 5 alloc 7 free 0.
const BYTES = [
  { allocated: 1000, freed: 0 }, { allocated: 0, freed: 1000 }, { allocated: 30, freed: 0 },
  { allocated: 5, freed: 5 }, { allocated: 0, freed: 30 }, { allocated: 7, freed: 0 },
];
const bytes = (t: number) => BYTES[t]!;

/** Head: a big temporary; forward: n copies keep 30 B each; then n copies free them. */
function program(n: number): number[] {
  return [5, 0, 1, ...Array.from({ length: n }, () => [2, 3]).flat(), 5, ...Array.from({ length: n }, () => [4, 3]).flat(), 5];
}

function bruteForcePeak(seq: readonly number[], start: number): number {
  let live = start;
  let peak = start;
  for (const t of seq) {
    peak = Math.max(peak, live + bytes(t).allocated);
    live += bytes(t).allocated - bytes(t).freed;
  }
  return peak;
}

test('the structure found at n = 2, 3 predicts n = 4 … 6 token for token and is not fooled by other sequences', () => {
  const s = findPeriodicStructure(program(2), program(3));
  assert.ok(s);
  assert.deepEqual(s.map((x) => x.kind), ['gap', 'repeat', 'gap', 'repeat', 'gap']);
  for (let n = 2; n <= 6; n++) {
    assert.ok(predicts(s, n - 2, program(n)), `n = ${n}`);
    assert.equal(lengthAt(s, n - 2), program(n).length);
  }
  const broken = program(4);
  broken[9] = 5;
  assert.equal(predicts(s, 2, broken), false);
  // Another reading of two sizes can exist (an extra token 5 per n); the third size refutes it.
  const other = findPeriodicStructure(program(2), [...program(3).slice(0, 9), 5, ...program(3).slice(9)]);
  assert.ok(other && !predicts(other, 2, program(4)));
  assert.equal(findPeriodicStructure(program(2), [...program(3), 3]), undefined);
});

test('peakAt equals the expanded sequence\'s peak at every size, through the crossover', () => {
  const s = findPeriodicStructure(program(2), program(3))!;
  const where = new Set<string>();
  for (let n = 2; n <= 80; n++) {
    const got = peakAt(s, n - 2, 100, bytes);
    assert.equal(got.peakBytes, bruteForcePeak(program(n), 100), `n = ${n}`);
    where.add(got.place ? `${got.place.segment}/${got.place.copy}` : 'inputs');
  }
  // Up to n = 33 the 1000 B temporary is the peak; above, the 7 B allocated after the last forward copy.
  assert.equal(peakAt(s, 31, 100, bytes).place!.segment, 0);
  assert.deepEqual(peakAt(s, 32, 100, bytes).place, { segment: 2, copy: 'first', offset: 0 });
  assert.ok(where.size >= 2, [...where].join(' '));
});
