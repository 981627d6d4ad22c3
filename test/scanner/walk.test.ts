import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { walkSources } from '../../extension/scanner/walk.js';
import { GitIgnore } from '../../extension/scanner/gitignore.js';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'mixflow-walk-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test('walks Python and TypeScript sources, skipping .gitignored files, venvs and node_modules', () => {
  const root = tree({
    '.gitignore': '# build output\nbuild/\n*.gen.py\n/top_only.py\n!keep.gen.py\n',
    'train.py': '', 'model.ts': '', 'types.d.ts': '', 'README.md': '', 'top_only.py': '',
    'build/out.py': '', 'x.gen.py': '', 'keep.gen.py': '',
    'sub/top_only.py': '', 'sub/.gitignore': 'local.py\n', 'sub/local.py': '', 'sub/meta.py': '',
    '.venv/lib/site.py': '', 'venv/x.py': '', 'myenv/pyvenv.cfg': '', 'myenv/lib/y.py': '',
    'conda/conda-meta/history': '', 'conda/z.py': '', 'node_modules/m/index.ts': '', '__pycache__/a.py': '',
  });
  assert.deepEqual(walkSources(root), ['keep.gen.py', 'model.ts', 'sub/meta.py', 'sub/top_only.py', 'train.py']);
});

test('gitignore globs: **, ?, character classes, directory-only rules', () => {
  const rules = new GitIgnore('docs/**/*.py\nrun?.py\nlog[0-9].py\ncache/\n');
  assert.ok(rules.ignores('docs/a/b/c.py', false));
  assert.ok(rules.ignores('docs/c.py', false));
  assert.ok(rules.ignores('run1.py', false) && !rules.ignores('run12.py', false));
  assert.ok(rules.ignores('log7.py', false) && !rules.ignores('logx.py', false));
  assert.ok(rules.ignores('a/cache', true) && !rules.ignores('a/cache', false));
});
