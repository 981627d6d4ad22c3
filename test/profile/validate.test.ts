/**
 * `parseProfile`: a valid file round-trips; a truncated, corrupted or tampered file is
 * refused with a `ProfileError` naming the JSON path and what was expected.
 */
import { test, describe, before } from 'node:test';
import assert from 'node:assert/strict';
import { buildProfile, serialiseProfile } from '../../engine/profile/build.js';
import type { ProfileFile } from '../../engine/profile/format.js';
import { jsonErrorOffset, parseProfile, ProfileError, validateProfile } from '../../engine/profile/validate.js';
import { loadSetup, runOnce, SMALL_SETUPS } from './helpers.js';

let text = '';
let file: ProfileFile;

/** A fresh mutable copy of the valid profile. */
const copy = (): any => JSON.parse(text);

function refused(value: unknown, path: string, ...parts: string[]): ProfileError {
  let err: ProfileError | undefined;
  assert.throws(
    () => (typeof value === 'string' ? parseProfile(value) : validateProfile(value)),
    (e: unknown) => {
      assert.ok(e instanceof ProfileError, String(e));
      err = e;
      return true;
    },
  );
  assert.equal(err!.path, path, err!.message);
  assert.ok(err!.message.startsWith('not a valid mixflow-profile/1 profile: at '), err!.message);
  for (const p of parts) assert.ok(err!.message.includes(p), `"${err!.message}" lacks "${p}"`);
  return err!;
}

