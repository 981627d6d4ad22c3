/**
 * A fast Python parser that writes exactly the tree @lezer/python would, for
 * the Python it knows (nearly all real code); anything else returns
 * Unsupported and the caller parses with lezer. Both parsers are kept in step
 * by a test that compares their trees node by node.
 */
import type { Tree } from '@lezer/common';
import { tokenize } from './lexer.js';
import { StatementParser } from './statements.js';
import { Unsupported } from './unsupported.js';

export { Unsupported };

/** Reason prefix of a decline caused by an exception other than Unsupported. */
export const INTERNAL_ERROR = 'internal error';

export function fastParsePython(text: string): Tree | Unsupported {
  try {
    const parser = new StatementParser(text, tokenize(text));
    parser.script();
    return parser.finish();
  } catch (error) {
    if (error instanceof Unsupported) return error;
    // A bug here must not cost the user a scan: lezer parses instead (the tests reject this reason).
    return new Unsupported(`${INTERNAL_ERROR}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
