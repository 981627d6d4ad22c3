/**
 * Python expressions, by recursive descent with precedence climbing, writing
 * the node shapes of @lezer/python's grammar (python.grammar): its binary
 * operators nest left to right, `not` takes everything after it, `*`, `**`
 * and `@` operators carry their token as a child, subscripts and slices sit
 * directly in a MemberExpression.
 */
import { Tok, KEYWORDS, kw } from './lexer.js';
import { Cursor, NO_NODE } from './cursor.js';
import { nodeId } from './writer.js';

const { AMP, ARROW, ASSIGN, AT, CARET, COLON, COMMA, COMPARE, CONVERSION, DOT, DSLASH, DSTAR, ELLIPSIS, FSTRING_END, FSTRING_START, LBRACE, LPAR, LSHIFT, LSQB, MINUS, NAME, NUMBER, PERCENT, PLUS, RBRACE, REPL_END, REPL_START, RPAR, RSHIFT, RSQB, SELF_DOC, SLASH, SPEC_CHARS, SPEC_START, STAR, STRING, TILDE, VBAR, WALRUS, KW_FIRST } = Tok;

export const N = {
  VariableName: nodeId('VariableName'), PropertyName: nodeId('PropertyName'), Number: nodeId('Number'),
  String: nodeId('String'), FormatString: nodeId('FormatString'), FormatReplacement: nodeId('FormatReplacement'),
  FormatSelfDoc: nodeId('FormatSelfDoc'), FormatConversion: nodeId('FormatConversion'), FormatSpec: nodeId('FormatSpec'),
  ContinuedString: nodeId('ContinuedString'), Ellipsis: nodeId('Ellipsis'), None: nodeId('None'), Boolean: nodeId('Boolean'),
  BinaryExpression: nodeId('BinaryExpression'), UnaryExpression: nodeId('UnaryExpression'),
  ConditionalExpression: nodeId('ConditionalExpression'), LambdaExpression: nodeId('LambdaExpression'),
  ParamList: nodeId('ParamList'), NamedExpression: nodeId('NamedExpression'), YieldExpression: nodeId('YieldExpression'),
  ParenthesizedExpression: nodeId('ParenthesizedExpression'), AwaitExpression: nodeId('AwaitExpression'), TupleExpression: nodeId('TupleExpression'),
  ComprehensionExpression: nodeId('ComprehensionExpression'), ArrayExpression: nodeId('ArrayExpression'),
  ArrayComprehensionExpression: nodeId('ArrayComprehensionExpression'), DictionaryExpression: nodeId('DictionaryExpression'),
  DictionaryComprehensionExpression: nodeId('DictionaryComprehensionExpression'), SetExpression: nodeId('SetExpression'),
  SetComprehensionExpression: nodeId('SetComprehensionExpression'), CallExpression: nodeId('CallExpression'),
  ArgList: nodeId('ArgList'), MemberExpression: nodeId('MemberExpression'), ArithOp: nodeId('ArithOp'),
  BitOp: nodeId('BitOp'), CompareOp: nodeId('CompareOp'), AssignOp: nodeId('AssignOp'), UpdateOp: nodeId('UpdateOp'),
  TypeDef: nodeId('TypeDef'), LParen: nodeId('('), RParen: nodeId(')'), LBracket: nodeId('['), RBracket: nodeId(']'),
  LBrace: nodeId('{'), RBrace: nodeId('}'), Comma: nodeId(','), Colon: nodeId(':'), Semicolon: nodeId(';'),
  Dot: nodeId('.'), Star: nodeId('*'), DoubleStar: nodeId('**'), MatMul: nodeId('@'), At: nodeId('At'),
} as const;

/** A bracket's closing token and leaf, and the node types of its comprehension and of its comma list. */
interface Bracket {
  closer: number;
  closeLeaf: number;
  comprehension: number;
  list: number;
}
const PARENS: Bracket = { closer: RPAR, closeLeaf: N.RParen, comprehension: N.ComprehensionExpression, list: N.TupleExpression };
const SQUARE: Bracket = { closer: RSQB, closeLeaf: N.RBracket, comprehension: N.ArrayComprehensionExpression, list: N.ArrayExpression };
const DICT: Bracket = { closer: RBRACE, closeLeaf: N.RBrace, comprehension: N.DictionaryComprehensionExpression, list: N.DictionaryExpression };
const SET: Bracket = { closer: RBRACE, closeLeaf: N.RBrace, comprehension: N.SetComprehensionExpression, list: N.SetExpression };

