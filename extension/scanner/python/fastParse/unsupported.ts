/**
 * Thrown when the fast parser meets input it does not mirror exactly (rare
 * syntax, or code lezer would parse with error recovery); the caller then
 * parses with lezer, so findings never depend on which parser ran.
 */
export class Unsupported extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}
