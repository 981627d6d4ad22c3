import type { Position, Range } from './findings.js';

/** Converts 0-based offsets into 1-based line/column positions (columns count UTF-16 units). */
export class LineIndex {
  private readonly lineStarts: number[] = [0];

  constructor(readonly text: string) {
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
    }
  }

  position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.lineStarts[lo] + 1, offset };
  }

  range(from: number, to: number): Range {
    return { start: this.position(from), end: this.position(to) };
  }

  /** The 0-based offset of a 1-based line and column. */
  offsetOf(line: number, column: number): number {
    return this.lineStarts[line - 1] + column - 1;
  }

  /** Offset of the first character of the line containing `offset`. */
  lineStart(offset: number): number {
    return this.lineStarts[this.position(offset).line - 1];
  }

  /** The leading whitespace of the line containing `offset`. */
  indentAt(offset: number): string {
    const start = this.lineStart(offset);
    return /^[ \t]*/.exec(this.text.slice(start))![0];
  }
}
