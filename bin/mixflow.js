#!/usr/bin/env node
// The `mixflow` CLI. In a source checkout it runs the TypeScript sources through tsx, so
// it never runs a stale build; an installed package runs the esbuild bundle in dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'engine', 'cli', 'main.ts');

function load() {
  if (existsSync(source)) {
    try {
      require.resolve('tsx/cjs');
      require('tsx/cjs');
      return require(source);
    } catch {
      // no tsx (a production install): fall through to the bundle
    }
  }
  return require(join(root, 'dist', 'cli.js'));
}

load()
  .main(process.argv.slice(2))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`mixflow: ${e && e.stack ? e.stack : e}\n`);
      process.exitCode = 1;
    },
  );
