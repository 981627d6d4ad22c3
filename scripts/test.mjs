// `npm test`: makes sure what the tests need is installed (scripts/testDeps.mjs: installs it as
// root, else stops at once with the command to run), type-checks, then runs every test file under
// test/ with node's test runner (TypeScript through tsx). With files given
// (`node scripts/test.mjs test/some/file.test.ts`) it runs just those, with no check.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureTestDeps } from './testDeps.mjs';

function testFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'fixtures' ? [] : testFiles(path);
    return name.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
if (!only.length) {
  const deps = ensureTestDeps();
  if (deps !== 0) process.exit(deps);
  console.log('npm test: type-checking (tsc -p . --noEmit)');
  const tsc = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.', '--noEmit'], { stdio: 'inherit' });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  console.log('npm test: running the tests');
}
const files = only.length ? only : testFiles('test').sort();
const res = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(res.status ?? 1);
