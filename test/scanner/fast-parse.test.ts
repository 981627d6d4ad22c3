/**
 * The fast Python parser must write exactly @lezer/python's tree (node names
 * and ranges), or decline so lezer parses instead: then findings never depend
 * on which parser ran. Checked on a constructs file (and its CRLF and tab
 * variants), the scanner corpus, the bench file, mutated files, and the
 * standard library of the machine's Python.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parser } from '@lezer/python';
import type { Tree } from '@lezer/common';
import { fastParsePython, INTERNAL_ERROR, Unsupported } from '../../extension/scanner/python/fastParse/index.js';
import { parsePython } from '../../extension/scanner/python/parse.js';
import { scanPython } from '../../extension/scanner/python/scan.js';
import { benchSource } from '../../extension/scanner/bench.js';
import { fixtures } from './corpus.js';

function nodes(tree: Tree): string[] {
  const out: string[] = [];
  tree.iterate({ enter: (n) => { out.push(`${n.name}[${n.from},${n.to}]`); } });
  return out;
}

function hasErrors(tree: Tree): boolean {
  let found = false;
  tree.iterate({ enter: (n) => { if (n.type.isError) found = true; } });
  return found;
}

/** The first differing node with some context, or null when the trees are the same. */
function firstDifference(lezerTree: Tree, fast: Tree): string | null {
  const want = nodes(lezerTree);
  const got = nodes(fast);
  for (let i = 0; i < Math.max(want.length, got.length); i++) {
    if (want[i] !== got[i]) return `node ${i}: lezer ${want.slice(i, i + 3).join(' ')} | fast ${got.slice(i, i + 3).join(' ')}`;
  }
  return null;
}

function assertSameTree(name: string, text: string): void {
  const fast = fastParsePython(text);
  assert.ok(!(fast instanceof Unsupported), `${name}: fast parser declined: ${fast instanceof Unsupported ? fast.reason : ''}`);
  assert.equal(firstDifference(parser.parse(text), fast), null, name);
}

const constructs = readFileSync('test/fixtures/scanner/parser/constructs.py', 'utf8');

test('the constructs file is valid for lezer, and the fast parser writes the same tree', () => {
  assert.equal(hasErrors(parser.parse(constructs)), false);
  assert.ok(nodes(parser.parse(constructs)).length > 1000);
  assertSameTree('constructs.py', constructs);
});

test('the same tree with CRLF line ends and with tab indentation', () => {
  const crlf = constructs.replace(/\n/g, '\r\n');
  const tabs = constructs.replace(/^((?: {4})+)/gm, (spaces) => '\t'.repeat(spaces.length / 4));
  assert.notEqual(tabs, constructs);
  for (const [name, text] of [['crlf', crlf], ['tabs', tabs]] as const) {
    assert.equal(hasErrors(parser.parse(text)), false, name);
    assertSameTree(name, text);
  }
});

test('edge cases of layout: empty files, comments at the end, missing final newline, trailing spaces', () => {
  const cases = [
    '', '\n', '# only a comment', '# c\n\n# d\n', 'x = 1', 'x = 1   ', 'x = 1  # c',
    'def f():\n    return 1', 'def f():\n    return 1  # c', 'def f():\n    return 1\n\n  \n# c',
    'if a:\n    if b:\n        pass\n    # c\n# d\nelse:\n    pass\n', 'class A:\n    def f(self):\n        pass\n\n\n\nx = 1\n',
    '@d\n\n# c\ndef f(): pass\n', 'f(a,  # c\n  b)  # d\n', 'x = [\n]\n', 'lambda : 0\n', 'lambda: 0\n',
  ];
  for (const text of cases) assertSameTree(JSON.stringify(text), text);
  // More tokens and comments than the lexer's first estimate (its arrays grow).
  assertSameTree('dense tokens', `x = (${'a,'.repeat(3000)})\n`);
  assertSameTree('dense comments', `${'#\n'.repeat(3000)}x = 1\n`);
});

test('the scanner corpus and the bench file take the fast path with identical trees', () => {
  // These two use `with … as (a, b):`, where lezer's grammar recovers from an error: they must fall back.
  const lezerErrors = new Set(['python/libraries_meta.py', 'python/libraries_negatives.py']);
  for (const fixture of fixtures().filter((f) => f.path.endsWith('.py'))) {
    const fast = fastParsePython(fixture.text);
    if (lezerErrors.has(fixture.name)) {
      assert.ok(hasErrors(parser.parse(fixture.text)), fixture.name);
      assert.ok(fast instanceof Unsupported, `${fixture.name} should fall back to lezer`);
      continue;
    }
    assertSameTree(fixture.name, fixture.text);
  }
  assertSameTree('bench source', benchSource());
});

