/**
 * Tokens for the fast Python parser, produced up front into typed arrays so the
 * parser can look ahead freely. Token boundaries follow @lezer/python's
 * tokenizers exactly (strings, escapes, f-string replacements and specs,
 * indentation), because the tree built from them must equal lezer's.
 *
 * Comments and string escapes are not in the token stream: they are "side"
 * nodes, placed into the tree by position (see writer.ts).
 *
 * Anything this lexer does not mirror exactly (tabs mixed oddly, backslash line
 * continuations, lone CR, non-ASCII names, malformed strings) throws
 * Unsupported, and the caller falls back to lezer.
 */
import { Unsupported } from './unsupported.js';

/**
 * Token kinds. Modules destructure this once into local constants
 * (`const { NAME } = Tok;`): an imported binding compiles to a getter call
 * under the CommonJS transform tsx runs the CLI with, too slow for the
 * parser's inner loops.
 */
const TOKEN_KINDS = {
  EOF: 0,
  NEWLINE: 1,
  NEWLINE_AT_EOF: 2,
  INDENT: 3,
  DEDENT: 4,
  NAME: 5,
  NUMBER: 6,
  STRING: 7,
  FSTRING_START: 8,
  FSTRING_END: 9,
  REPL_START: 10,
  REPL_END: 11,
  CONVERSION: 12,
  SELF_DOC: 13,
  SPEC_START: 14,
  SPEC_CHARS: 15,
  LPAR: 20,
  RPAR: 21,
  LSQB: 22,
  RSQB: 23,
  LBRACE: 24,
  RBRACE: 25,
  COMMA: 26,
  COLON: 27,
  SEMI: 28,
  DOT: 29,
  ELLIPSIS: 30,
  ARROW: 31,
  ASSIGN: 32,
  WALRUS: 33,
  AT: 34,
  PLUS: 35,
  MINUS: 36,
  STAR: 37,
  SLASH: 38,
  DSLASH: 39,
  PERCENT: 40,
  DSTAR: 41,
  TILDE: 42,
  VBAR: 43,
  CARET: 44,
  AMP: 45,
  LSHIFT: 46,
  RSHIFT: 47,
  COMPARE: 48,
  UPDATE: 49,
  /** Keyword kinds are KW_FIRST + their index in KEYWORDS. */
  KW_FIRST: 60,
};
export const Tok: Readonly<Record<keyof typeof TOKEN_KINDS, number>> = TOKEN_KINDS;
const { EOF, NEWLINE, NEWLINE_AT_EOF, INDENT, DEDENT, NAME, NUMBER, STRING, FSTRING_START, FSTRING_END, REPL_START, REPL_END,
  CONVERSION, SELF_DOC, SPEC_START, SPEC_CHARS, LPAR, RPAR, LSQB, RSQB, LBRACE, RBRACE, COMMA, COLON, SEMI, DOT,
  ELLIPSIS, ARROW, ASSIGN, WALRUS, AT, PLUS, MINUS, STAR, SLASH, DSLASH, PERCENT, DSTAR, TILDE, VBAR, CARET, AMP,
  LSHIFT, RSHIFT, COMPARE, UPDATE, KW_FIRST } = Tok;

// Keywords (lezer's kw<…>: always keywords, never names).
export const KEYWORDS = [
  'async', 'def', 'await', 'or', 'and', 'in', 'not', 'is', 'if', 'else', 'lambda', 'yield', 'from',
  'for', 'del', 'pass', 'break', 'continue', 'return', 'raise', 'import', 'as', 'global', 'nonlocal',
  'assert', 'while', 'elif', 'try', 'except', 'finally', 'with', 'class', 'None', 'True', 'False',
] as const;
const KEYWORD_KIND = new Map<string, number>(KEYWORDS.map((word, i) => [word, KW_FIRST + i]));
export function kw(word: (typeof KEYWORDS)[number]): number {
  return KEYWORD_KIND.get(word)!;
}

export interface Tokens {
  count: number;
  kind: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** Side nodes (comments, escapes) in document order: node type is decided by the writer. */
  sideCount: number;
  sideStart: Int32Array;
  sideEnd: Int32Array;
  sideIsComment: Uint8Array;
}

