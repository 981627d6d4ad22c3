// Bundles the CLI (and, as they land, the extension and the webview) with esbuild.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const node = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // TF.js backends locate their .wasm files next to their own modules; TypeScript is large.
  external: ['@tensorflow/*', 'typescript', 'vscode'],
};

const targets = [
  { entryPoints: ['engine/cli/main.ts'], outfile: 'dist/cli.js', ...node },
  { entryPoints: ['extension/extension.ts'], outfile: 'dist/extension.js', ...node },
  { entryPoints: ['webview/main.ts'], outfile: 'dist/webview.js', bundle: true, platform: 'browser', format: 'iife', target: 'es2022', sourcemap: true, logLevel: 'warning' },
].filter((t) => existsSync(t.entryPoints[0]));

await Promise.all(targets.map((t) => build(t)));
console.log(`built ${targets.map((t) => t.outfile).join(', ')}`);
