import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rewriteCommand, scanCommand } from '../../extension/scanner/cli.js';
import { CORPUS } from './corpus.js';

/** Runs a command with stdout/stderr captured. */
async function capture(run: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  try {
    return { code: await run(), out: out.join(''), err: err.join('') };
  } finally {
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

const HVP = join(CORPUS, 'python', 'torch_hvp_aliases.py');

test('scan --json prints one JSON array with file, line, column, pattern, message', async () => {
  const { code, out } = await capture(() => scanCommand([HVP, '--json']));
  assert.equal(code, 0);
  const findings = JSON.parse(out);
  assert.equal(findings.length, 1);
  assert.deepEqual(
    { file: findings[0].file, line: findings[0].line, pattern: findings[0].pattern },
    { file: HVP, line: 18, pattern: 'torch-create-graph-hvp' },
  );
  assert.equal(typeof findings[0].column, 'number');
  assert.equal(typeof findings[0].message, 'string');
});

test('scan of a folder names files as the folder joined with the path under it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-scan-'));
  mkdirSync(join(dir, 'pkg'));
  writeFileSync(join(dir, 'pkg', 'hvp.py'), 'import jax\nh = jax.jacrev(jax.jacrev(f))\n');
  const { code, out } = await capture(() => scanCommand(['--json', dir]));
  assert.equal(code, 0);
  assert.deepEqual(JSON.parse(out).map((f: { file: string; line: number }) => [f.file, f.line]), [[`${dir}/pkg/hvp.py`, 2]]);
});

test('scan without --json prints one line per finding and a summary', async () => {
  const { code, out } = await capture(() => scanCommand([HVP]));
  assert.equal(code, 0);
  assert.match(out, /torch_hvp_aliases\.py:18:\d+: torch-create-graph-hvp: /);
  assert.match(out, /1 reverse-over-reverse site\(s\) found, 1 rewritable/);
});

test('bad usage exits 2 with a message on stderr', async () => {
  for (const argv of [[], ['--bogus', HVP], ['/no/such/path.py']]) {
    const { code, err, out } = await capture(() => scanCommand(argv));
    assert.equal(code, 2, argv.join(' '));
    assert.match(err, /mixflow: scan: /);
    assert.equal(out, '');
  }
  for (const argv of [[], ['--bogus', HVP], ['/no/such/file.py'], [HVP, HVP], [CORPUS]]) {
    const { code, err } = await capture(() => rewriteCommand(argv));
    assert.equal(code, 2, argv.join(' '));
    assert.match(err, /mixflow: rewrite: /);
  }
});

test('rewrite prints the rewritten file and exits 0', async () => {
  const { code, out } = await capture(() => rewriteCommand([HVP]));
  assert.equal(code, 0);
  assert.match(out, /torch\.func\.jvp\(lambda mixflow_x: torch\.func\.grad\(energy, argnums=0\)\(mixflow_x, scale\), \(x,\), \(v,\)\)\[1\],\)/);
});

test('rewrite exits 1 and says why when nothing can be rewritten', async () => {
  const blocked = await capture(() => rewriteCommand([join(CORPUS, 'python', 'libraries_meta.py')]));
  assert.equal(blocked.code, 1);
  assert.equal(blocked.out, '');
  assert.match(blocked.err, /higher-innerloop: not rewritten/);
  assert.match(blocked.err, /none of the 8 finding\(s\) can be rewritten/);
  assert.match(blocked.err, /higher-innerloop: not rewritten: higher owns the inner step .*Migrate: .*\(line 13\)\./);
  const clean = await capture(() => rewriteCommand([join(CORPUS, 'python', 'torch_negatives.py')]));
  assert.equal(clean.code, 1);
  assert.match(clean.err, /no reverse-over-reverse meta-gradient code found/);
});
