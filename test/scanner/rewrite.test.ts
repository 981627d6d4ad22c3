import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteText, scanText } from '../../extension/scanner/index.js';
import { fixtures } from './corpus.js';

const all = fixtures();

for (const fixture of all.filter((f) => f.expected.some((e) => e.status === 'rewritable'))) {
  test(`rewrite ${fixture.name}: rescanning finds nothing rewritable, untouched text kept`, () => {
    const result = rewriteText(fixture.path, fixture.text);
    assert.ok(result.text !== null);
    const rescanned = scanText(fixture.path, result.text);
    const leftover = fixture.expected.filter((e) => e.status !== 'rewritable').length;
    assert.equal(rescanned.filter((f) => f.rewritable).length, 0, JSON.stringify(rescanned.map((f) => [f.line, f.pattern])));
    // Only the non-rewritable findings remain (fewer when a blocked TF.js gradient sat inside a
    // rewritten one's loss: it runs on the helper's own tape now, nested in no TF.js gradient).
    if (fixture.path.endsWith('tfjs_blockers.ts')) assert.ok(rescanned.length < leftover && rescanned.every((f) => !f.rewritable));
    else assert.equal(rescanned.length, leftover, 'only the non-rewritable findings remain');
    // Comments and docstrings of untouched code survive byte for byte.
    const rewrittenLines = new Set(result.text.split('\n'));
    for (const line of fixture.text.split('\n')) {
      if (/^\s*#/.test(line) || /^\s*"""/.test(line)) assert.ok(rewrittenLines.has(line), `kept: ${line}`);
    }
    assert.ok(result.text.startsWith(fixture.text.split('\n')[0]), 'first line unchanged');
  });
}

for (const fixture of all.filter((f) => f.expected.length > 0 && f.expected.every((e) => e.status !== 'rewritable'))) {
  test(`rewrite ${fixture.name}: nothing rewritable, each finding explains why`, () => {
    const result = rewriteText(fixture.path, fixture.text);
    assert.equal(result.text, null);
    assert.equal(result.notRewritten.length, fixture.expected.length);
    for (const f of result.notRewritten) assert.ok(/not rewritten|cannot be rewritten|does not match/i.test(f.explanation), f.explanation);
  });
}

test('rewriting a file with no findings returns null', () => {
  assert.equal(rewriteText('x.py', 'import torch\nprint(torch.ones(2))\n').text, null);
});

test('the PyTorch helper is inserted once per file, after the imports', () => {
  const src = [
    'import torch', '', '',
    'def f(w, lam):', '    return (w ** 2).sum() * lam', '', '',
    'def run(w, lam):',
    '    for _ in range(2):',
    '        g, = torch.autograd.grad(f(w, lam), w, create_graph=True)',
    '        w = w - g',
    '    for _ in range(2):',
    '        h, = torch.autograd.grad(f(w, lam), w, create_graph=True)',
    '        w = w - h',
    '    return torch.autograd.grad(w.sum(), lam)', '',
  ].join('\n');
  const out = rewriteText('x.py', src).text!;
  assert.equal(out.match(/class MixFlowInnerGrad/g)?.length, 1);
  assert.equal(out.match(/mixflow_inner_grad\(f, \(w, lam,\), \(0,\)\)/g)?.length, 2);
  assert.ok(out.indexOf('import torch') < out.indexOf('class MixFlowInnerGrad'));
});

test('a missing `import torch` is added when only `from torch… import` exists', () => {
  const src = 'from torch.autograd import grad\n\n\ndef hvp(f, x, v):\n    y = f(x)\n    g, = grad(y, x, create_graph=True)\n    return grad((g * v).sum(), x)\n';
  const out = rewriteText('x.py', src).text!;
  assert.match(out, /^from torch\.autograd import grad\nimport torch\n/);
  assert.match(out, /torch\.func\.jvp\(torch\.func\.grad\(f\), \(x,\), \(v,\)\)/);
});
