/**
 * Reads `mixflow-profile/1` (format.ts) back: `parseProfile(text)` returns the profile or
 * throws a `ProfileError` naming the JSON path of the first problem and what was expected.
 * Besides types it checks what makes a profile self-consistent, so that a corrupted file
 * is refused rather than drawn wrong: column lengths, indices into the string tables and
 * the graph (validate/graph.ts), the timeline's arithmetic (live after = live before +
 * allocated − freed, freed = bytes of the released values), the peak (the timeline's maximum,
 * first reached at `peak.step`; validate/timeline.ts, validate/run.ts), the live set at the
 * peak (exactly the values the timeline holds there) and every grouping of it summing to the
 * peak (validate/peak.ts). JSON syntax errors and truncation are located in validate/json.ts.
 *
 * Fields a reader does not know are ignored (later versions of /1 may add some).
 * No node or TF.js imports, here or in validate/: the webview uses these files.
 */
import { PROFILE_FORMAT, type ProfileFile, type ProfileRun } from './format.js';
import { remat } from './validate/innerSchedule.js';
import { fail } from './validate/error.js';
import { parseJson } from './validate/json.js';
import { array, int, nonNeg, record, str, type Rec } from './validate/readers.js';
import { validateRun } from './validate/run.js';
import { validateSetup } from './validate/setup.js';

export { ProfileError } from './validate/error.js';
export { jsonErrorOffset } from './validate/json.js';

/** Parses and validates the text of a profile file. */
export function parseProfile(text: string): ProfileFile {
  return validateProfile(parseJson(text));
}

/** Validates a parsed profile (see `parseProfile`). */
export function validateProfile(value: unknown): ProfileFile {
  const f = record(value, '$');
  if (f.format !== PROFILE_FORMAT) {
    const other = typeof f.format === 'string' && f.format.startsWith('mixflow-profile/');
    fail('$.format', `"${PROFILE_FORMAT}"${other ? ' (this reader knows only that version)' : ''}`, f.format);
  }
  const engine = record(f.engine, '$.engine');
  str(engine.name, '$.engine.name');
  str(engine.version, '$.engine.version');
  str(f.created, '$.created');
  validateSetup(f.setup);
  const runs = array(f.runs, '$.runs');
  if (runs.length === 0) fail('$.runs', 'at least one run', runs);
  const innerSteps = (f.setup as Rec).inner_steps as number;
  runs.forEach((r, i) => validateRun(r, `$.runs[${i}]`, innerSteps));
  if (f.comparison !== null) {
    const c = record(f.comparison, '$.comparison');
    remat(c.remat, '$.comparison.remat');
    const s = int(c.standard, '$.comparison.standard', 0, runs.length - 1);
    const m = int(c.mixflow, '$.comparison.mixflow', 0, runs.length - 1);
    if ((runs[s] as Rec).mode !== 'standard') fail('$.comparison.standard', 'the index of a standard run', s);
    if ((runs[m] as Rec).mode !== 'mixflow') fail('$.comparison.mixflow', 'the index of a mixflow run', m);
    for (const k of ['peak_ratio', 'active_peak_ratio', 'time_ratio']) nonNeg(c[k], `$.comparison.${k}`);
  }
  return value as ProfileFile;
}

/** For display: a run's one-line identity. */
export function runLabel(r: Pick<ProfileRun, 'mode' | 'remat' | 'backend' | 'precision'>): string {
  return `${r.mode}, remat ${r.remat}, ${r.precision} on ${r.backend}`;
}
