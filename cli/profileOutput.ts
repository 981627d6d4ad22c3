import { readFileSync } from 'node:fs';
import type { MetaOptions } from '../engine/meta/objective.js';
import type { MetaRun } from '../engine/meta/run.js';
import { buildProfile, serialiseProfile } from '../engine/profile/build.js';
import type { ProfileFile } from '../engine/profile/format.js';
import { parseProfile } from '../engine/profile/validate.js';
import type { Setup } from '../engine/setup/types.js';
import { writeFileAtomic } from './io.js';

/**
 * Writes the `mixflow-profile/1` file of a setup's runs (`options[i]` gives run i's mode and
 * remat) through a temporary file and a rename, so an interrupted write never leaves half a
 * profile. Returns the profile and the size of the file in bytes.
 */
export function writeProfile(
  file: string,
  setupPath: string | null,
  setup: Setup,
  runs: readonly MetaRun[],
  options: readonly MetaOptions[],
): { profile: ProfileFile; bytes: number } {
  const profile = buildProfile(setupPath, setup, runs, options.map((o) => ({ mode: o.mode, remat: o.remat })));
  const text = serialiseProfile(profile);
  writeFileAtomic(file, text);
  return { profile, bytes: Buffer.byteLength(text) };
}

/** Reads and validates a profile file; throws `ProfileError` (JSON path, what was expected). */
export function readProfile(file: string): ProfileFile {
  return parseProfile(readFileSync(file, 'utf8'));
}
