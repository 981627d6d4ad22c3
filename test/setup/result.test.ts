import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSetup } from '../../engine/setup/validate.js';
import { buildResult, serialiseResult, stringifyJson, jsonNumber, parseJsonNumber, toNested, type ComputedResult } from '../../engine/setup/result.js';
import { paramSpecs } from '../../engine/setup/transformerParams.js';
import { hostTensor, type HostTensor } from '../../engine/setup/types.js';
import { mlpSetup, syntheticTransformer } from './fixtures.js';

const t = (shape: number[], fill: (i: number) => number = (i) => i): HostTensor => {
  const h = hostTensor(shape);
  h.data.forEach((_, i) => (h.data[i] = fill(i)));
  return h;
};

function computed(metaGrads: ComputedResult['metaGrads'], outer_loss = 0.5): ComputedResult {
  return { outer_loss, metaGrads, peak_bytes: 1024, active_peak_bytes: 512, time_ms: 3.5, mode: 'mixflow', remat: 'none', backend: 'cpu', precision: 'float32' };
}

test('jsonNumber and stringifyJson print non-finite numbers as strings, never null', () => {
  assert.deepEqual([NaN, Infinity, -Infinity, 1.5, -0].map(jsonNumber), ['NaN', 'Infinity', '-Infinity', 1.5, -0]);
  assert.deepEqual(['NaN', 'Infinity', '-Infinity', 2].map(parseJsonNumber), [NaN, Infinity, -Infinity, 2]);
  const text = stringifyJson({ a: [1, NaN, [Infinity, -Infinity]], b: Float64Array.of(NaN, 2), c: undefined, d: null });
  assert.equal(text, '{"a":[1,"NaN",["Infinity","-Infinity"]],"b":["NaN",2],"d":null}');
  assert.equal(stringifyJson({ m: [[1, 2], [3, 4]], s: 'a,b:"c"', e: [], o: {} }, 2), '{"m": [[1, 2], [3, 4]], "s": "a,b:\\"c\\"", "e": [], "o": {}}');
  const row = Array.from({ length: 12 }, (_, i) => i + 0.5);
  const rowText = `[${row.join(', ')}]`;
  assert.equal(stringifyJson({ w: [row, row], b: 'x' }, 2), `{\n  "w": [\n    ${rowText},\n    ${rowText}\n  ],\n  "b": "x"\n}`);
  assert.deepEqual(JSON.parse(stringifyJson({ x: [1e-300, 123456789.25] }, 2)), { x: [1e-300, 123456789.25] });
});

test('toNested builds row-major nested arrays, scalars for shape []', () => {
  assert.deepEqual(toNested(t([2, 3])), [[0, 1, 2], [3, 4, 5]]);
  assert.equal(toNested(t([], () => 7)), 7);
  assert.deepEqual(toNested(t([1, 2, 1])), [[[0], [1]]]);
});

test('MLP result: exact format, key order, shapes, "NaN"/"Infinity" strings', () => {
  const setup = parseSetup(mlpSetup());
  const theta0 = paramSpecs(setup.model).map((p) => t(p.shape, (i) => i / 10));
  theta0[1]!.data[2] = NaN;
  const r = computed({
    log_lr: t([4], (i) => (i === 3 ? Infinity : i)),
    log_wd: t([], () => -Infinity),
    example_logits: t([3, 2]),
    theta0,
  }, NaN);
  const json = JSON.parse(serialiseResult(setup, r));
  assert.deepEqual(Object.keys(json), ['format', 'mode', 'remat', 'backend', 'precision', 'outer_loss', 'meta_grads', 'peak_bytes', 'active_peak_bytes', 'time_ms']);
  assert.equal(json.format, 'mixflow-result/1');
  assert.equal(json.outer_loss, 'NaN');
  assert.deepEqual(Object.keys(json.meta_grads), ['log_lr', 'log_wd', 'example_logits', 'theta0']);
  assert.deepEqual(json.meta_grads.log_lr, [0, 1, 2, 'Infinity']);
  assert.equal(json.meta_grads.log_wd, '-Infinity');
  assert.deepEqual(json.meta_grads.example_logits, [[0, 1], [2, 3]].concat([[4, 5]]));
  assert.equal(json.meta_grads.theta0.length, 2);
  assert.deepEqual(Object.keys(json.meta_grads.theta0[0]), ['w', 'b']);
  assert.deepEqual(json.meta_grads.theta0[0].w.map((row: number[]) => row.length), [4, 4, 4]);
  assert.deepEqual(json.meta_grads.theta0[0].b, [0, 0.1, 'NaN', 0.3]);
  assert.deepEqual(json.meta_grads.theta0[1].w, [[0, 0.1], [0.2, 0.3], [0.4, 0.5], [0.6, 0.7]]);
  assert.deepEqual([json.peak_bytes, json.active_peak_bytes, json.time_ms, json.mode, json.remat, json.backend, json.precision], [1024, 512, 3.5, 'mixflow', 'none', 'cpu', 'float32']);
  assert.ok(!serialiseResult(setup, r).includes('null'));
});

test('meta_grads holds exactly the names in wrt; a shared log_lr is a number', () => {
  const s = mlpSetup();
  s.eta = { log_lr: -3 };
  s.wrt = ['example_logits', 'log_lr'];
  const setup = parseSetup(s);
  const res = buildResult(setup, computed({ log_lr: t([], () => 0.25), example_logits: t([3, 2]), log_wd: t([], () => 1) }));
  assert.deepEqual(Object.keys(res.meta_grads), ['example_logits', 'log_lr']);
  assert.equal(res.meta_grads.log_lr, 0.25);
  // a [1] tensor is accepted for the shared rate, printed as a number too
  assert.equal(buildResult(setup, computed({ log_lr: t([1], () => 2), example_logits: t([3, 2]) })).meta_grads.log_lr, 2);
});

test('missing or mis-shaped meta-gradients are engine bugs and throw', () => {
  const setup = parseSetup(mlpSetup());
  const good = (): ComputedResult['metaGrads'] => ({
    log_lr: t([4]), log_wd: t([]), example_logits: t([3, 2]), theta0: paramSpecs(setup.model).map((p) => t(p.shape)),
  });
  assert.doesNotThrow(() => buildResult(setup, computed(good())));
  const noWd = good();
  delete noWd.log_wd;
  assert.throws(() => buildResult(setup, computed(noWd)), /"log_wd" is missing/);
  assert.throws(() => buildResult(setup, computed({ ...good(), example_logits: t([2, 3, 1]) })), /"example_logits" has shape \[2,3,1\]; expected \[3,2\]/);
  assert.throws(() => buildResult(setup, computed({ ...good(), theta0: [t([3, 4])] })), /list of 4 tensors/);
});

test('transformer: theta0 keyed by the documented tensor names, example_logits [T][B][S]', () => {
  const setup = parseSetup(syntheticTransformer());
  const specs = paramSpecs(setup.model);
  const res = buildResult(setup, { ...computed({ theta0: specs.map((p) => t(p.shape)), example_logits: t([2, 3, 4]) }), extra: { note: 'x' } });
  const theta0 = res.meta_grads.theta0 as Record<string, unknown>;
  assert.deepEqual(Object.keys(theta0), specs.map((p) => p.name));
  assert.equal((theta0['tok_emb'] as number[][]).length, 11);
  assert.deepEqual(theta0['out.b'], Array.from({ length: 11 }, (_, i) => i));
  assert.deepEqual((res.meta_grads.example_logits as number[][][])[1]![2], [20, 21, 22, 23]);
  assert.equal(res.note, 'x');
});
