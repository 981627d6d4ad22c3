import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSetup, parseSetupText, SetupError } from '../../engine/setup/validate.js';
import { innerBatchSize, innerSteps, type Setup } from '../../engine/setup/types.js';
import { assertSchemaFlags } from './schemaCheck.js';
import { readExampleModel } from '../../engine/setup/examples/models.js';
import { EXAMPLES_DIR, SPEC_DIR, mlpSetup, mlpXentSetup, readJson, syntheticTransformer, transformerSetup, type J } from './fixtures.js';

/**
 * Expects parseSetup to refuse `json` at exactly `path`, with `expected` in the expected text,
 * and the editor's JSON Schema to flag it too (or a listed cross-field rule to say why not).
 */
function refuses(json: unknown, path: string, expected: string): SetupError {
  let err: unknown;
  try {
    parseSetup(json);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof SetupError, `expected a SetupError at ${path}, got ${err === undefined ? 'success' : String(err)}`);
  assert.equal(err.path, path, err.message);
  assert.ok(err.expected.includes(expected), `expected text "${err.expected}" lacks "${expected}"`);
  assert.ok(err.message.startsWith(`setup ${path}: expected `), err.message);
  assertSchemaFlags(json, err);
  return err;
}

function withEdit(base: () => J, edit: (s: J) => void): J {
  const s = base();
  edit(s);
  return s;
}

describe('valid setups', () => {
  for (const f of readdirSync(SPEC_DIR).filter((n) => n.endsWith('.mixflow.json')).sort()) {
    test(`reference ${f} parses`, () => {
      const json = readJson(join(SPEC_DIR, f));
      const s = parseSetup(json);
      assert.equal(s.model.kind, 'mlp');
      assert.equal(s.theta0.init, 'explicit');
      assert.deepEqual(s.wrt, ['log_lr', 'log_wd', 'example_logits', 'theta0']);
      assert.equal(innerSteps(s), json.inner.length);
      assert.equal(innerBatchSize(s), json.inner[0].x.length);
      assert.deepEqual(s.eta.example_logits!.shape, [json.inner.length, json.inner[0].x.length]);
      if (s.theta0.init === 'explicit') assert.equal(s.theta0.tensors.length, 2 * (json.model.sizes.length - 1));
    });
  }

  for (const f of ['mlp-hyper', 'transformer-dataweight', 'transformer-flagship']) {
    test(`bundled example ${f} validates`, () => {
      const s = parseSetupText(readFileSync(join(EXAMPLES_DIR, `${f}.mixflow.json`), 'utf8'));
      assert.ok(s.wrt.length > 0);
    });
  }

  test('the MAML flagship is the documented size: 4-conv CNN (64 ch, 28×28×1, 5-way), B 25, T 5 SGD, per-tensor log_lr, wrt θ₀ and log_lr', () => {
    for (const f of ['maml-cnn', 'maml-cnn-flagship']) {
      const s = parseSetupText(readFileSync(join(EXAMPLES_DIR, `${f}.mixflow.json`), 'utf8'), { baseDir: EXAMPLES_DIR, readModel: readExampleModel });
      assert.equal(s.model.kind, 'onnx');
      if (s.model.kind !== 'onnx') return;
      assert.deepEqual(s.model.graph.inputShape, [1, 28, 28]);
      assert.deepEqual(s.model.graph.outputShape, [5]);
      assert.deepEqual(s.model.graph.params.filter((p) => p.name.endsWith('conv.weight')).map((p) => p.shape), [[64, 1, 3, 3], [64, 64, 3, 3], [64, 64, 3, 3], [64, 64, 3, 3]]);
      assert.deepEqual(s.model.graph.segments.map((g) => g.key), ['block1', 'block2', 'block3', 'block4', 'Flatten', 'head']);
      assert.deepEqual(s.theta0, { init: 'model' });
      assert.deepEqual(s.optimizer, { kind: 'sgd' });
      assert.equal(s.inner.kind === 'synthetic' && s.inner.batch, 25);
      assert.equal((s.eta.log_lr as number[]).length, 18);
      assert.deepEqual(s.wrt, ['theta0', 'log_lr']);
      if (f === 'maml-cnn-flagship') assert.deepEqual(s.inner, { kind: 'synthetic', seed: 1, batch: 25, steps: 5 });
    }
  });

  test('the flagship is the documented size', () => {
    const s = parseSetup(readJson(join(EXAMPLES_DIR, 'transformer-flagship.mixflow.json')));
    assert.deepEqual(s.model, { kind: 'transformer', vocab: 256, d_model: 64, heads: 2, layers: 8, seq: 256, d_ff: 256 });
    assert.deepEqual(s.optimizer, { kind: 'adam', b1: 0.9, b2: 0.999, eps: 1e-8 });
    assert.deepEqual(s.inner, { kind: 'synthetic', seed: 1, batch: 4, steps: 4 });
    assert.deepEqual(s.outer, { kind: 'synthetic', seed: 2, batch: 4 });
    assert.deepEqual(s.eta, {});
    assert.deepEqual(s.wrt, ['example_logits']);
  });

  test('optimiser defaults are filled', () => {
    const m = parseSetup(withEdit(mlpSetup, (s) => { s.optimizer = { kind: 'momentum' }; }));
    assert.deepEqual(m.optimizer, { kind: 'momentum', beta: 0.9 });
    const a = parseSetup(withEdit(mlpSetup, (s) => { s.optimizer = { kind: 'adam', b2: 0.99 }; }));
    assert.deepEqual(a.optimizer, { kind: 'adam', b1: 0.9, b2: 0.99, eps: 1e-8 });
  });

  test('eta is optional, a shared log_lr is a number, wrt may be empty', () => {
    const s: Setup = parseSetup(withEdit(mlpSetup, (j) => { delete j.eta; j.wrt = ['log_lr']; }));
    assert.deepEqual(s.eta, {});
    const t = parseSetup(withEdit(mlpSetup, (j) => { j.eta = { log_lr: -3 }; j.wrt = []; }));
    assert.equal(t.eta.log_lr, -3);
    assert.deepEqual(t.wrt, []);
  });

  test('xent MLP, explicit transformer and synthetic transformer parse with integer labels', () => {
    const x = parseSetup(mlpXentSetup());
    assert.equal(x.inner.kind === 'explicit' && x.inner.batches[0]!.y.dtype, 'int32');
    const t = parseSetup(transformerSetup());
    assert.equal(t.inner.kind === 'explicit' && t.inner.batches[1]!.x.dtype, 'int32');
    assert.deepEqual(parseSetup(syntheticTransformer()).theta0, { init: 'glorot', seed: 1 });
  });
});