describe('parseProfile', () => {
  before(async () => {
    const rel = SMALL_SETUPS[0]!;
    const runs = [await runOnce(rel, 'standard', 'block'), await runOnce(rel, 'mixflow', 'block')];
    file = buildProfile(rel, loadSetup(rel), runs, [
      { mode: 'standard', remat: 'block' },
      { mode: 'mixflow', remat: 'block' },
    ]);
    text = serialiseProfile(file);
  });

  test('a valid profile round-trips', () => {
    assert.deepEqual(parseProfile(text), JSON.parse(text));
    assert.ok(text.split('\n').length < 400, 'columns stay on one line each');
  });

  test('truncated anywhere: refused as truncated', () => {
    for (const frac of [0.001, 0.1, 0.5, 0.9, 0.999]) {
      const cut = text.slice(0, Math.floor(text.length * frac));
      refused(cut, '$', 'truncated', `stops after ${cut.length} characters`);
    }
    refused(text.slice(0, text.lastIndexOf('}')), '$', 'truncated');
  });

  test('jsonErrorOffset: every prefix of valid JSON is truncated, never a syntax error', () => {
    const sample = JSON.stringify({ a: [1, -2.5e-3, 0, 12345], b: 'x\\"y\\u00e9\u0001', c: [true, false, null, {}, []], d: { e: -0.125 } }, null, 1);
    for (let k = 1; k < sample.length; k++) assert.equal(jsonErrorOffset(sample.slice(0, k)), k, `cut at ${k}: ${JSON.stringify(sample.slice(0, k))}`);
    assert.equal(jsonErrorOffset('{"a": 1,, "b": 2}'), 8);
    assert.equal(jsonErrorOffset('{"a": 01}'), 7);
    assert.equal(jsonErrorOffset('[1, 2] x'), 7);
    for (let k = 1; k < text.length; k += 997) assert.equal(jsonErrorOffset(text.slice(0, k)), k);
  });

  test('empty file, garbage, not an object', () => {
    refused('', '$', 'an empty file');
    refused('   \n', '$', 'an empty file');
    refused(text.replace('"runs": [', '"runs": [,'), '$', 'syntax error', 'line ', 'corrupted');
    refused('\u0000\u0001binary', '$', 'valid JSON');
    refused('[1,2,3]', '$', 'an object', 'an array of 3');
  });

  test('wrong format or version', () => {
    const f = copy();
    f.format = 'mixflow-profile/2';
    refused(f, '$.format', '"mixflow-profile/1"', 'only that version', '"mixflow-profile/2"');
    f.format = 'mixflow-result/1';
    refused(f, '$.format', 'mixflow-profile/1');
    delete f.format;
    refused(f, '$.format', 'missing');
  });

  test('missing or mistyped fields name their path', () => {
    let f = copy();
    delete f.runs[1].steps;
    refused(f, '$.runs[1].steps', 'an object', 'missing');
    f = copy();
    f.runs[0].mode = 'fast';
    refused(f, '$.runs[0].mode', '"standard", "mixflow"', '"fast"');
    f = copy();
    f.runs[0].graph.nodes.bytes[3] = -4;
    refused(f, '$.runs[0].graph.nodes.bytes[3]', 'an integer ≥ 0', '-4');
    f = copy();
    f.runs[0].totals.time_ms = 'soon';
    refused(f, '$.runs[0].totals.time_ms', 'a number ≥ 0');
    f = copy();
    f.setup.model.sizes[1] = 0;
    refused(f, '$.setup.model.sizes[1]', 'an integer ≥ 1', '0');
    f = copy();
    f.runs = [];
    refused(f, '$.runs', 'at least one run');
  });

  test('columns of different lengths, indices out of range', () => {
    let f = copy();
    f.runs[0].graph.nodes.scope.pop();
    refused(f, '$.runs[0].graph.nodes.scope', `an array of ${f.runs[0].graph.nodes.id.length}`, 'one per node');
    f = copy();
    f.runs[0].graph.nodes.op[10] = f.runs[0].graph.ops.length;
    refused(f, '$.runs[0].graph.nodes.op[10]', `an integer from 0 to ${f.runs[0].graph.ops.length - 1}`);
    f = copy();
    f.runs[0].steps.ms.length = 5;
    refused(f, '$.runs[0].steps.ms', 'one per executed op');
    f = copy();
    f.runs[0].graph.nodes.inputs[7] = [999999];
    refused(f, '$.runs[0].graph.nodes.inputs[7][0]', 'an earlier node');
    f = copy();
    f.runs[0].graph.origins = ['primal'];
    refused(f, '$.runs[0].graph.origins', '["primal","tangent"');
  });

  test('a timeline that does not add up', () => {
    let f = copy();
    f.runs[0].steps.live_bytes[20] += 4;
    refused(f, '$.runs[0].steps.live_bytes[20]', 'high-water − freed');
    f = copy();
    f.runs[1].steps.freed_bytes[30] += 4;
    refused(f, '$.runs[1].steps.freed_bytes[30]', 'the bytes of the released values');
    f = copy();
    const s = f.runs[0].steps.released.findIndex((r: number[]) => r.length > 0);
    f.runs[0].steps.released[s].pop();
    refused(f, `$.runs[0].steps.freed_bytes[${s}]`);
    f = copy();
    const n = f.runs[0].steps.node;
    [n[0], n[1]] = [n[1], n[0]];
    assert.throws(() => validateProfile(f), ProfileError);
  });

  test('a peak that is not the timeline\'s, a live set that is not the held set, groupings that do not sum', () => {
    let f = copy();
    f.runs[0].peak.step -= 1;
    refused(f, '$.runs[0].peak.step', 'the first step reaching the peak');
    f = copy();
    f.runs[0].totals.peak_bytes += 4;
    f.runs[0].totals.active_peak_bytes += 4;
    f.runs[0].peak.bytes += 4;
    f.runs[0].peak.active_bytes += 4;
    refused(f, '$.runs[0].totals.peak_bytes', "the timeline's maximum");
    f = copy();
    f.runs[0].peak.live.id.pop();
    refused(f, '$.runs[0].peak.live.bytes', 'one per live value');
    f = copy();
    const live = f.runs[0].peak.live;
    for (const k of ['id', 'bytes', 'category', 'node']) live[k].pop();
    refused(f, '$.runs[0].peak.live.id', 'values live at step');
    f = copy();
    f.runs[0].peak.live.id[0] = f.runs[0].graph.nodes.id[f.runs[0].steps.node.at(-1)];
    refused(f, '$.runs[0].peak.live.id[0]', 'a value live at step');
    f = copy();
    f.runs[1].peak.by_category.residuals += 4;
    refused(f, '$.runs[1].peak.by_category', 'summing to the peak');
    f = copy();
    f.runs[1].peak.by_step['step/0'] = (f.runs[1].peak.by_step['step/0'] ?? 0) + 8;
    refused(f, '$.runs[1].peak.by_step', 'summing to the peak');
    f = copy();
    delete f.runs[0].peak.by_category.tangents;
    refused(f, '$.runs[0].peak.by_category["tangents"]', 'missing');
  });

  test('comparison must point at a standard and a mixflow run', () => {
    const f = copy();
    f.comparison.standard = 1;
    refused(f, '$.comparison.standard', 'a standard run');
    f.comparison = null;
    validateProfile(f);
  });

  test('fields a reader does not know are ignored (additions within /1)', () => {
    const f = copy();
    f.future = { anything: true };
    f.runs[0].extra_column = [1, 2, 3];
    assert.doesNotThrow(() => validateProfile(f));
  });
});