/** Keyword token kind → its leaf node (None, True and False are the atoms None and Boolean). */
const KEYWORD_NODE = KEYWORDS.map((word) => (word === 'True' || word === 'False' ? N.Boolean : nodeId(word)));

export const K = {
  async: kw('async'), def: kw('def'), await: kw('await'), or: kw('or'), and: kw('and'), in: kw('in'),
  not: kw('not'), is: kw('is'), if: kw('if'), else: kw('else'), lambda: kw('lambda'), yield: kw('yield'),
  from: kw('from'), for: kw('for'), del: kw('del'), pass: kw('pass'), break: kw('break'), continue: kw('continue'),
  return: kw('return'), raise: kw('raise'), import: kw('import'), as: kw('as'), global: kw('global'),
  nonlocal: kw('nonlocal'), assert: kw('assert'), while: kw('while'), elif: kw('elif'), try: kw('try'),
  except: kw('except'), finally: kw('finally'), with: kw('with'), class: kw('class'), None: kw('None'),
  True: kw('True'), False: kw('False'),
} as const;

/** Binding power of expression-level binary operators (0: not one). */
function binaryPower(kind: number): number {
  switch (kind) {
    case VBAR: return 1;
    case CARET: return 2;
    case AMP: return 3;
    case LSHIFT: case RSHIFT: return 4;
    case PLUS: case MINUS: return 5;
    case STAR: case AT: case SLASH: case DSLASH: case PERCENT: return 6;
    default: return 0;
  }
}

export class ExpressionParser extends Cursor {
  protected takeKeyword(): void {
    this.take(KEYWORD_NODE[this.kind - KW_FIRST]);
  }

  protected expectKeyword(kind: number): void {
    if (this.kind !== kind) this.unsupported('expected a keyword');
    this.takeKeyword();
  }

  protected canStartTest(): boolean {
    switch (this.kind) {
      case NAME: case NUMBER: case STRING: case FSTRING_START: case LPAR: case LSQB: case LBRACE:
      case MINUS: case PLUS: case TILDE: case ELLIPSIS:
        return true;
      default:
        return this.kind === K.None || this.kind === K.True || this.kind === K.False || this.kind === K.lambda ||
          this.kind === K.not || this.kind === K.await;
    }
  }

  /** test: a lambda, or testInner optionally as `a if c else b`. */
  protected test(): void {
    if (this.kind === K.lambda) return this.lambda();
    const from = this.from;
    const start = this.open();
    this.testInner(1);
    if (this.kind === K.if) {
      this.takeKeyword();
      this.testInner(1);
      this.expectKeyword(K.else);
      this.test();
      this.close(N.ConditionalExpression, start, from);
    }
  }

  /** testNamed: test, or `name := value`. */
  protected testNamed(): void {
    const from = this.from;
    const start = this.open();
    this.test();
    if (this.kind === WALRUS) {
      this.take(N.AssignOp);
      this.test();
      this.close(N.NamedExpression, start, from);
    }
  }

  /** or (1) < and (2) < comparisons (3); `not x` takes the whole testInner after it. */
  protected testInner(minPower: number): void {
    const from = this.from;
    const start = this.open();
    if (this.kind === K.not) {
      this.takeKeyword();
      this.testInner(1);
      this.close(N.UnaryExpression, start, from);
      return;
    }
    this.expression(1);
    for (;;) {
      const kind = this.kind;
      let power: number;
      if (kind === K.or) power = 1;
      else if (kind === K.and) power = 2;
      else if (kind === COMPARE || kind === K.in || kind === K.is || (kind === K.not && this.peekKind(1) === K.in)) power = 3;
      else break;
      if (power < minPower) break;
      if (kind === COMPARE) this.take(N.CompareOp);
      else {
        this.takeKeyword();
        if ((kind === K.not && this.kind === K.in) || (kind === K.is && this.kind === K.not)) this.takeKeyword();
      }
      this.testInner(power + 1);
      this.close(N.BinaryExpression, start, from);
    }
  }