describe('malformed setups are refused with the path and what was expected', () => {
  test('the message has the documented form', () => {
    const s = mlpSetup();
    s.model.sizes = [5, 4, 2];
    s.theta0 = { init: 'glorot', seed: 0 };
    const x = (w: number): number[][] => Array.from({ length: 4 }, () => Array(w).fill(0.5));
    s.inner = [0, 1, 2].map((k) => ({ x: x(k === 2 ? 6 : 5), y: Array.from({ length: 4 }, () => [0, 1]) }));
    s.eta = {};
    s.wrt = [];
    const err = refuses(s, '$.inner[2].x', '[4][5] numbers');
    assert.match(err.message, /^setup \$\.inner\[2\]\.x: expected \[4\]\[5\] numbers .*, got \[4\]\[6\]$/);
  });

  test('not JSON, not an object, wrong or missing format', () => {
    assert.throws(() => parseSetupText('{"format": '), (e: unknown) => e instanceof SetupError && e.path === '$' && e.expected === 'valid JSON');
    refuses([1, 2], '$', 'JSON object');
    refuses(withEdit(mlpSetup, (s) => { s.format = 'mixflow-setup/2'; }), '$.format', '"mixflow-setup/1"');
    refuses(withEdit(mlpSetup, (s) => { delete s.format; }), '$.format', '"mixflow-setup/1"');
  });

  test('unknown fields anywhere', () => {
    refuses(withEdit(mlpSetup, (s) => { s.wrtt = []; }), '$.wrtt', 'no field "wrtt"');
    refuses(withEdit(mlpSetup, (s) => { s.model.hidden = 3; }), '$.model.hidden', 'known fields: "kind", "sizes", "activation"');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer.beta = 0.5; }), '$.optimizer.beta', 'no field "beta"');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer = { kind: 'sgd', lr: 0.1 }; }), '$.optimizer.lr', 'no field "lr"');
    refuses(withEdit(mlpSetup, (s) => { s.inner[1].w = [1, 1]; }), '$.inner[1].w', 'no field "w"');
    refuses(withEdit(mlpSetup, (s) => { s.outer.weights = [1]; }), '$.outer.weights', 'no field');
    refuses(withEdit(mlpSetup, (s) => { s.theta0[1].bias = [0, 0]; }), '$.theta0[1].bias', 'no field');
    refuses(withEdit(mlpSetup, (s) => { s.eta.lr = 1; }), '$.eta.lr', 'known fields: "log_lr", "log_wd", "example_logits"');
    refuses(withEdit(mlpSetup, (s) => { s.eta['log lr'] = 1; }), '$.eta["log lr"]', 'no field');
    refuses(withEdit(transformerSetup, (s) => { s.model.dropout = 0.1; }), '$.model.dropout', 'no field');
  });

  test('generated θ₀ and synthetic data take exactly the documented keys', () => {
    refuses(withEdit(mlpSetup, (s) => { s.theta0 = { init: 'glorot', seed: 1, gain: 2 }; }), '$.theta0.gain', 'no field');
    refuses(withEdit(mlpSetup, (s) => { s.theta0 = { init: 'glorot' }; }), '$.theta0.seed', 'required field "seed"');
    refuses(withEdit(mlpSetup, (s) => { s.theta0 = { init: 'he', seed: 1 }; }), '$.theta0.init', '"glorot"');
    refuses(withEdit(mlpSetup, (s) => { s.theta0 = { init: 'glorot', seed: -1 }; }), '$.theta0.seed', 'integer seed');
    refuses(withEdit(syntheticTransformer, (s) => { s.inner.synthetic.steps = 2; }), '$.inner.synthetic.steps', 'no field');
    refuses(withEdit(syntheticTransformer, (s) => { delete s.inner.steps; }), '$.inner.steps', 'required field "steps"');
    refuses(withEdit(syntheticTransformer, (s) => { s.inner.steps = 0; }), '$.inner.steps', 'positive integer');
    refuses(withEdit(syntheticTransformer, (s) => { delete s.outer.synthetic.batch; }), '$.outer.synthetic.batch', 'required field "batch"');
    refuses(withEdit(syntheticTransformer, (s) => { s.outer.steps = 3; }), '$.outer.steps', 'no field');
    refuses(withEdit(syntheticTransformer, (s) => { s.outer.synthetic.seed = 1.5; }), '$.outer.synthetic.seed', 'integer seed');
    refuses(withEdit(transformerSetup, (s) => { s.theta0 = [{ w: [[1]], b: [1] }]; }), '$.theta0', '{"init":"glorot","seed":S}');
  });

  test('unknown model kind, bad model fields', () => {
    refuses(withEdit(mlpSetup, (s) => { s.model.kind = 'cnn'; }), '$.model.kind', 'one of "mlp", "transformer"');
    refuses(withEdit(mlpSetup, (s) => { s.model.activation = 'softplus'; }), '$.model.activation', '"tanh", "relu", "sigmoid", "gelu"');
    refuses(withEdit(mlpSetup, (s) => { s.model.sizes = [3]; }), '$.model.sizes', 'at least 2 layer sizes');
    refuses(withEdit(mlpSetup, (s) => { s.model.sizes = [3, 0, 2]; }), '$.model.sizes[1]', 'positive integer');
    refuses(withEdit(mlpSetup, (s) => { s.model.sizes = [3, 4.5, 2]; }), '$.model.sizes[1]', 'positive integer');
    refuses(withEdit(transformerSetup, (s) => { s.model.heads = 3; }), '$.model.heads', 'divisor of d_model (4)');
    refuses(withEdit(transformerSetup, (s) => { s.model.seq = -1; }), '$.model.seq', 'positive integer');
    refuses(withEdit(transformerSetup, (s) => { delete s.model.d_ff; }), '$.model.d_ff', 'required field');
    refuses(withEdit(mlpSetup, (s) => { s.loss = 'l1'; }), '$.loss', '"mse", "xent"');
  });

  test('a transformer takes xent only', () => {
    refuses(withEdit(transformerSetup, (s) => { s.loss = 'mse'; }), '$.loss', '"xent"');
  });

  test('wrong θ₀ shapes', () => {
    refuses(withEdit(mlpSetup, (s) => { s.theta0.pop(); }), '$.theta0', '2 layers');
    refuses(withEdit(mlpSetup, (s) => { s.theta0[1].w = s.theta0[0].w; }), '$.theta0[1].w', '[4][2] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.theta0[0].b = [0, 0, 0]; }), '$.theta0[0].b', '[4] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.theta0[0].w[2] = [1, 2]; }), '$.theta0[0].w[2]', '[4] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.theta0[0].w = [1, 2, 3]; }), '$.theta0[0].w', '[3][4] numbers');
    refuses(withEdit(mlpSetup, (s) => { delete s.theta0[0].b; }), '$.theta0[0].b', 'required field "b"');
  });

  test('wrong batch shapes', () => {
    refuses(withEdit(mlpSetup, (s) => { s.inner[0].x = [[1, 2], [3, 4]]; }), '$.inner[0].x', '[2][3] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.inner[0].y = [[1, 2]]; }), '$.inner[0].y', '[2][2] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.outer.y = [[1, 2], [1, 2]]; }), '$.outer.y', '[3][2] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.outer.x = []; }), '$.outer.x', '[B ≥ 1][3] numbers');
    refuses(withEdit(mlpXentSetup, (s) => { s.inner[0].y = [[0], [1]]; }), '$.inner[0].y[0]', 'a class index');
    refuses(withEdit(transformerSetup, (s) => { s.inner[0].x = [[0, 1], [2, 3]]; }), '$.inner[0].x', '[2][3] token ids');
  });

  test('all inner batches share one B', () => {
    const err = refuses(withEdit(mlpSetup, (s) => { s.inner[2].x.push([0, 0, 0]); }), '$.inner[2].x', '[2][3] numbers (every inner batch has the B = 2 of $.inner[0])');
    assert.match(err.message, /got \[3\]\[3\]$/);
    refuses(withEdit(transformerSetup, (s) => { s.inner[1].x = [[0, 0, 0]]; }), '$.inner[1].x', 'B = 2 of $.inner[0]');
  });

  test('missing batches', () => {
    refuses(withEdit(mlpSetup, (s) => { s.inner = []; }), '$.inner', 'at least one');
    refuses(withEdit(mlpSetup, (s) => { delete s.inner; }), '$.inner', 'required field "inner"');
    refuses(withEdit(mlpSetup, (s) => { delete s.outer; }), '$.outer', 'required field "outer"');
    refuses(withEdit(mlpSetup, (s) => { delete s.inner[1].y; }), '$.inner[1].y', 'required field "y"');
    refuses(withEdit(mlpSetup, (s) => { s.outer = {}; }), '$.outer.x', 'required field "x"');
    refuses(withEdit(mlpSetup, (s) => { s.inner[1] = null; }), '$.inner[1]', 'a batch');
  });

  test('non-finite numbers: huge exponents, "NaN" strings, nulls', () => {
    const huge = JSON.parse('[1e999, -1e999]') as number[];
    const e1 = refuses(withEdit(mlpSetup, (s) => { s.inner[2].x[0][2] = huge[0]; }), '$.inner[2].x[0][2]', 'finite number');
    assert.match(e1.message, /got Infinity/);
    refuses(withEdit(mlpSetup, (s) => { s.outer.y[1][0] = huge[1]; }), '$.outer.y[1][0]', 'finite number');
    const e2 = refuses(withEdit(mlpSetup, (s) => { s.theta0[1].b[1] = 'NaN'; }), '$.theta0[1].b[1]', 'finite number');
    assert.match(e2.message, /got "NaN" \(a string\)$/);
    const e3 = refuses(withEdit(mlpSetup, (s) => { s.theta0[0].w[0][0] = null; }), '$.theta0[0].w[0][0]', 'finite number');
    assert.match(e3.message, /got null$/);
    refuses(withEdit(mlpSetup, (s) => { s.eta.log_lr[3] = 'Infinity'; }), '$.eta.log_lr[3]', 'finite number');
    refuses(withEdit(mlpSetup, (s) => { s.eta.log_wd = null; }), '$.eta.log_wd', 'finite number');
    refuses(withEdit(mlpSetup, (s) => { s.eta.log_lr = huge[0]; }), '$.eta.log_lr', 'finite number');
    refuses(withEdit(mlpSetup, (s) => { s.eta.example_logits[2][1] = null; }), '$.eta.example_logits[2][1]', 'finite number');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer.eps = huge[0]; }), '$.optimizer.eps', 'finite number > 0');
  });

  test('token ids out of the vocabulary', () => {
    const e = refuses(withEdit(transformerSetup, (s) => { s.inner[1].y[0][2] = 5; }), '$.inner[1].y[0][2]', 'a token id, an integer in [0, 5)');
    assert.match(e.message, /got 5$/);
    refuses(withEdit(transformerSetup, (s) => { s.inner[0].x[1][0] = -1; }), '$.inner[0].x[1][0]', 'token id');
    refuses(withEdit(transformerSetup, (s) => { s.inner[0].x[1][0] = 1.5; }), '$.inner[0].x[1][0]', 'token id');
    refuses(withEdit(transformerSetup, (s) => { s.outer = { x: [[0, 1, 9]], y: [[0, 1, 2]] }; }), '$.outer.x[0][2]', '[0, 5)');
  });

  test('class indices out of range', () => {
    refuses(withEdit(mlpXentSetup, (s) => { s.inner[0].y[1] = 2; }), '$.inner[0].y[1]', 'a class index, an integer in [0, 2)');
    refuses(withEdit(mlpXentSetup, (s) => { s.outer.y[2] = 0.5; }), '$.outer.y[2]', 'class index');
    refuses(withEdit(mlpXentSetup, (s) => { s.outer.y = [0, 1]; }), '$.outer.y', '[3] class indices');
  });

  test('η shapes', () => {
    refuses(withEdit(mlpSetup, (s) => { s.eta.log_lr = [-1, -1, -1]; }), '$.eta.log_lr', '[4] numbers (one per parameter tensor, 2L = 4)');
    refuses(withEdit(mlpSetup, (s) => { s.eta.log_lr = '-1'; }), '$.eta.log_lr', 'or [4] numbers');
    refuses(withEdit(transformerSetup, (s) => { s.eta.log_lr = [1, 2]; }), '$.eta.log_lr', '[18] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.eta.log_wd = [-5]; }), '$.eta.log_wd', 'a finite number');
    refuses(withEdit(mlpSetup, (s) => { s.eta.example_logits.pop(); }), '$.eta.example_logits', '[3][2] numbers');
    refuses(withEdit(transformerSetup, (s) => { s.eta.example_logits = [[0, 0], [0, 0]]; }), '$.eta.example_logits', '[2][2][3] numbers');
    refuses(withEdit(syntheticTransformer, (s) => { s.eta = { example_logits: [[[0]]] }; }), '$.eta.example_logits', '[2][3][4] numbers');
    refuses(withEdit(mlpSetup, (s) => { s.eta = [1]; }), '$.eta', 'an object');
    refuses(withEdit(mlpSetup, (s) => { s.eta = null; }), '$.eta', 'an object');
  });

  test('bad wrt', () => {
    refuses(withEdit(mlpSetup, (s) => { s.wrt = ['log_lr', 'lr']; }), '$.wrt[1]', '"log_lr", "log_wd", "example_logits", "theta0"');
    refuses(withEdit(mlpSetup, (s) => { s.wrt = ['theta0', 'log_lr', 'theta0']; }), '$.wrt[2]', 'each name at most once');
    refuses(withEdit(mlpSetup, (s) => { s.wrt = 'theta0'; }), '$.wrt', 'an array of names');
    refuses(withEdit(mlpSetup, (s) => { delete s.wrt; }), '$.wrt', 'required field "wrt"');
  });

  test('log_wd in wrt without eta.log_wd', () => {
    const e = refuses(withEdit(mlpSetup, (s) => { delete s.eta.log_wd; s.wrt = ['log_lr', 'log_wd']; }), '$.wrt[1]', 'eta.log_wd to be given');
    assert.match(e.message, /no decay term/);
    refuses(withEdit(syntheticTransformer, (s) => { s.wrt = ['log_wd']; }), '$.wrt[0]', 'eta.log_wd');
  });

  test('optimiser ranges and kinds', () => {
    refuses(withEdit(mlpSetup, (s) => { s.optimizer = { kind: 'rmsprop' }; }), '$.optimizer.kind', '"sgd", "momentum", "adam"');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer = { kind: 'momentum', beta: 1 }; }), '$.optimizer.beta', 'a number in [0, 1)');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer.b1 = -0.1; }), '$.optimizer.b1', '[0, 1)');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer.b2 = '0.9'; }), '$.optimizer.b2', '[0, 1)');
    refuses(withEdit(mlpSetup, (s) => { s.optimizer.eps = 0; }), '$.optimizer.eps', '> 0');
    refuses(withEdit(mlpSetup, (s) => { delete s.optimizer; }), '$.optimizer', 'required field');
  });
});
