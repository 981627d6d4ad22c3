/**
 * The meta-learning forms of issue 10 beyond "same numbers" (torch-exec.test.ts runs those):
 * located blockers, a blocker on every non-rewritable finding, the extract-loss refactor, the
 * helper module, and the JAX rewrites checked structurally (no JAX here): CPython parses the
 * rewritten file, the helper is defined once, every site now calls it, a rescan finds nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rewriteText, scanText } from '../../extension/scanner/index.js';
import { applyTextEdits } from '../../extension/features/rewritePlan.js';
import { join } from 'node:path';
import { benchHeldOut, formatHeldOut } from '../../extension/scanner/bench.js';
import { CORPUS, fixtures } from './corpus.js';

const all = fixtures();
const byName = (name: string) => all.find((f) => f.name === name)!;

test('every finding that is not rewritable says why: blockers is never empty', () => {
  for (const f of all) {
    for (const finding of scanText(f.path, f.text)) {
      if (!finding.rewritable) assert.ok(finding.blockers.length > 0, `${f.name}:${finding.line} ${finding.pattern}`);
      for (const b of finding.blockers) assert.ok(b.message.length > 20 && b.line >= 1, JSON.stringify(b));
    }
  }
});

test('BatchNorm stats, dropout, in-place updates and .item() block the rewrite, naming the expression and its line', () => {
  const f = byName('python/torch_maml_blockers.py');
  const lines = f.text.split('\n');
  const findings = scanText(f.path, f.text);
  const want: Record<string, string> = {
    'tracked-batchnorm-stats': 'nn.BatchNorm2d(8)',
    'random-in-loss': 'F.dropout(',
    'in-place-parameter-update': 'w.clamp_(-1.0, 1.0)',
    'tensor-to-python': 'pred.norm().item()',
  };
  assert.equal(findings.length, 4);
  for (const finding of findings) {
    assert.equal(finding.rewritable, false);
    assert.equal(finding.blockers.length, 1, JSON.stringify(finding.blockers));
    const [b] = finding.blockers;
    assert.ok(b.expression?.startsWith(want[b.id]), `${b.id}: ${b.expression}`);
    assert.ok(lines[b.line - 1].includes(b.expression!.replace(/\.\.\.$/, '')), `line ${b.line} holds ${b.expression}`);
    assert.ok(b.message.includes(want[b.id]), b.message);
    assert.ok(finding.explanation.includes(`(line ${b.line})`));
  }
});

test('the tutorial loop with an inline loss: rewritten in place, the old loss line gone, helper once after the imports', () => {
  const f = byName('python/torch_maml_tutorial_list.py');
  const out = rewriteText(f.path, f.text).text!;
  assert.equal(out.match(/^class MixFlowInnerGrad/gm)?.length, 1);
  assert.ok(out.indexOf('import torch.nn.functional as F') < out.indexOf('class MixFlowInnerGrad'));
  assert.match(out, /\n {8}def inner_loss\(fast, model, x_s, y_s\):.*\n {12}loss = F\.mse_loss\(model\.functional_forward\(x_s, fast\), y_s\)\n {12}return loss\n {8}grads = mixflow_inner_grad\(inner_loss, \(fast, model, x_s, y_s,\), \(0,\)\)/);
  assert.equal(out.match(/loss = F\.mse_loss\(model\.functional_forward\(x_s, fast\), y_s\)/g)?.length, 1, 'the loss line moved, not copied');
  assert.deepEqual(scanText(f.path, out), [], 'a rescan finds nothing');
});

test('a loss that is still read elsewhere stays where it is; dict fast weights are passed as a dict', () => {
  const f = byName('python/torch_maml_ordereddict.py');
  const out = rewriteText(f.path, f.text).text!;
  assert.match(out, /history\.append\(loss\.detach\(\)\)/);
  assert.match(out, /mixflow_inner_grad\(inner_loss, \(dict\(fast\), model, x, y,\), \(0,\)\)/);
});

test('"Extract inner loss into a function" only moves the loss; then the site rewrites through the named function', () => {
  const f = byName('python/torch_maml_tutorial_list.py');
  const [finding] = scanText(f.path, f.text);
  assert.ok(finding.extract && finding.extract.length > 0);
  const extracted = applyTextEdits(f.text, finding.extract);
  assert.match(extracted, /grads = torch\.autograd\.grad\(inner_loss\(fast, model, x_s, y_s\), fast, create_graph=True\)/);
  const [again] = scanText(f.path, extracted);
  assert.equal(again.pattern, finding.pattern);
  assert.ok(again.rewritable && !again.extract, 'rewritable through the named function, nothing left to extract');
  assert.match(rewriteText(f.path, extracted).text!, /mixflow_inner_grad\(inner_loss, \(fast, model, x_s, y_s,\), \(0,\)\)/);
});

test('helper "module": the file imports the helpers from mixflow_mg.py, which holds them once', () => {
  const f = byName('python/torch_maml_tutorial_list.py');
  const result = rewriteText(f.path, f.text, { helper: 'module' });
  assert.ok(result.text && result.helperModule);
  assert.doesNotMatch(result.text, /class MixFlowInnerGrad/);
  assert.equal(result.text.match(/^from mixflow_mg import mixflow_inner_grad, mixflow_grad, mixflow_task_map$/gm)?.length, 1);
  assert.equal(result.helperModule.name, 'mixflow_mg.py');
  assert.equal(result.helperModule.text.match(/^class MixFlowInnerGrad/gm)?.length, 1);
  assert.equal(rewriteText(f.path, f.text).helperModule, undefined, 'inline by default');
});

const JAX_HELPERS = ['def mixflow_grad(', 'def mixflow_value_and_grad('];

test('JAX rewrites, checked structurally (no JAX here): CPython parses them, helper once, every site changed, rescan clean', () => {
  const jax = all.filter((f) => /^python\/jax_/.test(f.name) && f.expected.some((e) => e.status === 'rewritable'));
  assert.ok(jax.length >= 5, `JAX fixtures with rewrites: ${jax.length}`);
  const sources: string[] = [];
  for (const f of jax) {
    const result = rewriteText(f.path, f.text);
    const out = result.text!;
    sources.push(out);
    const unrolled = result.applied.some((a) => a.pattern === 'jax-unrolled-inner-loop');
    for (const h of JAX_HELPERS) assert.equal(out.split(h).length - 1, unrolled ? 1 : 0, `${f.name}: ${h}`);
    for (const a of result.applied.filter((x) => x.pattern === 'jax-unrolled-inner-loop')) {
      // The inner transform (at the site, or where a shared grad function is made) now calls the helper.
      assert.ok(a.edits.some((e) => /^mixflow_(grad|value_and_grad)\(/.test(e.newText)), `${f.name}:${a.line}`);
    }
    assert.equal(scanText(f.path, out).filter((x) => x.rewritable).length, 0, `${f.name}: rescan`);
  }
  const check = spawnSync('python3', ['-c', 'import ast, json, sys\nfor s in json.load(sys.stdin): ast.parse(s)\nprint("ok")'], { input: JSON.stringify(sources), encoding: 'utf8' });
  assert.equal(check.stdout.trim(), 'ok', check.stderr);
});

test('the JAX MAML forms: every site of a shared value_and_grad is reported, has_aux kept', () => {
  const f = byName('python/jax_maml_forms.py');
  const out = rewriteText(f.path, f.text).text!;
  assert.match(out, /^inner_value_and_grad = mixflow_value_and_grad\(mse_with_aux, has_aux=True\)$/m);
  assert.match(out, /g, aux = mixflow_grad\(mse_with_aux, has_aux=True\)\(p, x, y\)/);
  assert.match(out, /value, g = mixflow_value_and_grad\(plain_loss\)\(p, x, y\)/);
  assert.equal(scanText(f.path, f.text).filter((x) => x.pattern === 'jax-unrolled-inner-loop').length, 4);
});

test('the held-out set (bench): every labelled site counted, the table sums up', () => {
  const files = benchHeldOut(join(CORPUS, 'heldout'));
  assert.ok(files.length >= 10);
  const truth = files.reduce((n, f) => n + f.truth, 0);
  assert.ok(truth >= 12, `labelled sites: ${truth}`);
  for (const f of files) assert.ok(f.found <= f.truth && f.rewritten <= f.found, JSON.stringify(f));
  assert.match(formatHeldOut(files), new RegExp(`recall \\d+%, \\d+ false alarm\\(s\\), \\d+ of ${truth} sites rewritten`));
});
