#!/usr/bin/env node
// The `mixflow` CLI. In a source checkout it runs the TypeScript sources through tsx, so
// it never runs a stale build; an installed package runs the esbuild bundle in dist/.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const source = join(root, 'cli', 'entry.ts');

function hasTsx() {
  try {
    require.resolve('tsx/cjs');
    return true;
  } catch {
    return false;
  }
}

if (existsSync(source) && hasTsx()) {
  require('tsx/cjs');
  require(source);
} else {
  require(join(root, 'dist', 'cli.js'));
}
