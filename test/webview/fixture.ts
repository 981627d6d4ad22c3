/** The checked-in profile the webview tests read (written by our CLI; see test/fixtures/profiles/README.md). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileFile } from '../../engine/profile/format.js';
import { parseProfile } from '../../engine/profile/validate.js';

export const FIXTURE = join(__dirname, '..', 'fixtures', 'profiles', 'mlp-hyper-block.json');

export function fixtureText(): string {
  return readFileSync(FIXTURE, 'utf8');
}

export function fixtureProfile(): ProfileFile {
  return parseProfile(fixtureText());
}
