import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseSetupText } from '../engine/setup/validate.js';
import { readExampleModel } from '../engine/setup/examples/models.js';
import type { Setup } from '../engine/setup/types.js';
import type { MetaProgress } from '../engine/meta/run.js';
import { UsageError } from './args.js';

export { formatBytes, formatFlops } from '../engine/core/text.js';

/** Reads and validates a setup file; a missing file is a usage error (exit 2). */
export function readSetup(path: string): Setup {
  if (!existsSync(path)) throw new UsageError(`setup file ${JSON.stringify(path)} does not exist`);
  return parseSetupText(readFileSync(path, 'utf8'), { baseDir: dirname(resolve(path)), readModel: readExampleModel });
}

/** Writes through a temporary file and a rename, so an interrupted run never leaves half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/** What a node's scope and origin mean to a user watching the run. */
export function describeProgress(p: MetaProgress): string {
  if (p.phase === 'planning') return `planning memory from shapes${p.detail ? ` · ${p.detail}` : ''}`;
  if (p.phase === 'materialising') return `materialising θ₀ and batches${p.detail ? ` · ${p.detail}` : ''}`;
  if (p.phase === 'tracing') return `tracing and transforming${p.done > 0 ? ` · ${p.done} ops so far` : ''}`;
  const step = /^step\/(\d+)/.exec(p.scope);
  // Top-level nodes after the forward pass are sums of cotangents between inner steps (many under revolve).
  const where = step ? `inner step ${step[1]}` : p.scope.startsWith('outer') ? 'outer loss' : p.origin === 'primal' ? 'setup' : 'between inner steps';
  const what = { primal: 'forward', tangent: 'forward-mode tangents', cotangent: 'backward', remat: 'recompute', customVjp: 'mixed-mode backward' }[p.origin];
  return `${Math.floor((100 * p.done) / Math.max(1, p.total))}% · ${where}, ${what}`;
}

/**
 * Progress on stderr: one rewritten line on a terminal; otherwise (logs, the editor) at most a
 * line a second, and a change of phase inside that second is printed when the second is up
 * (by a timer, or by the next update when synchronous work holds the event loop).
 */
export function progressPrinter(label: string): { update: (p: MetaProgress) => void; done: () => void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let lastPhase = '';
  let pending: MetaProgress | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const print = (p: MetaProgress) => {
    last = Date.now();
    lastPhase = p.phase;
    pending = undefined;
    const line = `${label}: ${describeProgress(p)}`;
    process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
  };
  const flush = () => {
    timer = undefined;
    if (pending) print(pending);
  };
  return {
    update: (p) => {
      if (tty || Date.now() - last >= 1000) return print(p);
      if (p.phase !== lastPhase || pending) {
        pending = p;
        timer ??= setTimeout(flush, 1000 - (Date.now() - last)).unref();
      }
    },
    done: () => {
      clearTimeout(timer);
      timer = undefined;
      pending = undefined;
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}
