/**
 * A run's `peak.live` and groupings: exactly the values the timeline holds at the peak step,
 * with their bytes and nodes, and every grouping of them summing to the peak.
 */
import { CATEGORIES, ORIGINS } from '../format.js';
import { fail } from './error.js';
import type { Graph } from './graph.js';
import { byteGroups, ints, record, type Rec } from './readers.js';

/** `pk` is the run's `peak` record at path `pp`; `liveAtPeak` the replayed live set at `peakStep`. */
export function validatePeakLive(pk: Rec, pp: string, g: Graph, liveAtPeak: readonly number[], peakStep: number, peakBytes: number): void {
  const { bytesOf, indexOf } = g;
  const nn = g.ids.length;
  const lv = record(pk.live, `${pp}.live`);
  const lids = ints(lv.id, `${pp}.live.id`);
  const nl = lids.length;
  const lwhy = 'one per live value, like live.id';
  const lbytes = ints(lv.bytes, `${pp}.live.bytes`, nl, lwhy);
  ints(lv.category, `${pp}.live.category`, nl, lwhy, 0, CATEGORIES.length - 1);
  const lnode = ints(lv.node, `${pp}.live.node`, nl, lwhy, -1, nn - 1);
  const expected = new Set(liveAtPeak);
  if (nl !== expected.size) fail(`${pp}.live.id`, `the ${expected.size} values live at step ${peakStep}`, lids);
  lids.forEach((id, i) => {
    if (!expected.has(id)) fail(`${pp}.live.id[${i}]`, `a value live at step ${peakStep}`, id);
    expected.delete(id);
    if (lbytes[i] !== bytesOf.get(id)) fail(`${pp}.live.bytes[${i}]`, `value ${id}'s bytes, ${bytesOf.get(id)}`, lbytes[i]);
    const k = indexOf.get(id) ?? -1;
    if (lnode[i] !== k) fail(`${pp}.live.node[${i}]`, k < 0 ? '-1 (a graph input)' : `value ${id}'s node, ${k}`, lnode[i]);
  });
  if (expected.size > 0) fail(`${pp}.live.id`, `every value live at step ${peakStep}`, lids, `a list lacking ${[...expected].slice(0, 5).join(', ')}`);
  byteGroups(pk.by_category, `${pp}.by_category`, peakBytes, CATEGORIES);
  byteGroups(pk.by_step, `${pp}.by_step`, peakBytes);
  byteGroups(pk.by_block, `${pp}.by_block`, peakBytes);
  byteGroups(pk.by_op, `${pp}.by_op`, peakBytes);
  byteGroups(pk.by_origin, `${pp}.by_origin`, peakBytes, [...ORIGINS, 'input']);
}
