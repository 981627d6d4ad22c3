/**
 * The extension under development, as code-server loads it (the payload's
 * extensionDevelopmentPath): a fresh folder with the manifest, the setup schema, the current source bundled by
 * build.mjs, the extension-host suite bundled beside it, and the repository's node_modules
 * linked in (the bundles keep TypeScript and TF.js external). Built per run, so the test
 * always sees the current source and never rewrites dist/ under other tests.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './codeServer.js';

/** Where the suite lands inside the extension's folder (the payload's extensionTestsPath). */
export const SUITE_PATH = join('dist', 'test', 'suite.js');

/** `suite`: the extension-host suite to bundle (host/suite.ts unless a test brings its own). */
export async function buildDevExtension(suite = join(ROOT, 'test', 'editor', 'host', 'suite.ts')): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-dev-extension-'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  cpSync(join(ROOT, 'schemas'), join(dir, 'schemas'), { recursive: true }); // contributes.jsonValidation
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const bundled = spawnSync(process.execPath, ['build.mjs', '--outdir', join(dir, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  if (bundled.status !== 0) throw new Error(`build.mjs failed:\n${bundled.stdout}${bundled.stderr}`);
  await build({
    entryPoints: [suite], outfile: join(dir, SUITE_PATH),
    bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'typescript'], logLevel: 'error',
  });
  return dir;
}
