/**
 * The parser's position in the token stream, and the moves every grammar rule
 * uses: look at the current token, take it (writing its leaf node, if it has
 * one), open and close nodes. A node ends where its last taken token ends,
 * as in lezer; line ends at EOF, indents and dedents never extend a node.
 */
import { Tok, type Tokens } from './lexer.js';
import { TreeWriter } from './writer.js';
import { Unsupported } from './unsupported.js';

const { DEDENT, INDENT, NEWLINE_AT_EOF } = Tok;

/** Leaf type meaning "take the token but write no node" (lezer's anonymous tokens). */
export const NO_NODE = -1;

export class Cursor {
  protected i = 0;
  /** End of the last token taken: where a node closed now ends. */
  protected lastEnd = 0;
  protected readonly writer: TreeWriter;
  protected readonly kinds: Int32Array;
  protected readonly starts: Int32Array;
  protected readonly ends: Int32Array;

  constructor(protected readonly text: string, tokens: Tokens) {
    this.writer = new TreeWriter(tokens);
    this.kinds = tokens.kind;
    this.starts = tokens.start;
    this.ends = tokens.end;
  }

  protected get kind(): number {
    return this.kinds[this.i];
  }

  protected peekKind(ahead: number): number {
    return this.kinds[this.i + ahead];
  }

  protected get from(): number {
    return this.starts[this.i];
  }

  protected tokenText(): string {
    return this.text.slice(this.starts[this.i], this.ends[this.i]);
  }

  /** Starts a node at the current token; returns its buffer index for `close`. */
  protected open(): number {
    return this.writer.open(this.starts[this.i]);
  }

  protected close(type: number, start: number, from: number): void {
    this.writer.node(type, start, from, this.lastEnd);
  }

  protected take(leafType: number): void {
    const i = this.i;
    const kind = this.kinds[i];
    if (kind === INDENT || kind === DEDENT || kind === NEWLINE_AT_EOF) {
      // Zero-width (or layout) tokens: comments before them stay pending for an outer node.
      this.i++;
      return;
    }
    this.writer.flush(this.starts[i]);
    if (leafType !== NO_NODE) this.writer.leaf(leafType, this.starts[i], this.ends[i]);
    this.lastEnd = this.ends[i];
    this.i++;
  }

  protected expect(kind: number, leafType: number): void {
    if (this.kinds[this.i] !== kind) this.unsupported(`expected token ${kind}`);
    this.take(leafType);
  }

  protected unsupported(what: string): never {
    throw new Unsupported(`${what} at offset ${this.starts[this.i]}, found token ${this.kinds[this.i]}`);
  }
}