  protected expression(minPower: number): void {
    const from = this.from;
    const start = this.open();
    this.unary();
    for (;;) {
      const power = binaryPower(this.kind);
      if (power === 0 || power < minPower) break;
      this.binaryOperator();
      this.expression(power + 1);
      this.close(N.BinaryExpression, start, from);
    }
  }

  private binaryOperator(): void {
    const kind = this.kind;
    if (kind === STAR || kind === AT) {
      // ArithOp{"*"} and ArithOp{"@"} keep the literal token as a child.
      const from = this.from;
      const start = this.open();
      this.take(kind === STAR ? N.Star : N.MatMul);
      this.close(N.ArithOp, start, from);
    } else {
      this.take(kind === PLUS || kind === MINUS || kind === SLASH || kind === DSLASH || kind === PERCENT ? N.ArithOp : N.BitOp);
    }
  }

  /** Prefix + - ~ bind looser than ** and tighter than * (so -x**2 is -(x**2)). */
  private unary(): void {
    const kind = this.kind;
    if (kind === MINUS || kind === PLUS || kind === TILDE) {
      const from = this.from;
      const start = this.open();
      this.take(kind === TILDE ? N.BitOp : N.ArithOp);
      this.unary();
      this.close(N.UnaryExpression, start, from);
      return;
    }
    if (kind === K.await) {
      // `await` takes the whole expression after it (operators included), as `not` does a testInner.
      const from = this.from;
      const start = this.open();
      this.takeKeyword();
      this.expression(1);
      this.close(N.AwaitExpression, start, from);
      return;
    }
    const from = this.from;
    const start = this.open();
    this.trailers();
    if (this.kind === DSTAR) {
      const opFrom = this.from;
      const opStart = this.open();
      this.take(N.DoubleStar);
      this.close(N.ArithOp, opStart, opFrom);
      this.unary();
      this.close(N.BinaryExpression, start, from);
    }
  }

  /** An atom followed by calls, subscripts and attribute accesses. */
  private trailers(): void {
    const from = this.from;
    const start = this.open();
    this.atom();
    for (;;) {
      const kind = this.kind;
      if (kind === LPAR) {
        this.argList();
        this.close(N.CallExpression, start, from);
      } else if (kind === LSQB) {
        this.subscript();
        this.close(N.MemberExpression, start, from);
      } else if (kind === DOT) {
        this.take(N.Dot);
        this.expect(NAME, N.PropertyName);
        this.close(N.MemberExpression, start, from);
      } else return;
    }
  }

  private atom(): void {
    switch (this.kind) {
      case NAME: return this.take(N.VariableName);
      case NUMBER: return this.take(N.Number);
      case ELLIPSIS: return this.take(N.Ellipsis);
      case STRING: case FSTRING_START: return this.strings();
      case LPAR: return this.parenthesized();
      case LSQB: return this.list();
      case LBRACE: return this.braces();
      default:
        if (this.kind === K.None || this.kind === K.True || this.kind === K.False) return this.takeKeyword();
        this.unsupported('expected an expression');
    }
  }

  /** One string, or adjacent strings as a ContinuedString. */
  private strings(): void {
    const from = this.from;
    const start = this.open();
    this.oneString();
    if (this.kind !== STRING && this.kind !== FSTRING_START) return;
    while (this.kind === STRING || this.kind === FSTRING_START) this.oneString();
    this.close(N.ContinuedString, start, from);
  }

  private oneString(): void {
    const from = this.from;
    const start = this.open();
    if (this.kind === STRING) {
      this.writer.flush(this.ends[this.i]); // its escapes, the String's children
      this.take(NO_NODE);
      return this.close(N.String, start, from);
    }
    this.take(NO_NODE);
    while (this.kind === REPL_START) this.replacement();
    this.expect(FSTRING_END, NO_NODE);
    this.close(N.FormatString, start, from);
  }

