import { test } from 'node:test';
import assert from 'node:assert/strict';
import { scanText, type Finding } from '../../extension/scanner/index.js';
import { fixtures } from './corpus.js';

function status(f: Finding): string {
  if (f.rewritable) return 'rewritable';
  return f.blockers.length > 0 ? `blocked:${f.blockers.map((b) => b.id).sort().join(',')}` : 'explain';
}

const all = fixtures();

test('the corpus has positives for every language and several negative files', () => {
  const positives = all.filter((f) => f.expected.length > 0);
  const negatives = all.filter((f) => f.expected.length === 0);
  assert.ok(positives.length >= 15, `positives: ${positives.length}`);
  assert.ok(negatives.length >= 4, `negatives: ${negatives.length}`);
  const patterns = new Set(positives.flatMap((f) => f.expected.map((e) => e.pattern)));
  assert.ok(patterns.size >= 18, `patterns covered: ${[...patterns].join(', ')}`);
});

for (const fixture of all) {
  test(`scan ${fixture.name}: ${fixture.expected.length === 0 ? 'no findings' : `${fixture.expected.length} finding(s) on the right lines`}`, () => {
    const findings = scanText(fixture.path, fixture.text);
    const got = findings.map((f) => `${f.line} ${f.pattern} ${status(f)}`).sort();
    const want = fixture.expected.map((e) => `${e.line} ${e.pattern} ${e.status}`).sort();
    assert.deepEqual(got, want);
    const lines = fixture.text.split('\n');
    for (const f of findings) {
      assert.equal(f.file, fixture.path);
      assert.ok(f.column >= 1 && f.column <= lines[f.line - 1].length, 'column inside the line');
      assert.ok(f.endLine > f.line || (f.endLine === f.line && f.endColumn > f.column), 'non-empty range');
      assert.ok(f.message.length > 0 && !f.message.includes('\n') && f.explanation.length > f.message.length);
      assert.deepEqual(JSON.parse(JSON.stringify(f)), f, 'JSON-serialisable');
      for (const e of f.edits) assert.ok(e.range.start.offset <= e.range.end.offset);
    }
  });
}
