// Bundles the profile panel's webview: the layout worker first (its code is inlined into the
// panel's script as a string, to be started from a blob URL), then the panel itself (and, from
// the CSS it imports, webview.css). Used by build.mjs and by the browser tests.
import { build } from 'esbuild';
import { join } from 'node:path';

export async function bundleWebview(root, outdir, { minify = true, sourcemap = true } = {}) {
  const worker = await build({
    entryPoints: [join(root, 'webview/graph/layoutWorker.ts')], bundle: true, write: false, minify, platform: 'browser', format: 'iife', target: 'es2022', logLevel: 'warning',
  });
  const source = worker.outputFiles[0].text;
  await build({
    entryPoints: [join(root, 'webview/main.ts')], outfile: join(outdir, 'webview.js'), bundle: true, minify, platform: 'browser', format: 'iife', target: 'es2022',
    sourcemap, logLevel: 'warning', define: { __LAYOUT_WORKER_SOURCE__: JSON.stringify(source) },
  });
}
