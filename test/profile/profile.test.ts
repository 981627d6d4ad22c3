/**
 * The profile (`mixflow-profile/1`) against the engine: on small setups, the profile's peak
 * equals the executor's measured peak and the static plan exactly; every grouping of the
 * peak sums to it; the live set at the peak is exactly the set of values an executor held
 * at that step (observed by wrapping its kernels, independent of the memory replay).
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { Interpreter, type Kernels } from '../../engine/exec/interpret.js';
import type { RefArray } from '../../engine/kernels/ref/array.js';
import { estimateMeta, type MetaRun } from '../../engine/meta/run.js';
import '../../engine/primitives/index.js';
import { getPrimitive } from '../../engine/primitives/registry.js';
import { buildProfile, buildProfileRun, serialiseProfile, ENGINE_VERSION } from '../../engine/profile/build.js';
import { CATEGORIES, ORIGINS, PROFILE_FORMAT, profileNode, type ProfileRun } from '../../engine/profile/format.js';
import { parseProfile } from '../../engine/profile/validate.js';
import { materialise } from '../../engine/setup/materialise.js';
import type { Mode, Remat } from '../../engine/setup/result.js';
import { hostInputs } from '../../engine/meta/run.js';
import { loadSetup, ROOT, runOnce, SMALL_SETUPS } from './helpers.js';

const sum = (r: Record<string, number>) => Object.values(r).reduce((a, b) => a + b, 0);

const CASES: { setup: string; mode: Mode; remat: Remat }[] = [
  ...SMALL_SETUPS.flatMap((setup) => (['standard', 'mixflow'] as const).map((mode) => ({ setup, mode, remat: 'none' as Remat }))),
  { setup: SMALL_SETUPS[0]!, mode: 'standard', remat: 'step+block' },
  { setup: SMALL_SETUPS[0]!, mode: 'mixflow', remat: 'step+block' },
  { setup: SMALL_SETUPS[1]!, mode: 'standard', remat: 'block' },
  { setup: SMALL_SETUPS[1]!, mode: 'mixflow', remat: 'block' },
  { setup: SMALL_SETUPS[1]!, mode: 'mixflow', remat: 'step' },
];

/** Runs a schedule on wrapped reference kernels and records the ids held after each node ran. */
function heldAtEachStep(r: MetaRun, setupRel: string): { heldAt: (step: number) => Set<number>; maxBytes: number; maxStep: number } {
  type W = { readonly id: number; readonly v: RefArray };
  const held = new Map<number, number>(); // id → bytes
  const snapshots = new Map<number, Set<number>>();
  let maxBytes = 0;
  let maxStep = -1;
  let liveBytes = 0;
  const kernels: Kernels<W> = {
    run: (node, inputs) => {
      const v = getPrimitive(node.op).ref(inputs.map((i) => i.v), node.params);
      held.set(node.id, v.data.length * 4);
      liveBytes += v.data.length * 4;
      return { id: node.id, v };
    },
    shape: (w) => w.v.shape,
    bytes: (w) => w.v.data.length * 4,
    dispose: (w) => {
      assert.ok(held.has(w.id), `value ${w.id} disposed twice`);
      liveBytes -= held.get(w.id)!;
      held.delete(w.id);
    },
  };
  const data = hostInputs(materialise(loadSetup(setupRel)));
  const inputs: W[] = r.sched.graph.inputs.map((inp, i) => {
    held.set(inp.id, data[i]!.data.length * 4);
    liveBytes += data[i]!.data.length * 4;
    return { id: inp.id, v: { shape: [...inp.aval.shape], data: Float64Array.from(data[i]!.data) } };
  });
  maxBytes = liveBytes;
  new Interpreter(r.sched, inputs, kernels, {
    onStep: (e) => {
      if (e.phase !== 'ran') return;
      snapshots.set(e.step, new Set(held.keys()));
      if (liveBytes > maxBytes) {
        maxBytes = liveBytes;
        maxStep = e.step;
      }
    },
  }).run();
  return { heldAt: (s) => snapshots.get(s)!, maxBytes, maxStep };
}

