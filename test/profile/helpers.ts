import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runMeta, type MetaRun } from '../../engine/meta/run.js';
import { materialise } from '../../engine/setup/materialise.js';
import type { Mode, Remat } from '../../engine/setup/result.js';
import type { Setup } from '../../engine/setup/types.js';
import { parseSetupText } from '../../engine/setup/validate.js';

export const ROOT = join(__dirname, '..', '..');

/** Small setups: the bundled examples that run in a second or two, and the reference fixtures. */
export const SMALL_SETUPS: readonly string[] = [
  'engine/setup/examples/mlp-hyper.mixflow.json',
  'engine/setup/examples/transformer-dataweight.mixflow.json',
  'test/fixtures/spec/reference-00.mixflow.json',
  'test/fixtures/spec/reference-01.mixflow.json',
  'test/fixtures/spec/reference-02.mixflow.json',
];

export function loadSetup(rel: string): Setup {
  return parseSetupText(readFileSync(join(ROOT, rel), 'utf8'));
}

const cache = new Map<string, Promise<MetaRun>>();

/** One run per (setup, mode, remat, precision), shared by the tests of a file. */
export function runOnce(rel: string, mode: Mode, remat: Remat, precision: 'float32' | 'float64' = 'float32', timeNodes = true): Promise<MetaRun> {
  const key = `${rel}|${mode}|${remat}|${precision}|${timeNodes}`;
  let r = cache.get(key);
  if (!r) {
    const setup = loadSetup(rel);
    r = runMeta(setup, materialise(setup), { mode, remat, precision, backend: 'cpu', timeNodes });
    cache.set(key, r);
  }
  return r;
}

