/**
 * The setup JSON Schema the extension contributes for `*.mixflow.json` (squiggles and
 * completion in the editor) against the command line's validator: every setup the project ships
 * or tests with validates under both; the schema's choices are the code's; the malformed cases
 * are compared where the validator's tests refuse them (schemaCheck.ts, called from
 * validate.test.ts and test/cli/malformed.test.ts). ONNX setups follow the shared spec.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { readSetup } from '../../cli/io.js';
import { MAX_SEED, SetupError } from '../../engine/setup/check.js';
import { ACTIVATIONS, META_NAMES, OPTIMIZER_DEFAULTS } from '../../engine/setup/types.js';
import { parseSetup, SETUP_FORMAT } from '../../engine/setup/validate.js';
import { EXAMPLES_DIR, mlpSetup, mlpXentSetup, syntheticTransformer, transformerSetup, type J } from './fixtures.js';
import { compileSchema, errorPath, NOT_IN_SCHEMA, SCHEMA, SCHEMA_PATH, schemaErrors, schemaVerdict } from './schemaCheck.js';

const ROOT = join(__dirname, '..', '..');

function setupFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return setupFiles(path);
    return name.endsWith('.mixflow.json') ? [path] : [];
  });
}

function schemaAccepts(json: unknown, what: string): void {
  const errors = schemaErrors(json);
  assert.deepEqual(errors.map((e) => `${errorPath(e)}: ${e.message}`), [], `${what}: the schema refuses a setup`);
}

describe('every setup the project ships or tests with validates under the schema and the validator', () => {
  const files = [...setupFiles(join(ROOT, 'test', 'fixtures')), ...setupFiles(EXAMPLES_DIR)].sort();
  test('the files are there: the spec\'s references, the bundled examples', () => {
    const names = files.map((f) => relative(ROOT, f));
    for (const n of ['test/fixtures/spec/reference-00.mixflow.json', 'engine/setup/examples/transformer-flagship.mixflow.json', 'engine/setup/examples/mlp-hyper.mixflow.json']) assert.ok(names.includes(n), n);
  });
  for (const file of files) {
    test(relative(ROOT, file), () => {
      const json = JSON.parse(readFileSync(file, 'utf8'));
      readSetup(file); // as `mixflow run` reads it (an ONNX model's file from the setup's folder)
      schemaAccepts(json, file);
    });
  }
  for (const [name, make] of Object.entries({ mlpSetup, mlpXentSetup, transformerSetup, syntheticTransformer })) {
    test(`test/setup/fixtures.ts ${name}()`, () => {
      const json = make();
      parseSetup(json);
      schemaAccepts(json, name);
    });
  }
});

/** A snippet body as VS Code inserts it with every placeholder left at its default: `"^${1:8}"` → 8, `"${4|tanh,relu|}"` → "tanh". */
function expandSnippet(body: unknown): unknown {
  const text = (s: string) => s.replace(/\$\{\d+:([^}]*)\}/g, '$1').replace(/\$\{\d+\|([^,|]*)[^}]*\}/g, '$1');
  if (typeof body === 'string') return body.startsWith('^') ? JSON.parse(text(body.slice(1))) : text(body);
  if (Array.isArray(body)) return body.map(expandSnippet);
  if (body && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, expandSnippet(v)]));
  return body;
}

