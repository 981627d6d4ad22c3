import { execFile } from 'node:child_process';
import { join } from 'node:path';
import type { Mode, Remat } from '../engine/meta/problem.js';

/** This CLI's own launcher (the source checkout's and the bundle's both sit one level below it). */
const BIN = join(__dirname, '..', 'bin', 'mixflow.js');

/**
 * `time_ms` of `mixflow run SETUP` started afresh for every run, the way a user runs it: the
 * in-process bench rows reuse a warmed-up JIT and loaded modules, these pay for them. The
 * modes take turns going first, as in the in-process rows.
 */
export async function freshProcessTimes(setupPath: string, remat: Remat, backend: string, runs: number, shouldStop: () => boolean): Promise<Record<Mode, number[]>> {
  const times: Record<Mode, number[]> = { standard: [], mixflow: [] };
  for (let k = 0; k < runs && !shouldStop(); k++) {
    for (const mode of k % 2 ? (['mixflow', 'standard'] as const) : (['standard', 'mixflow'] as const)) {
      times[mode].push(await runOnce(setupPath, mode, remat, backend));
    }
  }
  return times;
}

function runOnce(setupPath: string, mode: Mode, remat: Remat, backend: string): Promise<number> {
  const args = [BIN, 'run', setupPath, '--mode', mode, '--remat', remat, '--backend', backend, '--json'];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`mixflow run (${mode}) in a fresh process failed: ${stderr.trim() || err.message}`));
      const timeMs = (JSON.parse(stdout) as { time_ms?: unknown }).time_ms;
      if (typeof timeMs !== 'number') return reject(new Error(`mixflow run (${mode}) printed no time_ms`));
      resolve(timeMs);
    });
  });
}
