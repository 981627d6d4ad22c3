/** The one error a profile reader throws: where in the file, what was expected, what was there. */
import { describeJson as describe } from '../../core/text.js';
import { PROFILE_FORMAT } from '../format.js';

export class ProfileError extends Error {
  /** `path`: where (`$.runs[0].steps.live_bytes[12]`); `expected`: what should be there. */
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super(`not a valid ${PROFILE_FORMAT} profile: at ${path}: expected ${expected}, got ${got}`);
    this.name = 'ProfileError';
  }
}

/** Throws the `ProfileError` at `path`; `gotText` replaces the description of `got`. */
export function fail(path: string, expected: string, got: unknown, gotText?: string): never {
  throw new ProfileError(path, expected, gotText ?? describe(got));
}