describe('the schema itself', () => {
  test('is draft-07 (what VS Code reads) and compiles in Ajv\'s strict mode', () => {
    assert.equal(SCHEMA.$schema, 'http://json-schema.org/draft-07/schema#');
    compileSchema();
  });

  test('forbids unknown fields in every object it describes', () => {
    // Objects with "properties" but open: only refinements of objects closed elsewhere (the kinds'
    // "then" branches close model and optimizer; the root's conditionals and xy* narrow closed parts).
    const open: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (n.properties && n.additionalProperties !== false) open.push(path);
      for (const [k, v] of Object.entries(n)) if (!['defaultSnippets', 'if', 'enum', 'const', 'default'].includes(k)) walk(v, `${path}.${k}`);
    };
    walk(SCHEMA, '$');
    const refinement = /^\$\.allOf\.\d|^\$\.definitions\.(xy\w+|model|optimizer)$/;
    assert.deepEqual(open.filter((p) => !refinement.test(p)), []);
    // and the closed ones really refuse a stray field, at every level a setup has
    const probes: [string, (s: J) => void][] = [
      ['$.optimiser', (s) => { s.optimiser = s.optimizer; }],
      ['$.model.hidden', (s) => { s.model.hidden = 3; }],
      ['$.optimizer.lr', (s) => { s.optimizer.lr = 0.1; }],
      ['$.theta0[0].bias', (s) => { s.theta0[0].bias = [0]; }],
      ['$.inner[0].w', (s) => { s.inner[0].w = [1]; }],
      ['$.outer.weights', (s) => { s.outer.weights = [1]; }],
      ['$.eta.lr', (s) => { s.eta.lr = 1; }],
    ];
    for (const [path, edit] of probes) {
      const s = mlpSetup();
      edit(s);
      assert.ok(schemaErrors(s).some((e) => errorPath(e) === path), path);
    }
    const synthetic = syntheticTransformer();
    synthetic.inner.synthetic.steps = 2;
    synthetic.outer.steps = 2;
    synthetic.theta0.gain = 1;
    const stray = new Set(schemaErrors(synthetic).filter((e) => e.keyword === 'additionalProperties').map(errorPath));
    for (const path of ['$.inner.synthetic.steps', '$.outer.steps', '$.theta0.gain']) assert.ok(stray.has(path), path);
  });

  test('its choices and bounds are the code\'s', () => {
    const d = SCHEMA.definitions;
    assert.equal(SCHEMA.properties.format.const, SETUP_FORMAT);
    assert.deepEqual(d.mlp.properties.activation.enum, [...ACTIVATIONS]);
    assert.deepEqual(SCHEMA.properties.wrt.items.enum, [...META_NAMES]);
    assert.deepEqual(SCHEMA.properties.loss.enum, ['mse', 'xent']);
    assert.deepEqual(d.optimizer.properties.kind.enum, ['sgd', 'momentum', 'adam']);
    assert.deepEqual(d.model.properties.kind.enum, ['mlp', 'transformer', 'onnx']);
    const [, momentum, adam] = d.optimizer.allOf.map((a: J) => a.then.properties);
    assert.deepEqual({ beta: momentum.beta.default, b1: adam.b1.default, b2: adam.b2.default, eps: adam.eps.default }, { ...OPTIMIZER_DEFAULTS });
    assert.equal(d.seed.maximum, MAX_SEED);
    assert.equal(d.dim.maximum, 2 ** 31 - 1);
    assert.equal(d.eta.properties.log_lr.default, Math.log(0.01));
    for (const list of [SCHEMA.properties.loss, SCHEMA.properties.wrt.items, d.mlp.properties.activation, d.model.properties.kind, d.optimizer.properties.kind]) {
      assert.equal(list.enumDescriptions.length, list.enum.length, 'one completion description per choice');
    }
  });

  test('its snippets, inserted as they are, are valid setups (MLP and transformer: for the validator too)', () => {
    for (const snippet of SCHEMA.defaultSnippets) {
      const json = expandSnippet(snippet.body) as J;
      schemaAccepts(json, snippet.label);
      if (json.model.kind !== 'onnx') parseSetup(json);
    }
    // Each part's snippets, put into the MLP snippet's setup in place of that part.
    const base = () => expandSnippet(SCHEMA.defaultSnippets[0].body) as J;
    const field: Record<string, string> = { model: 'model', optimizer: 'optimizer', theta0Glorot: 'theta0', inner: 'inner', outer: 'outer' };
    for (const [name, def] of Object.entries(SCHEMA.definitions as Record<string, J>)) {
      for (const snippet of def.defaultSnippets ?? []) {
        assert.ok(field[name], `a snippet in definitions.${name}, which this test does not place`);
        const s = base();
        s[field[name]!] = expandSnippet(snippet.body);
        if (s.model.kind === 'transformer') s.loss = 'xent';
        if (s.model.kind === 'onnx') s.theta0 = { from: 'model' };
        schemaAccepts(s, `definitions.${name} snippet "${snippet.label}"`);
        if (s.model.kind !== 'onnx') parseSetup(s);
      }
    }
  });

  test('the extension contributes it for *.mixflow.json and the .vsix keeps it', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    assert.deepEqual(pkg.contributes.jsonValidation, [{ fileMatch: '*.mixflow.json', url: `./${relative(ROOT, SCHEMA_PATH)}` }]);
    const ls = spawnSync(process.execPath, [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    assert.equal(ls.status, 0, ls.stderr);
    assert.ok(ls.stdout.split('\n').includes(relative(ROOT, SCHEMA_PATH)), `vsce ls:\n${ls.stdout}`);
  });

  test('cross-field rules it leaves to the command line are listed with a reason, each for a real case', () => {
    const cases: [(s: J) => void, () => J, string][] = [
      [(s) => { s.inner[0].x = [[1, 2], [3, 4]]; }, mlpSetup, '$.inner[0].x'],
      [(s) => { s.inner[1].y[0][2] = 5; }, transformerSetup, '$.inner[1].y[0][2]'],
      [(s) => { s.model.heads = 3; }, transformerSetup, '$.model.heads'],
    ];
    for (const [edit, base, path] of cases) {
      const s = base();
      edit(s);
      const err = (() => { try { parseSetup(s); } catch (e) { return e; } })();
      assert.ok(err instanceof SetupError && err.path === path, String(err));
      const v = schemaVerdict(s, err);
      assert.equal(v.flagged, false);
      assert.ok(v.why && NOT_IN_SCHEMA.some((n) => n.why === v.why), path);
    }
  });
});