const CH_TAB = 9, CH_NL = 10, CH_FF = 12, CH_CR = 13, CH_SPACE = 32, CH_HASH = 35;
const CH_SQUOTE = 39, CH_DQUOTE = 34, CH_BACKSLASH = 92, CH_LBRACE = 123, CH_RBRACE = 125;

const MODE_CODE = 0, MODE_FSTRING = 1, MODE_REPLACEMENT = 2, MODE_SPEC = 3;

function isIdentStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isIdentChar(c: number): boolean {
  return isIdentStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** String prefixes lezer accepts: flags raw / format. */
const PREFIX_FLAGS = new Map<string, { raw: boolean; format: boolean }>([
  ['u', { raw: false, format: false }], ['b', { raw: false, format: false }],
  ['r', { raw: true, format: false }], ['rb', { raw: true, format: false }], ['br', { raw: true, format: false }],
  ['f', { raw: false, format: true }], ['rf', { raw: true, format: true }], ['fr', { raw: true, format: true }],
]);

/** A copy twice as long (token arrays grow when a file has more tokens than estimated). */
function doubled<A extends Int32Array | Uint8Array>(a: A): A {
  const b = new (a.constructor as new (length: number) => A)(a.length * 2);
  b.set(a);
  return b;
}

export function tokenize(text: string): Tokens {
  return new Lexer(text).run();
}

class Lexer {
  private pos = 0;
  private readonly len: number;
  private count = 0;
  private kind: Int32Array;
  private start: Int32Array;
  private end: Int32Array;
  private sideCount = 0;
  private sideStart: Int32Array;
  private sideEnd: Int32Array;
  private sideIsComment: Uint8Array;
  /** Open brackets (including f-string replacements): newlines and indentation are ignored inside. */
  private depth = 0;
  private readonly indents: number[] = [0];
  // Mode stack: for f-strings the quote, long and raw; for replacements the bracket nesting inside.
  private readonly modes: number[] = [MODE_CODE];
  private readonly modeData: number[] = [0];

  constructor(private readonly text: string) {
    this.len = text.length;
    const cap = (this.len >> 1) + 64;
    this.kind = new Int32Array(cap);
    this.start = new Int32Array(cap);
    this.end = new Int32Array(cap);
    const sideCap = (this.len >> 4) + 64;
    this.sideStart = new Int32Array(sideCap);
    this.sideEnd = new Int32Array(sideCap);
    this.sideIsComment = new Uint8Array(sideCap);
  }

  run(): Tokens {
    this.lineStart();
    for (;;) {
      const mode = this.modes[this.modes.length - 1];
      if (mode === MODE_FSTRING) this.fstringContent();
      else if (mode === MODE_SPEC) this.specContent();
      else if (!this.code(mode === MODE_REPLACEMENT)) break;
    }
    return {
      count: this.count, kind: this.kind, start: this.start, end: this.end,
      sideCount: this.sideCount, sideStart: this.sideStart, sideEnd: this.sideEnd, sideIsComment: this.sideIsComment,
    };
  }

  private fail(what: string): never {
    throw new Unsupported(`${what} at offset ${this.pos}`);
  }

  private push(kind: number, start: number, end: number): void {
    if (this.count === this.kind.length) {
      this.kind = doubled(this.kind);
      this.start = doubled(this.start);
      this.end = doubled(this.end);
    }
    this.kind[this.count] = kind;
    this.start[this.count] = start;
    this.end[this.count] = end;
    this.count++;
  }

  private side(start: number, end: number, comment: boolean): void {
    if (this.sideCount === this.sideStart.length) {
      this.sideStart = doubled(this.sideStart);
      this.sideEnd = doubled(this.sideEnd);
      this.sideIsComment = doubled(this.sideIsComment);
    }
    this.sideStart[this.sideCount] = start;
    this.sideEnd[this.sideCount] = end;
    this.sideIsComment[this.sideCount] = comment ? 1 : 0;
    this.sideCount++;
  }

  private code(inReplacement: boolean): boolean {
    const text = this.text;
    let c = text.charCodeAt(this.pos);
    // Spaces, and backslash line continuations (lezer's space token). Outside brackets a
    // continuation must be followed by indentation, or lezer's indentation tokenizer fires.
    while (c === CH_SPACE || c === CH_TAB || c === CH_BACKSLASH) {
      if (c === CH_BACKSLASH) {
        const n = text.charCodeAt(this.pos + 1);
        const crlf = n === CH_CR && text.charCodeAt(this.pos + 2) === CH_NL;
        if (n !== CH_NL && !crlf) this.fail('backslash outside a string');
        const skip = crlf ? 3 : 2;
        const after = text.charCodeAt(this.pos + skip);
        if (Number.isNaN(after) || after === CH_NL || after === CH_CR || after === CH_HASH) this.fail('line continuation onto an empty line');
        const atColumn0 = after !== CH_SPACE && after !== CH_TAB;
        if (this.depth === 0 && atColumn0 && this.indents[this.indents.length - 1] > 0) this.fail('line continuation onto column 0 inside a block');
        this.pos += skip;
      } else this.pos++;
      c = text.charCodeAt(this.pos);
    }
    const start = this.pos;
    if (start >= this.len) return this.endOfFile();
    if (c === CH_NL || c === CH_CR) {
      const crlf = c === CH_CR && text.charCodeAt(start + 1) === CH_NL;
      if (c === CH_CR && !crlf) this.fail('lone carriage return');
      if (this.depth > 0) { this.pos += crlf ? 2 : 1; return true; }
      // lezer's newline token is one character; after CR, the LF is a blank line.
      this.push(NEWLINE, start, start + 1);
      this.pos += crlf ? 2 : 1;
      this.lineStart();
      return true;
    }
    if (c === CH_HASH) {
      if (inReplacement) this.fail('comment in an f-string');
      this.comment();
      return true;
    }
    if (isIdentStart(c)) {
      let p = start + 1;
      while (p < this.len && isIdentChar(text.charCodeAt(p))) p++;
      const next = text.charCodeAt(p);
      if (next >= 128) this.fail('non-ASCII name');
      if (next === CH_SQUOTE || next === CH_DQUOTE) {
        const flags = p - start <= 2 ? PREFIX_FLAGS.get(text.slice(start, p).toLowerCase()) : undefined;
        if (!flags) this.fail('unknown string prefix');
        this.stringAt(start, p, flags.raw, flags.format);
        return true;
      }
      this.pos = p;
      const word = p - start <= 8 ? KEYWORD_KIND.get(text.slice(start, p)) : undefined;
      this.push(word ?? NAME, start, p);
      return true;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(start + 1)))) {
      this.number(start);
      return true;
    }
    if (c === CH_SQUOTE || c === CH_DQUOTE) {
      this.stringAt(start, start, false, false);
      return true;
    }
    if (c >= 128) this.fail('non-ASCII character');
    if (inReplacement && this.modeData[this.modeData.length - 1] === 0) {
      // The replacement's own level: its closing brace, conversion, self-documenting `=`, or spec.
      const n = text.charCodeAt(start + 1);
      if (c === CH_RBRACE) {
        this.push(REPL_END, start, start + 1);
        this.pos++;
        this.popMode();
        this.depth--;
        return true;
      }
      if (c === 33 && (n === 115 || n === 114 || n === 97)) { // !s !r !a
        this.push(CONVERSION, start, start + 2);
        this.pos += 2;
        return true;
      }
      if (c === 61 && n !== 61) {
        this.push(SELF_DOC, start, start + 1);
        this.pos++;
        return true;
      }
      if (c === 58) {
        if (n === 61) this.fail('walrus at the top of an f-string replacement');
        this.push(SPEC_START, start, start + 1);
        this.pos++;
        this.pushMode(MODE_SPEC, 0);
        return true;
      }
    }
    this.operator(start, c, inReplacement);
    return true;
  }

  private operator(start: number, c: number, inReplacement: boolean): void {
    const text = this.text;
    const n = text.charCodeAt(start + 1);
    const n2 = text.charCodeAt(start + 2);
    let kind: number;
    let size = 1;
    switch (c) {
      case 40: kind = LPAR; this.open(inReplacement); break;
      case 91: kind = LSQB; this.open(inReplacement); break;
      case 123: kind = LBRACE; this.open(inReplacement); break;
      case 41: kind = RPAR; this.close(inReplacement); break;
      case 93: kind = RSQB; this.close(inReplacement); break;
      case 125: kind = RBRACE; this.close(inReplacement); break;
      case 44: kind = COMMA; break;
      case 59: kind = SEMI; break;
      case 126: kind = TILDE; break;
      case 58: if (n === 61) { kind = WALRUS; size = 2; } else kind = COLON; break;
      case 46: if (n === 46 && n2 === 46) { kind = ELLIPSIS; size = 3; } else kind = DOT; break;
      case 61: if (n === 61) { kind = COMPARE; size = 2; } else kind = ASSIGN; break;
      case 33: if (n === 61) { kind = COMPARE; size = 2; } else this.fail('stray !'); break;
      case 60: // < <= << <<= <>
        if (n === 60) { if (n2 === 61) { kind = UPDATE; size = 3; } else { kind = LSHIFT; size = 2; } }
        else if (n === 61 || n === 62) { kind = COMPARE; size = 2; } else kind = COMPARE;
        break;
      case 62: // > >= >> >>=
        if (n === 62) { if (n2 === 61) { kind = UPDATE; size = 3; } else { kind = RSHIFT; size = 2; } }
        else if (n === 61) { kind = COMPARE; size = 2; } else kind = COMPARE;
        break;
      case 42: // * ** *= **=
        if (n === 42) { if (n2 === 61) { kind = UPDATE; size = 3; } else { kind = DSTAR; size = 2; } }
        else if (n === 61) { kind = UPDATE; size = 2; } else kind = STAR;
        break;
      case 47: // / // /= //=
        if (n === 47) { if (n2 === 61) { kind = UPDATE; size = 3; } else { kind = DSLASH; size = 2; } }
        else if (n === 61) { kind = UPDATE; size = 2; } else kind = SLASH;
        break;
      case 45: // - -= ->
        if (n === 62) { kind = ARROW; size = 2; } else if (n === 61) { kind = UPDATE; size = 2; } else kind = MINUS;
        break;
      case 43: if (n === 61) { kind = UPDATE; size = 2; } else kind = PLUS; break;
      case 37: if (n === 61) { kind = UPDATE; size = 2; } else kind = PERCENT; break;
      case 38: if (n === 61) { kind = UPDATE; size = 2; } else kind = AMP; break;
      case 124: if (n === 61) { kind = UPDATE; size = 2; } else kind = VBAR; break;
      case 94: if (n === 61) { kind = UPDATE; size = 2; } else kind = CARET; break;
      case 64: if (n === 61) { kind = UPDATE; size = 2; } else kind = AT; break;
      default: this.fail(`character ${JSON.stringify(String.fromCharCode(c))}`);
    }
    this.push(kind, start, start + size);
    this.pos = start + size;
  }

  private open(inReplacement: boolean): void {
    this.depth++;
    if (inReplacement) this.modeData[this.modeData.length - 1]++;
  }

  private close(inReplacement: boolean): void {
    if (this.depth === 0) this.fail('unbalanced bracket');
    this.depth--;
    if (inReplacement) this.modeData[this.modeData.length - 1]--;
  }

  private pushMode(mode: number, data: number): void {
    this.modes.push(mode);
    this.modeData.push(data);
  }

  private popMode(): void {
    this.modes.pop();
    this.modeData.pop();
  }

  private comment(): void {
    const text = this.text;
    const start = this.pos;
    let p = start + 1;
    while (p < this.len) {
      const c = text.charCodeAt(p);
      if (c === CH_NL || c === CH_CR) break;
      p++;
    }
    this.side(start, p, true);
    this.pos = p;
  }

  /** At the start of a line outside brackets: skip blank and comment lines, then emit INDENT/DEDENTs. */
  private lineStart(): void {
    const text = this.text;
    for (;;) {
      const lineStart = this.pos;
      let column = 0;
      let c = text.charCodeAt(this.pos);
      while (c === CH_SPACE || c === CH_TAB) {
        column = c === CH_TAB ? column + 8 - (column % 8) : column + 1;
        c = text.charCodeAt(++this.pos);
      }
      if (c === CH_FF) this.fail('form feed');
      if (this.pos >= this.len) return;
      if (c === CH_HASH) {
        this.comment();
        c = text.charCodeAt(this.pos);
      }
      if (c === CH_NL) { this.pos++; continue; }
      if (c === CH_CR) {
        if (text.charCodeAt(this.pos + 1) !== CH_NL) this.fail('lone carriage return');
        this.pos += 2;
        continue;
      }
      if (this.pos >= this.len) return;
      const current = this.indents[this.indents.length - 1];
      if (column > current) {
        this.indents.push(column);
        this.push(INDENT, lineStart, this.pos);
      } else {
        while (column < this.indents[this.indents.length - 1]) {
          this.indents.pop();
          this.push(DEDENT, lineStart, lineStart);
        }
        if (column !== this.indents[this.indents.length - 1]) this.fail('inconsistent dedent');
      }
      return;
    }
  }

  private endOfFile(): boolean {
    if (this.depth > 0 || this.modes.length > 1) this.fail('unclosed bracket or string at end of file');
    if (this.count > 0) {
      const last = this.kind[this.count - 1];
      if (last !== NEWLINE && last !== DEDENT && last !== INDENT) this.push(NEWLINE_AT_EOF, this.len, this.len);
    }
    while (this.indents.length > 1) {
      this.indents.pop();
      this.push(DEDENT, this.len, this.len);
    }
    this.push(EOF, this.len, this.len);
    return false;
  }

  private number(start: number): void {
    const text = this.text;
    let p = start;
    const c0 = text.charCodeAt(p);
    const c1 = text.charCodeAt(p + 1) | 0x20;
    if (c0 === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) { // 0x 0o 0b
      p += 2;
      const digitsFrom = p;
      for (;;) {
        const c = text.charCodeAt(p);
        const ok = c === 95 || (c1 === 120 ? isHex(c) : c1 === 111 ? c >= 48 && c <= 55 : c === 48 || c === 49);
        if (!ok) break;
        p++;
      }
      if (p === digitsFrom) this.fail('empty radix number');
    } else {
      const digits = () => { while (isDigit(text.charCodeAt(p)) || text.charCodeAt(p) === 95) p++; };
      if (c0 === 46) { p++; digits(); } else {
        digits();
        if (text.charCodeAt(p) === 46 && isDigit(text.charCodeAt(p + 1))) { p++; digits(); }
      }
      if ((text.charCodeAt(p) | 0x20) === 101) { // exponent
        let q = p + 1;
        const sign = text.charCodeAt(q);
        if (sign === 43 || sign === 45) q++;
        if (isDigit(text.charCodeAt(q))) { p = q; digits(); }
      }
      if ((text.charCodeAt(p) | 0x20) === 106) p++; // j
    }
    // `1.e8` is Number `1`, then `.e8` as an attribute in lezer's grammar; `1.` alone is an error there.
    const next = text.charCodeAt(p);
    if (isIdentChar(next) || next >= 128 || (next === 46 && !isIdentStart(text.charCodeAt(p + 1)))) this.fail('number followed by a name or dot');
    this.push(NUMBER, start, p);
    this.pos = p;
  }

  /** A string literal starting at `start` whose quote is at `quoteAt`. */
  private stringAt(start: number, quoteAt: number, raw: boolean, format: boolean): void {
    const text = this.text;
    const quote = text.charCodeAt(quoteAt);
    const long = text.charCodeAt(quoteAt + 1) === quote && text.charCodeAt(quoteAt + 2) === quote;
    const contentFrom = quoteAt + (long ? 3 : 1);
    if (format) {
      this.push(FSTRING_START, start, contentFrom);
      this.pos = contentFrom;
      // Quote, long and raw packed into the mode's data.
      this.pushMode(MODE_FSTRING, quote | (long ? 0x10000 : 0) | (raw ? 0x20000 : 0));
      return;
    }
    this.pos = contentFrom;
    this.stringContent(quote, long, raw, false);
    this.push(STRING, start, this.pos);
  }

  private fstringContent(): void {
    const data = this.modeData[this.modeData.length - 1];
    this.stringContent(data & 0xffff, (data & 0x10000) !== 0, (data & 0x20000) !== 0, true);
  }

  /**
   * Scans string content up to and including its closing quote (recording
   * escapes), or, in an f-string, up to a replacement's opening brace.
   */
  private stringContent(quote: number, long: boolean, raw: boolean, format: boolean): void {
    const text = this.text;
    let p = this.pos;
    for (;;) {
      if (p >= this.len) this.fail('unterminated string');
      const c = text.charCodeAt(p);
      if (format && c === CH_LBRACE) {
        if (text.charCodeAt(p + 1) === CH_LBRACE) { p += 2; continue; }
        this.push(REPL_START, p, p + 1);
        this.pos = p + 1;
        this.depth++;
        this.pushMode(MODE_REPLACEMENT, 0);
        return;
      }
      if (c === CH_BACKSLASH) {
        if (raw) { p += p + 1 < this.len ? 2 : 1; continue; }
        const escStart = p;
        p++;
        if (p < this.len) p = this.skipEscape(text.charCodeAt(p), p + 1);
        this.side(escStart, p, false);
        continue;
      }
      if (c === quote && (!long || (text.charCodeAt(p + 1) === quote && text.charCodeAt(p + 2) === quote))) {
        const end = p + (long ? 3 : 1);
        if (format) {
          this.push(FSTRING_END, p, end);
          this.popMode();
        }
        this.pos = end;
        return;
      }
      if (c === CH_NL && !long) this.fail('line break in a short string');
      p++;
    }
  }

  /** lezer's skipEscape: how far an escape reaches after its first character (at `p - 1`). */
  private skipEscape(escaped: number, p: number): number {
    const text = this.text;
    const maxDigits = escaped === 111 ? 2 : escaped === 120 ? 2 : escaped === 117 ? 4 : escaped === 85 ? 8 : 0;
    if (maxDigits > 0) {
      const octal = escaped === 111;
      for (let i = 0; i < maxDigits; i++) {
        const c = text.charCodeAt(p);
        if (octal ? !(c >= 48 && c <= 55) : !isHex(c)) break;
        p++;
      }
    } else if (escaped === 78 && text.charCodeAt(p) === CH_LBRACE) { // \N{…}
      p++;
      for (;;) {
        const c = text.charCodeAt(p);
        if (p >= this.len || c === CH_RBRACE || c === CH_SQUOTE || c === CH_DQUOTE || c === CH_NL) break;
        p++;
      }
      if (text.charCodeAt(p) === CH_RBRACE) p++;
    }
    return p;
  }

  /** Inside a format spec: plain characters, a nested replacement, or the closing brace. */
  private specContent(): void {
    const text = this.text;
    const start = this.pos;
    const c = text.charCodeAt(start);
    if (c === CH_LBRACE) {
      this.push(REPL_START, start, start + 1);
      this.pos++;
      this.depth++;
      this.pushMode(MODE_REPLACEMENT, 0);
      return;
    }
    if (c === CH_RBRACE) {
      this.push(REPL_END, start, start + 1);
      this.pos++;
      this.popMode(); // the spec
      this.popMode(); // its replacement
      this.depth--;
      return;
    }
    let p = start;
    for (;;) {
      if (p >= this.len) this.fail('unterminated format spec');
      const d = text.charCodeAt(p);
      if (d === CH_LBRACE || d === CH_RBRACE) break;
      if (d === CH_NL || d === CH_CR || d === CH_SQUOTE || d === CH_DQUOTE || d === CH_BACKSLASH) this.fail('unusual format spec');
      p++;
    }
    this.push(SPEC_CHARS, start, p);
    this.pos = p;
  }
}
