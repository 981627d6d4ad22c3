// Bundles the CLI, the VS Code extension (vscode stays external) and the profile panel's
// webview (browser code: dist/webview.js with the layout worker inlined, and dist/webview.css).
import { build } from 'esbuild';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bundleWebview } from './scripts/webviewBundle.mjs';

// tfjs-core registers no gradients in its CommonJS build; the nested-tf.grad baseline imports
// its ES-module gradient registry, which must be bundled (it registers into the shared,
// global TF.js engine), while the rest of TF.js stays external.
const bundleTfjsGradients = {
  name: 'bundle-tfjs-gradients',
  setup(b) {
    b.onResolve({ filter: /^@tensorflow\/tfjs-core\/dist\/register_all_gradients$/ }, (args) => ({
      path: createRequire(import.meta.url).resolve(`${args.path}.js`),
    }));
  },
};

const node = {
  plugins: [bundleTfjsGradients],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
  // TF.js backends locate their .wasm files next to their own modules; TypeScript is large;
  // onnxruntime-node (optional) loads its native library from its own folder.
  external: ['@tensorflow/*', 'typescript', 'vscode', 'onnxruntime-node'],
};

// `--outdir DIR` bundles into DIR instead of dist/ (the editor tests build a fresh copy).
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? process.argv[at + 1] : 'dist';

const targets = [
  { entryPoints: ['cli/entry.ts'], outfile: `${outdir}/cli.js`, ...node },
  { entryPoints: ['extension/extension.ts'], outfile: `${outdir}/extension.js`, ...node },
].filter((t) => existsSync(t.entryPoints[0]));

await Promise.all([...targets.map((t) => build(t)), bundleWebview('.', outdir)]);
console.log(`built ${[...targets.map((t) => t.outfile), `${outdir}/webview.js`].join(', ')}`);
