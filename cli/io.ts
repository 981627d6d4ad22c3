import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { parseSetupText } from '../engine/setup/validate.js';
import type { Setup } from '../engine/setup/types.js';
import type { MetaProgress } from '../engine/meta/run.js';
import { UsageError } from './args.js';

export { formatBytes, formatFlops } from '../engine/core/text.js';

/** Reads and validates a setup file; a missing file is a usage error (exit 2). */
export function readSetup(path: string): Setup {
  if (!existsSync(path)) throw new UsageError(`setup file ${JSON.stringify(path)} does not exist`);
  return parseSetupText(readFileSync(path, 'utf8'));
}

/** Writes through a temporary file and a rename, so an interrupted run never leaves half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** What a node's scope and origin mean to a user watching the run. */
export function describeProgress(p: MetaProgress): string {
  if (p.phase === 'tracing') return 'tracing and transforming';
  const step = /^step\/(\d+)/.exec(p.scope);
  const where = step ? `inner step ${step[1]}` : p.scope.startsWith('outer') ? 'outer loss' : 'setup';
  const what = { primal: 'forward', tangent: 'forward-mode tangents', cotangent: 'backward', remat: 'recompute', customVjp: 'mixed-mode backward' }[p.origin];
  return `${Math.floor((100 * p.done) / Math.max(1, p.total))}% · ${where}, ${what}`;
}

/** Progress on stderr: one rewritten line on a terminal, at most a line a second otherwise (logs, the editor). */
export function progressPrinter(label: string): { update: (p: MetaProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  return {
    update: (p) => {
      const now = Date.now();
      if (!tty && now - last < 1000) return;
      last = now;
      const line = `${label}: ${describeProgress(p)}`;
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
    },
    done: () => {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