test('syntax it does not mirror falls back to lezer, with lezer\'s tree', () => {
  const declined = [
    'async f()\n', 'print "python 2"\n', 'match command:\n    case 1:\n        pass\n',
    'type Alias = int\n', 'def f[T](x: T) -> T:\n    return x\n', 'x = 1\fy = 2\n', 'naïve = 1\n',
    'def g():\n    yield\n', 'with a as (b, c):\n    pass\n', 'def f():\n    x = a + \\\nb\n', 'x = "unterminated\n',
    'x = (1,\n', 'def f():\n  pass\n   pass\n', 'f(x for x in y if lambda: 1)\n', 'x = 2.\n',
  ];
  for (const text of declined) {
    const fast = fastParsePython(text);
    assert.ok(fast instanceof Unsupported && !fast.reason.startsWith(INTERNAL_ERROR), `fast parser should decline ${JSON.stringify(text)}`);
    const doc = parsePython('declined.py', text);
    assert.equal(doc.parsedBy, 'lezer');
    assert.deepEqual(nodes(doc.tree), nodes(parser.parse(text)));
  }
  assert.equal(parsePython('ok.py', 'x = 1\n').parsedBy, 'fast');
});

test('an exception inside the fast parser becomes a decline (lezer parses), never a failed scan', () => {
  const broken = fastParsePython(null as unknown as string);
  assert.ok(broken instanceof Unsupported && broken.reason.startsWith(INTERNAL_ERROR), String(broken));
});

test('findings are the same whichever parser builds the tree', () => {
  let total = 0;
  for (const fixture of fixtures().filter((f) => f.path.endsWith('.py'))) {
    const viaFast = scanPython(fixture.path, fixture.text, 'fast');
    assert.deepEqual(viaFast, scanPython(fixture.path, fixture.text, 'lezer'), fixture.name);
    total += viaFast.length;
  }
  assert.ok(total >= 30, `findings compared: ${total}`);
});

/** A small deterministic generator (the same mutations on every run). */
function lcg(seed: number): (n: number) => number {
  let state = seed;
  return (n) => {
    state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff;
    return state % n;
  };
}

test('mutated files: when the fast parser accepts, its tree is lezer\'s', () => {
  const pieces = ['(', ')', ':', ',', '=', ' not ', ' lambda ', '*', '**', '"', "'", 'f"{', '}', '\n', '\n    ', '#', '\\',
    ' if ', ' else ', ' for ', ' in ', '.', '[', ']', '@', ' yield ', ' and ', ' is ', '->', ';', ':=', '1.', 'print ', 'match '];
  const random = lcg(20261127);
  const sources = [constructs, ...fixtures().filter((f) => f.path.endsWith('.py')).map((f) => f.text)];
  let accepted = 0;
  for (const source of sources) {
    for (let m = 0; m < 25; m++) {
      const at = random(source.length);
      const kind = random(3);
      let text: string;
      if (kind === 0) text = source.slice(0, at) + source.slice(at + 1 + random(3));
      else if (kind === 1) text = source.slice(0, at) + pieces[random(pieces.length)] + source.slice(at);
      else {
        const lines = source.split('\n');
        lines.splice(random(lines.length), 0, lines[random(lines.length)]);
        text = lines.join('\n');
      }
      const fast = fastParsePython(text);
      if (fast instanceof Unsupported) {
        assert.ok(!fast.reason.startsWith(INTERNAL_ERROR), fast.reason);
        continue;
      }
      accepted++;
      assert.equal(firstDifference(parser.parse(text), fast), null, `mutation ${m} of a source: ${JSON.stringify(text.slice(Math.max(0, at - 40), at + 40))}`);
    }
  }
  assert.ok(accepted > 100, `mutations the fast parser accepted: ${accepted}`);
});

function pythonStdlib(): string {
  const install = 'Python 3 is required for this test: run `apt-get install -y python3` (`npm test` installs python3-torch, as root)';
  for (const python of ['/usr/bin/python3', 'python3']) {
    try {
      return execFileSync(python, ['-c', 'import sysconfig; print(sysconfig.get_paths()["stdlib"])'], { encoding: 'utf8' }).trim();
    } catch {
      // try the next
    }
  }
  throw new Error(install);
}

function pythonFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    if (name === 'site-packages' || name === 'dist-packages' || name.startsWith('test')) continue;
    const path = join(dir, name);
    const stat = statSync(path);
    if (stat.isDirectory()) pythonFiles(path, out);
    else if (name.endsWith('.py') && stat.size < 100_000) out.push(path);
  }
  return out;
}

test('the Python standard library: identical trees wherever lezer parses without errors', () => {
  const files = pythonFiles(pythonStdlib());
  assert.ok(files.length > 300, `standard library files found: ${files.length}`);
  let fast = 0;
  let clean = 0;
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const lezerTree = parser.parse(text);
    if (hasErrors(lezerTree)) continue;
    clean++;
    const tree = fastParsePython(text);
    if (tree instanceof Unsupported) {
      assert.ok(!tree.reason.startsWith(INTERNAL_ERROR), `${file}: ${tree.reason}`);
      continue;
    }
    fast++;
    assert.equal(firstDifference(lezerTree, tree), null, file);
  }
  // Declined files use `match` statements or similar; nearly all code takes the fast path.
  assert.ok(fast / clean > 0.98, `fast path on ${fast} of ${clean} files`);
});
