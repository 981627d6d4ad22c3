/**
 * Folder walking for `mixflow scan`: Python and TypeScript/JavaScript sources,
 * honouring .gitignore files and skipping virtual envs, caches and node_modules.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { GitIgnore } from './gitignore.js';

const SOURCE = /\.(py|ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SKIPPED_DIRS = new Set([
  '.git', 'node_modules', '__pycache__', '.venv', 'venv', '.tox', '.nox', '.mypy_cache', '.pytest_cache',
  'site-packages', '.eggs', '.ipynb_checkpoints',
]);

export function isSource(path: string): boolean {
  return SOURCE.test(path) && !path.endsWith('.d.ts');
}

/** A folder is a virtual env when it holds pyvenv.cfg (venv, virtualenv, uv) or conda-meta. */
function isVirtualEnv(dir: string): boolean {
  return existsSync(join(dir, 'pyvenv.cfg')) || existsSync(join(dir, 'conda-meta'));
}

interface Scope { dir: string; rules: GitIgnore }

/** Source files under `root`, as paths relative to it (with `/`), sorted. */
export function walkSources(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, scopes: Scope[]): void => {
    const ignoreFile = join(dir, '.gitignore');
    const here = existsSync(ignoreFile) ? [...scopes, { dir, rules: new GitIgnore(readFileSync(ignoreFile, 'utf8')) }] : scopes;
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      const full = join(dir, entry.name);
      const isDir = entry.isDirectory();
      if (here.some((s) => s.rules.ignores(relative(s.dir, full).split(sep).join('/'), isDir))) continue;
      if (isDir) {
        if (!SKIPPED_DIRS.has(entry.name) && !isVirtualEnv(full)) visit(full, here);
      } else if (entry.isFile() && isSource(entry.name)) {
        out.push(relative(root, full).split(sep).join('/'));
      }
    }
  };
  visit(root, []);
  return out;
}