describe('ONNX models (spec: {"kind":"onnx","file":…,"block_depth":k}, theta0 {"from":"model"} or omitted)', () => {
  const onnx = (): J => ({
    format: 'mixflow-setup/1',
    model: { kind: 'onnx', file: 'resnet-tiny.onnx', block_depth: 2 },
    loss: 'xent',
    theta0: { from: 'model' },
    optimizer: { kind: 'adam' },
    inner: { synthetic: { seed: 1, batch: 4 }, steps: 2 },
    outer: { synthetic: { seed: 2, batch: 4 } },
    eta: { log_lr: -3, example_logits: [[0, 0, 0, 0], [0, 0, 0, 0]] },
    wrt: ['theta0', 'example_logits', 'log_lr'],
  });
  /** A CNN's batch: x [B][C][H][W], xent classes. */
  const image = (k: number) => Array.from({ length: 2 }, (_, b) => [[[b + k, 0.5], [0.25, -1]]]);

  test('spec-conformant ONNX setups validate under the schema', () => {
    schemaAccepts(onnx(), 'synthetic');
    const omitted = onnx();
    delete omitted.theta0;
    delete omitted.model.block_depth;
    schemaAccepts(omitted, 'theta0 omitted, default block_depth');
    const explicit = { ...onnx(), inner: [{ x: image(0), y: [0, 2] }, { x: image(1), y: [1, 1] }], outer: { x: image(2), y: [3, 0] } };
    schemaAccepts(explicit, 'explicit image batches');
    schemaAccepts({ ...explicit, loss: 'mse', inner: [{ x: image(0), y: [[0.5], [1]] }], outer: { x: image(1), y: [[0], [2]] }, eta: {} }, 'mse');
  });

  test('malformed ONNX setups are flagged where the spec says so', () => {
    const flagged = (edit: (s: J) => void, path: string) => {
      const s = onnx();
      edit(s);
      assert.ok(schemaErrors(s).some((e) => errorPath(e) === path), `${path}: ${schemaErrors(s).map(errorPath).join(', ')}`);
    };
    flagged((s) => { s.model.path = 'x.onnx'; }, '$.model.path');
    flagged((s) => { delete s.model.file; }, '$.model.file');
    flagged((s) => { s.model.file = ''; }, '$.model.file');
    flagged((s) => { s.model.block_depth = 0; }, '$.model.block_depth');
    flagged((s) => { s.model.block_depth = 1.5; }, '$.model.block_depth');
    flagged((s) => { s.model.block_depth = 65; }, '$.model.block_depth');
    flagged((s) => { s.theta0 = { from: 'file' }; }, '$.theta0.from');
    flagged((s) => { s.theta0 = { init: 'glorot', seed: 0 }; }, '$.theta0.init');
    flagged((s) => { s.inner = [{ x: image(0), y: [0.5, 1] }]; }, '$.inner[0].y[0]');
    // {"from":"model"} is an ONNX model's own values: an MLP or transformer has none
    const mlp = mlpSetup();
    mlp.theta0 = { from: 'model' };
    assert.ok(schemaErrors(mlp).some((e) => errorPath(e) === '$.theta0'));
  });

  test('the validator agrees on an ONNX setup with a real model file', (t) => {
    // A one-Gemm classifier, x [B][4] → logits [B][3], written with the onnx package.
    const dir = mkdtempSync(join(tmpdir(), 'mixflow-schema-onnx-'));
    const python = process.env.MIXFLOW_TORCH_PYTHON || '/usr/bin/python3';
    const made = spawnSync(python, ['-c', `
import sys, numpy as np, onnx
from onnx import helper, numpy_helper, TensorProto
w = numpy_helper.from_array(np.linspace(-0.5, 0.5, 12, dtype=np.float32).reshape(4, 3), "fc.weight")
b = numpy_helper.from_array(np.zeros(3, dtype=np.float32), "fc.bias")
node = helper.make_node("Gemm", ["x", "fc.weight", "fc.bias"], ["logits"], name="/fc/Gemm")
graph = helper.make_graph([node], "classifier", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["B", 4])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["B", 3])], [w, b])
onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), sys.argv[1])`, join(dir, 'classifier.onnx')], { encoding: 'utf8' });
    assert.equal(made.status, 0, `${python} with onnx (npm test installs python3-onnx): ${made.stderr}`);
    const setup = {
      ...onnx(),
      model: { kind: 'onnx', file: 'classifier.onnx' },
      inner: [{ x: [[1, 0, 0, 0], [0, 1, 0, 0]], y: [0, 2] }, { x: [[0, 0, 1, 0], [0, 0, 0, 1]], y: [1, 1] }],
      outer: { x: [[1, 1, 1, 1]], y: [2] },
      eta: { log_lr: -2, example_logits: [[0, 0], [0.5, -0.5]] },
    };
    schemaAccepts(setup, 'the classifier setup');
    // The ONNX validator resolves `file` against the setup's folder (a second argument it brings).
    const parseIn = parseSetup as (json: unknown, opts?: { baseDir?: string }) => unknown;
    const err = (() => { try { parseIn(setup, { baseDir: dir }); } catch (e) { return e; } })();
    if (err instanceof SetupError && err.path === '$.model.kind') {
      t.todo(`engine/setup/validate.ts does not know {"kind":"onnx"} yet (${err.message}): ONNX import is another branch's; until it is merged only the schema follows the spec here`);
      return;
    }
    assert.equal(err, undefined, `the validator refuses a spec-conformant ONNX setup: ${String(err)}`);
  });

});