describe('profile against the engine', () => {
  for (const c of CASES) {
    const name = `${c.setup.split('/').pop()} ${c.mode} remat ${c.remat}`;
    test(`${name}: peak = measured = static plan; groupings sum to it; live set = what the executor held`, async () => {
      const r = await runOnce(c.setup, c.mode, c.remat);
      const p = buildProfileRun(r, c);
      const plan = estimateMeta(loadSetup(c.setup), c).memory;

      assert.equal(p.peak.bytes, r.peakBytes);
      assert.equal(p.totals.peak_bytes, r.memory.peakBytes);
      assert.equal(p.totals.active_peak_bytes, r.activePeakBytes);
      assert.equal(p.peak.bytes, plan.peakBytes, 'static plan (mixflow estimate)');
      assert.equal(p.peak.active_bytes, plan.activePeakBytes);
      assert.equal(p.totals.planned_peak_bytes, plan.peakBytes);
      assert.equal(p.peak.step, plan.peakStep);
      assert.ok(p.peak.step >= 0 && p.peak.live.node.some((k) => k >= 0), 'the peak is inside the run');

      for (const g of ['by_category', 'by_step', 'by_block', 'by_op', 'by_origin'] as const) {
        assert.equal(sum(p.peak[g]), p.peak.bytes, `${g} sums to the peak`);
      }
      assert.deepEqual(Object.keys(p.peak.by_category), [...CATEGORIES]);
      assert.equal(p.peak.live.bytes.reduce((a, b) => a + b, 0), p.peak.bytes);
      for (const k of Object.keys(p.peak.by_step)) assert.match(k, /^(step\/\d+|outer|\(input\)|\(top\))$/, `by_step key ${k}`);

      // The executor's own holdings, observed through its kernels.
      const ex = heldAtEachStep(r, c.setup);
      assert.equal(ex.maxBytes, p.peak.bytes, 'the most bytes the executor held');
      assert.equal(ex.maxStep, p.peak.step);
      const held = p.peak.step < 0 ? new Set(r.sched.graph.inputs.map((i) => i.id)) : ex.heldAt(p.peak.step);
      assert.deepEqual(new Set(p.peak.live.id), held);
      assert.equal(p.peak.live.id.length, held.size, 'no value listed twice');
      assert.deepEqual(new Set(p.peak.live.id), new Set(r.memory.liveAtPeak));

      // The timeline agrees with the executor's per-step accounting.
      assert.deepEqual(p.steps.live_bytes, r.memory.steps.map((s) => s.liveBytes));
      assert.equal(Math.max(p.totals.input_bytes, ...p.steps.high_water_bytes), p.peak.bytes);
      assert.equal(p.steps.ms!.length, p.steps.node.length, 'timed per op');
      assert.deepEqual(p.steps.node.map((k) => p.graph.nodes.id[k]), r.sched.order.map((n) => n.id), 'execution order');

      // And the whole file validates.
      const file = buildProfile(c.setup, loadSetup(c.setup), [r], [c]);
      const back = parseProfile(serialiseProfile(file));
      assert.deepEqual(back, JSON.parse(JSON.stringify(file)));
    });
  }

  test('mixflow has tangents and custom-VJP nodes, standard neither; standard needs more at the peak', async () => {
    const std = buildProfileRun(await runOnce(SMALL_SETUPS[1]!, 'standard', 'block'), { mode: 'standard', remat: 'block' });
    const mix = buildProfileRun(await runOnce(SMALL_SETUPS[1]!, 'mixflow', 'block'), { mode: 'mixflow', remat: 'block' });
    const origins = (p: ProfileRun) => new Set(p.graph.nodes.origin.map((o) => ORIGINS[o]));
    assert.ok(origins(mix).has('tangent') && origins(mix).has('customVjp'));
    assert.ok(!origins(std).has('tangent') && !origins(std).has('customVjp'));
    assert.ok(origins(std).has('remat') && origins(std).has('cotangent'));
    assert.ok(std.peak.bytes > mix.peak.bytes);
    assert.ok(Object.keys(std.peak.by_block).some((k) => /\/block\/\d+$/.test(k)), 'transformer blocks appear in by_block');
    const file = buildProfile('x.mixflow.json', loadSetup(SMALL_SETUPS[1]!), [await runOnce(SMALL_SETUPS[1]!, 'standard', 'block'), await runOnce(SMALL_SETUPS[1]!, 'mixflow', 'block')], [
      { mode: 'standard', remat: 'block' },
      { mode: 'mixflow', remat: 'block' },
    ]);
    assert.equal(file.comparison!.peak_ratio, std.peak.bytes / mix.peak.bytes);
    assert.equal(file.comparison!.standard, 0);
    assert.equal(file.comparison!.mixflow, 1);
  });

  test('MLP layers appear in by_block; nodes read back as records', async () => {
    const p = buildProfileRun(await runOnce(SMALL_SETUPS[0]!, 'standard', 'step+block'), { mode: 'standard', remat: 'step+block' });
    const blocks = Object.keys(p.peak.by_block);
    assert.ok(blocks.some((k) => /^step\/\d+\/grad\/layer\/\d+$/.test(k)), blocks.join(' '));
    assert.ok(blocks.every((k) => !/\/layer\/\d+\//.test(k)), 'nothing below the layer level');
    const k = p.graph.nodes.op.findIndex((o) => p.graph.ops[o] === 'matmul');
    const n = profileNode(p.graph, k);
    assert.equal(n.op, 'matmul');
    assert.equal(n.bytes, n.shape.reduce((a, b) => a * b, 1) * 4);
    assert.ok(ORIGINS.includes(n.origin));
    assert.equal(typeof n.scope, 'string');
  });

  test('float64 reference runs profile the same peak', async () => {
    const rel = SMALL_SETUPS[2]!;
    const r = await runOnce(rel, 'mixflow', 'none', 'float64');
    const p = buildProfileRun(r, { mode: 'mixflow', remat: 'none' });
    assert.equal(p.backend, 'reference');
    assert.equal(p.precision, 'float64');
    assert.equal(p.peak.bytes, estimateMeta(loadSetup(rel), { mode: 'mixflow', remat: 'none' }).memory.peakBytes);
  });

  test('untimed runs write ms: null', async () => {
    const r = await runOnce(SMALL_SETUPS[2]!, 'standard', 'none', 'float32', false);
    const file = buildProfile(null, loadSetup(SMALL_SETUPS[2]!), [r], [{ mode: 'standard', remat: 'none' }]);
    assert.equal(file.runs[0]!.steps.ms, null);
    assert.equal(file.runs[0]!.totals.op_ms, null);
    assert.equal(file.comparison, null);
    parseProfile(serialiseProfile(file));
  });

  test('header: format, engine version from package.json, setup summary', async () => {
    const rel = SMALL_SETUPS[0]!;
    const file = buildProfile(rel, loadSetup(rel), [await runOnce(rel, 'mixflow', 'none')], [{ mode: 'mixflow', remat: 'none' }]);
    assert.equal(file.format, PROFILE_FORMAT);
    assert.equal(file.engine.version, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    assert.equal(ENGINE_VERSION, file.engine.version);
    assert.deepEqual(file.setup.model, { kind: 'mlp', sizes: [4, 16, 3], activation: 'tanh' });
    assert.equal(file.setup.inner_steps, 5);
    assert.equal(file.setup.parameters, 4 * 16 + 16 + 16 * 3 + 3);
    assert.ok(!Number.isNaN(Date.parse(file.created)));
  });

  test('format.ts, validate.ts and validate/*.ts import nothing from node or TF.js (the webview uses them)', () => {
    // They may import only each other, core/text.ts and the (pure) remat schedule modules, by
    // relative paths; every file of validate/ is checked.
    const parts = ['error', 'graph', 'innerSchedule', 'json', 'peak', 'readers', 'run', 'setup', 'timeline'].map((m) => `profile/validate/${m}.ts`);
    assert.deepEqual(readdirSync(join(ROOT, 'engine', 'profile', 'validate')).sort().map((f) => `profile/validate/${f}`), parts);
    const schedules = ['meta/innerSchedule.ts', 'meta/remat.ts', 'meta/revolve.ts'];
    const checked = ['profile/format.ts', 'profile/validate.ts', ...parts, ...schedules];
    const pure = [...checked, 'core/text.ts'];
    for (const f of checked) {
      const src = readFileSync(join(ROOT, 'engine', f), 'utf8');
      const imports = [...src.matchAll(/(?:import|from)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      const resolved = imports.map((i) => (/^\.\.?\//.test(i) ? posix.join(posix.dirname(f), i).replace(/\.js$/, '.ts') : i));
      assert.ok(resolved.every((i) => pure.includes(i)), `${f} imports ${imports.join(', ')}`);
      assert.ok(!/\brequire\s*\(|process\.|Buffer\b/.test(src), `${f} uses node globals`);
    }
  });
});
