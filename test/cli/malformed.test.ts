import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseSetupText, SetupError } from '../../engine/setup/validate.js';
import { assertSchemaFlags } from '../setup/schemaCheck.js';
import { mixflow, tempFile } from './mixflow.js';

const REF = join(__dirname, '../fixtures/spec/reference-01.mixflow.json');
const reference = () => JSON.parse(readFileSync(REF, 'utf8'));
const transformer = () => JSON.parse(readFileSync(join(__dirname, '../../engine/setup/examples/transformer-dataweight.mixflow.json'), 'utf8'));

/** Each kind of mistake: exit 2, the JSON path of the bad field, what was expected, nothing computed. */
const cases: [string, () => unknown, RegExp][] = [
  ['wrong weight shape', () => { const s = reference(); s.theta0[0].w[0].push(0.1); return s; }, /\$\.theta0\[0\]\.w.*expected/],
  ['unknown model kind', () => ({ ...reference(), model: { kind: 'cnn' } }), /\$\.model\.kind.*expected.*mlp.*transformer/],
  ['unknown field', () => ({ ...reference(), learning_rate: 1 }), /\$\.learning_rate/],
  ['missing batches', () => { const s = reference(); delete s.inner; return s; }, /\$\.inner/],
  ['non-finite number', () => JSON.stringify(reference()).replace(/"log_wd":\s*-?[\d.e-]+/, '"log_wd": 1e999'), /\$\.eta\.log_wd.*finite/],
  ['class out of range', () => { const s = reference(); s.inner[0].y[0] = 99; return s; }, /\$\.inner\[0\]\.y\[0\]/],
  ['token id out of vocabulary', () => { const s = transformer(); s.outer = { x: [[1, 2, 3, 400, 5, 6, 7, 8]], y: [[1, 2, 3, 4, 5, 6, 7, 8]] }; return s; }, /\$\.outer\.x\[0\]\[3\]/],
  ['unknown optimiser', () => ({ ...reference(), optimizer: { kind: 'lion' } }), /\$\.optimizer\.kind/],
  ['bad wrt', () => ({ ...reference(), wrt: ['log_lr', 'beta'] }), /\$\.wrt\[1\]/],
  ['truncated JSON', () => JSON.stringify(reference()).slice(0, 200), /JSON|\$/],
];

for (const [name, make, message] of cases) {
  test(`malformed setup: ${name}`, () => {
    const r = mixflow('run', tempFile(make()), '--json');
    assert.equal(r.status, 2, `exit status (stderr: ${r.stderr})`);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '', 'nothing computed or printed');
  });

  test(`malformed setup: ${name}: the editor's JSON Schema flags it too, or says why not`, () => {
    const made = make();
    const text = typeof made === 'string' ? made : JSON.stringify(made);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return; // not JSON at all: the editor's JSON parser marks the syntax error itself, before any schema
    }
    const err = (() => { try { parseSetupText(text); } catch (e) { return e; } })();
    assert.ok(err instanceof SetupError, `the validator accepted it: ${String(err)}`);
    assertSchemaFlags(json, err);
  });
}

test('bad flags and missing files exit 2 naming the flag, the value and what was expected', () => {
  const bad = mixflow('run', REF, '--mode', 'fast');
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--mode.*standard or mixflow.*fast/);
  const missing = mixflow('run', '/nonexistent/setup.json');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /does not exist/);
});
