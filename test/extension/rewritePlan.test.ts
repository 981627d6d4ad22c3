/**
 * The editor applies exactly the scanner's rewrite: on every scanner fixture, the edits the
 * extension would put in its WorkspaceEdit, applied as an editor applies one batch, give
 * byte for byte the text `rewriteText` (and so `mixflow rewrite`) gives.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { applyTextEdits, escapeMarkdown, findByKey, findingAtLine, findingKey, isFindingKey, lensTitle, planFileRewrite, quickFixTitle, rewritableOnLines, summary, uniqueEdits } from '../../extension/features/rewritePlan.js';
import { rewriteText, scanText } from '../../extension/scanner/index.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'scanner');
const files = ['python', 'typescript'].flatMap((d) => readdirSync(join(FIXTURES, d)).map((f) => join(FIXTURES, d, f)));

test('whole-file plans reproduce the scanner\'s rewrite on every fixture, or say why not', () => {
  let rewritten = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const result = rewriteText(file, text);
    const plan = planFileRewrite(text, result);
    if (result.text === null) {
      assert.ok('error' in plan, file);
      continue;
    }
    assert.ok(!('error' in plan), `${file}: ${'error' in plan ? plan.error : ''}`);
    assert.equal(applyTextEdits(text, plan.edits), result.text, file);
    assert.equal(plan.applied, result.applied.length);
    rewritten++;
  }
  assert.ok(rewritten >= 8, `fixtures with rewrites: ${rewritten}`);
});

test('each rewritable finding alone applies cleanly, as its code lens does', () => {
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const f of scanText(file, text).filter((x) => x.rewritable)) {
      const out = applyTextEdits(text, uniqueEdits([f]));
      assert.notEqual(out, text, `${file}:${f.line}`);
    }
  }
});

test('a plan that does not reproduce the scanner\'s text is refused', () => {
  const file = files.find((f) => rewriteText(f, readFileSync(f, 'utf8')).text !== null)!;
  const text = readFileSync(file, 'utf8');
  const result = rewriteText(file, text);
  const plan = planFileRewrite(text, { ...result, text: `${result.text}#` });
  assert.ok('error' in plan && /do not reproduce/.test(plan.error));
  assert.match((planFileRewrite('x = 1\n', rewriteText('a.py', 'x = 1\n')) as { error: string }).error, /no reverse-over-reverse/);
});

test('edits: inserts at one position keep their order; overlaps are refused', () => {
  const at = (s: number, e: number, newText: string) => ({ range: { start: { line: 1, column: s + 1, offset: s }, end: { line: 1, column: e + 1, offset: e } }, newText });
  assert.equal(applyTextEdits('abcdef', [at(3, 3, 'X'), at(3, 3, 'Y'), at(0, 1, 'A'), at(5, 6, '')]), 'AbcXYde');
  assert.throws(() => applyTextEdits('abcdef', [at(1, 4, 'x'), at(2, 3, 'y')]), /overlapping/);
});

test('finding keys find the same finding after a rescan; the cursor finds the innermost', () => {
  const file = join(FIXTURES, 'python', 'torch_hvp_basic.py');
  const text = readFileSync(file, 'utf8');
  const findings = scanText(file, text);
  assert.ok(findings.length > 0);
  const f = findings[0]!;
  const key = JSON.parse(JSON.stringify(findingKey(f)));
  assert.ok(isFindingKey(key));
  assert.ok(!isFindingKey({ line: '1', column: 1, pattern: 'x' }));
  assert.deepEqual(findByKey(scanText(file, text), key), f);
  assert.equal(findByKey(findings, { ...key, line: key.line + 1000 }), undefined);
  assert.equal(findingAtLine(findings, f.line)?.line, f.line);
  assert.equal(findingAtLine(findings, 100000), undefined);
});

test('lens titles: what and what to do in a few words; the reason first for blocked sites', () => {
  const all = files.flatMap((file) => scanText(file, readFileSync(file, 'utf8')));
  const r = all.find((f) => f.pattern === 'torch-unrolled-inner-loop' && f.rewritable)!;
  const b = all.find((f) => !f.rewritable && f.blockers.some((x) => x.id === 'tracked-batchnorm-stats'))!;
  assert.equal(lensTitle(r), 'MixFlow: reverse-over-reverse inner loop: rewrite to mixed mode');
  assert.equal(lensTitle(b), `MixFlow: reverse-over-reverse inner loop: blocked by BatchNorm running stats (line ${b.blockers[0]!.line})`);
  const tfjs = all.find((f) => f.pattern === 'tfjs-nested-grad' && f.rewritable)!;
  assert.equal(lensTitle(tfjs), 'MixFlow: reverse-over-reverse nested tf.grad: rewrite to a local-HVP backward');
  assert.equal(quickFixTitle(tfjs), 'MixFlow: rewrite to a local-HVP backward');
  assert.equal(quickFixTitle(r), 'MixFlow: rewrite to mixed mode');
  assert.ok(all.every((f) => lensTitle(f).length < 100), 'short');
});

test('the hover and the Problems entry lead with the reason and the fix, one short paragraph', () => {
  const all = files.flatMap((file) => scanText(file, readFileSync(file, 'utf8')));
  for (const f of all) {
    const text = summary(f);
    assert.ok(!text.includes('\n') && text.length < 600, text);
    if (f.rewritable) assert.match(text, f.pattern === 'tfjs-nested-grad' ? /Fix: rewrite the inner gradient .*TF\.js has no forward mode/ : /Fix: rewrite it to mixed mode/);
    else for (const b of f.blockers) assert.ok(text.includes(`${b.message} (line ${b.line})`), text);
  }
});

test('hover markdown: special characters escaped, spaces kept as spaces (no &nbsp;, so words wrap)', () => {
  const escaped = escapeMarkdown('torch.autograd.grad(loss, w, create_graph=True) * [x] #1 <b>');
  assert.ok(!escaped.includes('&nbsp;') && escaped.includes(' '));
  assert.equal(escaped, 'torch.autograd.grad\\(loss, w, create\\_graph=True\\) \\* \\[x\\] \\#1 \\<b\\>');
});

test('quick fixes: every rewritable finding at the lines asked about, no blocked one', () => {
  const all = files.map((file) => scanText(file, readFileSync(file, 'utf8')));
  const findings = all.find((fs) => fs.some((f) => f.rewritable) && fs.some((f) => !f.rewritable))!;
  for (const f of findings) {
    assert.deepEqual(rewritableOnLines(findings, f.endLine, f.endLine).includes(f), f.rewritable, `${f.pattern} at line ${f.line}`);
  }
  const lines = findings.map((f) => f.endLine);
  assert.deepEqual(rewritableOnLines(findings, 1, Math.max(...lines)), findings.filter((f) => f.rewritable));
  assert.deepEqual(rewritableOnLines(findings, Math.max(...lines) + 1, Math.max(...lines) + 5), []);
});