  /** `{expr[=][!c][:spec]}` inside an f-string (the spec may nest replacements). */
  private replacement(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.LBrace);
    if (this.kind === K.yield) this.yieldExpression();
    else {
      for (;;) {
        if (this.kind === STAR) this.take(N.Star);
        this.test();
        if (this.kind !== COMMA) break;
        this.take(N.Comma);
        if (this.kind === REPL_END || this.kind === SELF_DOC || this.kind === CONVERSION || this.kind === SPEC_START) break;
      }
    }
    if (this.kind === SELF_DOC) this.take(N.FormatSelfDoc);
    if (this.kind === CONVERSION) this.take(N.FormatConversion);
    if (this.kind === SPEC_START) {
      const specFrom = this.from;
      const specStart = this.open();
      this.take(N.Colon);
      for (;;) {
        if (this.kind === SPEC_CHARS) this.take(NO_NODE);
        else if (this.kind === REPL_START) this.replacement();
        else break;
      }
      this.close(N.FormatSpec, specStart, specFrom);
    }
    this.expect(REPL_END, N.RBrace);
    this.close(N.FormatReplacement, start, from);
  }

  protected yieldExpression(): void {
    const from = this.from;
    const start = this.open();
    this.yieldBody();
    this.close(N.YieldExpression, start, from);
  }

  /** `yield x, y` or `yield from x` (a bare `yield` is an error in lezer's grammar). */
  protected yieldBody(): void {
    this.takeKeyword();
    if (this.kind === K.from) {
      this.takeKeyword();
      this.test();
      return;
    }
    if (!this.canStartTest() && this.kind !== STAR) this.unsupported('bare yield');
    this.testsOrStars();
  }

  /** commaSep<test | "*" expression> (also `expressions` of statements). */
  protected testsOrStars(): void {
    for (;;) {
      this.starOrTest();
      if (this.kind !== COMMA) return;
      this.take(N.Comma);
      if (!this.canStartTest() && this.kind !== STAR) return;
    }
  }

  /** commaSep<test>, a trailing comma allowed. */
  protected tests(): void {
    for (;;) {
      this.test();
      if (this.kind !== COMMA) return;
      this.take(N.Comma);
      if (!this.canStartTest()) return;
    }
  }

  private starOrTest(): void {
    if (this.kind === STAR) {
      this.take(N.Star);
      this.expression(1);
    } else this.test();
  }

  private starOrTestNamed(): void {
    if (this.kind === STAR) {
      this.take(N.Star);
      this.expression(1);
    } else this.testNamed();
  }

  private parenthesized(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.LParen);
    if (this.kind === RPAR) {
      this.take(N.RParen);
      return this.close(N.TupleExpression, start, from);
    }
    if (this.kind === K.yield) {
      this.yieldExpression();
      this.expect(RPAR, N.RParen);
      return this.close(N.ParenthesizedExpression, start, from);
    }
    this.starOrTestNamed();
    if (this.kind === RPAR) {
      this.take(N.RParen);
      return this.close(N.ParenthesizedExpression, start, from);
    }
    this.restOfBracket(start, from, PARENS, () => this.starOrTestNamed());
  }

  private list(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.LBracket);
    if (this.kind === RSQB) {
      this.take(N.RBracket);
      return this.close(N.ArrayExpression, start, from);
    }
    this.starOrTestNamed();
    this.restOfBracket(start, from, SQUARE, () => this.starOrTestNamed());
  }

  /** `{}` dictionaries and sets, and their comprehensions. */
  private braces(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.LBrace);
    if (this.kind === RBRACE) {
      this.take(N.RBrace);
      return this.close(N.DictionaryExpression, start, from);
    }
    // The first entry decides: `**x` or `key: value` make a dictionary, anything else a set.
    let isDict = this.kind === DSTAR;
    if (isDict) this.dictEntry();
    else {
      this.starOrTest();
      if (this.kind === COLON) {
        isDict = true;
        this.take(N.Colon);
        this.test();
      }
    }
    if (isDict) this.restOfBracket(start, from, DICT, () => this.dictEntry());
    else this.restOfBracket(start, from, SET, () => this.starOrTest());
  }

  /**
   * After a bracket's first item: a comprehension, or the `, item` repeats (a trailing comma
   * allowed); then the closing bracket, and the node (opened at `start`) of the matching type.
   */
  private restOfBracket(start: number, from: number, bracket: Bracket, item: () => void): void {
    let type = bracket.list;
    if (this.kind === K.for || this.kind === K.async) {
      this.compFor();
      type = bracket.comprehension;
    } else {
      while (this.kind === COMMA) {
        this.take(N.Comma);
        if (this.kind === bracket.closer) break;
        item();
      }
    }
    this.expect(bracket.closer, bracket.closeLeaf);
    this.close(type, start, from);
  }

  private dictEntry(): void {
    if (this.kind === DSTAR) {
      this.take(N.DoubleStar);
      this.expression(1);
      return;
    }
    this.test();
    this.expect(COLON, N.Colon);
    this.test();
  }

  /** compFor / compIf chains, written inline into the comprehension node. */
  protected compFor(): void {
    if (this.kind === K.async) this.takeKeyword();
    this.expectKeyword(K.for);
    for (;;) {
      this.expression(1);
      if (this.kind !== COMMA) break;
      this.take(N.Comma);
      if (this.kind === K.in) break;
    }
    this.expectKeyword(K.in);
    this.testInner(1);
    for (;;) {
      if (this.kind === K.for || this.kind === K.async) return this.compFor();
      if (this.kind !== K.if) return;
      this.takeKeyword();
      if (this.kind === K.lambda) this.unsupported('lambda in a comprehension condition');
      this.testInner(1);
    }
  }

  protected argList(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.LParen);
    while (this.kind !== RPAR) {
      this.argument();
      if (this.kind !== COMMA) break;
      this.take(N.Comma);
    }
    this.expect(RPAR, N.RParen);
    this.close(N.ArgList, start, from);
  }

  private argument(): void {
    const kind = this.kind;
    if (kind === STAR || kind === DSTAR) {
      this.take(kind === STAR ? N.Star : N.DoubleStar);
      this.test();
      return;
    }
    if (kind === NAME && (this.peekKind(1) === ASSIGN || this.peekKind(1) === WALRUS)) {
      this.take(N.VariableName);
      this.take(N.AssignOp);
    }
    this.test();
    if (this.kind === K.for || this.kind === K.async) this.compFor();
  }

  /** `[…]` after an expression: indices and slices, written into the MemberExpression. */
  private subscript(): void {
    this.take(N.LBracket);
    for (;;) {
      if (this.kind !== COLON) this.testNamed();
      if (this.kind === COLON) {
        this.take(N.Colon);
        if (this.canStartTest()) this.testNamed();
        if (this.kind === COLON) {
          this.take(N.Colon);
          if (this.canStartTest()) this.testNamed();
        }
      }
      if (this.kind !== COMMA) break;
      this.take(N.Comma);
      if (this.kind === RSQB) break;
    }
    this.expect(RSQB, N.RBracket);
  }

  /** `lambda params: body`; with no parameters lezer still writes an empty ParamList. */
  private lambda(): void {
    const from = this.from;
    const start = this.open();
    this.takeKeyword();
    if (this.kind === COLON) this.writer.leaf(N.ParamList, this.from, this.from);
    else {
      const paramsFrom = this.from;
      const paramsStart = this.open();
      for (;;) {
        if (this.kind === NAME) {
          this.take(N.VariableName);
          if (this.kind === ASSIGN) {
            this.take(N.AssignOp);
            this.test();
          }
        } else if (this.kind === STAR) {
          this.take(N.Star);
          if (this.kind === NAME) this.take(N.VariableName);
        } else if (this.kind === DSTAR) {
          this.take(N.DoubleStar);
          this.expect(NAME, N.VariableName);
        } else this.unsupported('lambda parameter');
        if (this.kind !== COMMA) break;
        this.take(N.Comma);
      }
      this.close(N.ParamList, paramsStart, paramsFrom);
    }
    this.expect(COLON, N.Colon);
    this.test();
    this.close(N.LambdaExpression, start, from);
  }

  /** `: annotation` (a TypeDef node holding the colon). */
  protected typeDef(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.Colon);
    this.test();
    this.close(N.TypeDef, start, from);
  }

  /** `-> annotation` (a TypeDef node; the arrow is anonymous). */
  protected returnTypeDef(): void {
    const from = this.from;
    const start = this.open();
    this.expect(ARROW, NO_NODE);
    this.test();
    this.close(N.TypeDef, start, from);
  }
}
