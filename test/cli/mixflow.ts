import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = join(__dirname, '../../bin/mixflow.js');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(env: NodeJS.ProcessEnv, args: string[]): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the real `mixflow` command line in a child process (`mixflow.withEnv(vars)(…)` adds environment variables). */
export function mixflow(...args: string[]): CliResult {
  return run({}, args);
}
mixflow.withEnv = (env: NodeJS.ProcessEnv) => (...args: string[]): CliResult => run(env, args);

/** Writes a JSON value (or raw text) to a fresh temporary file and returns its path. */
export function tempFile(content: unknown, name = 'setup.mixflow.json'): string {
  const dir = mkdtempSync(join(tmpdir(), 'mixflow-test-'));
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}
