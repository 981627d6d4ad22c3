/**
 * Python statements, writing @lezer/python's node shapes: a simple statement's
 * line end belongs to the enclosing Body or Script (or to its StatementGroup
 * or Decorator), `elif`/`else`/`except` sit directly in their compound
 * statement, decorators wrap the definition in a DecoratedStatement.
 * `async` sits inside the statement it marks. Soft keywords (`match`, `type`)
 * and Python 2's `print x` are left to lezer,
 * whose grammar reads them ambiguously.
 */
import { Tok } from './lexer.js';
import type { Tree } from '@lezer/common';
import { NO_NODE } from './cursor.js';
import { ExpressionParser, K, N } from './expressions.js';
import { nodeId } from './writer.js';

const { ASSIGN, AT, COLON, COMMA, DEDENT, DOT, DSTAR, ELLIPSIS, EOF, INDENT, LPAR, LSQB, NAME, NEWLINE, NEWLINE_AT_EOF, RPAR, SEMI, SLASH, STAR, UPDATE } = Tok;

const S = {
  AssignStatement: nodeId('AssignStatement'), UpdateStatement: nodeId('UpdateStatement'),
  ExpressionStatement: nodeId('ExpressionStatement'), DeleteStatement: nodeId('DeleteStatement'),
  PassStatement: nodeId('PassStatement'), BreakStatement: nodeId('BreakStatement'),
  ContinueStatement: nodeId('ContinueStatement'), ReturnStatement: nodeId('ReturnStatement'),
  YieldStatement: nodeId('YieldStatement'), RaiseStatement: nodeId('RaiseStatement'),
  ImportStatement: nodeId('ImportStatement'), ScopeStatement: nodeId('ScopeStatement'),
  AssertStatement: nodeId('AssertStatement'), StatementGroup: nodeId('StatementGroup'),
  IfStatement: nodeId('IfStatement'), WhileStatement: nodeId('WhileStatement'), ForStatement: nodeId('ForStatement'),
  TryStatement: nodeId('TryStatement'), WithStatement: nodeId('WithStatement'), Body: nodeId('Body'),
  FunctionDefinition: nodeId('FunctionDefinition'), ClassDefinition: nodeId('ClassDefinition'),
  DecoratedStatement: nodeId('DecoratedStatement'), Decorator: nodeId('Decorator'),
} as const;

/** Tokens after a statement-initial `match` or `type` that make it a plain name for certain. */
function plainNameFollows(kind: number, word: string): boolean {
  return kind === DOT || kind === ASSIGN || kind === COMMA || kind === UPDATE || kind === SEMI ||
    kind === NEWLINE || kind === NEWLINE_AT_EOF || (word === 'type' && kind === LPAR);
}

export class StatementParser extends ExpressionParser {
  script(): void {
    while (this.kind !== EOF) {
      if (this.kind === INDENT || this.kind === DEDENT) this.unsupported('unexpected indentation');
      this.statement();
    }
  }

  finish(): Tree {
    return this.writer.finish(this.text.length);
  }

  private statement(): void {
    const kind = this.kind;
    if (kind === AT) return this.decorated();
    if (kind === K.if) return this.ifStatement();
    if (kind === K.for) return this.forStatement();
    if (kind === K.while) return this.whileStatement();
    if (kind === K.try) return this.tryStatement();
    if (kind === K.with) return this.withStatement();
    if (kind === K.def) return this.functionDefinition();
    if (kind === K.class) return this.classDefinition();
    if (kind === K.async) {
      const next = this.peekKind(1);
      if (next === K.def) return this.functionDefinition();
      if (next === K.for) return this.forStatement();
      if (next === K.with) return this.withStatement();
      this.unsupported('async statement');
    }
    this.simpleStatement();
  }

  /** One line of small statements; several separated by `;` form a StatementGroup (with the line end). */
  private simpleStatement(): void {
    const from = this.from;
    const start = this.open();
    this.smallStatement();
    if (this.kind === SEMI) {
      while (this.kind === SEMI) {
        this.take(N.Semicolon);
        if (this.kind === NEWLINE || this.kind === NEWLINE_AT_EOF) break;
        this.smallStatement();
      }
      this.lineEnd();
      this.close(S.StatementGroup, start, from);
      return;
    }
    this.lineEnd();
  }

  private lineEnd(): void {
    if (this.kind !== NEWLINE && this.kind !== NEWLINE_AT_EOF) this.unsupported('expected the end of the line');
    this.take(NO_NODE);
  }

  private smallStatement(): void {
    const kind = this.kind;
    const from = this.from;
    const start = this.open();
    if (kind === K.pass || kind === K.break || kind === K.continue) {
      this.takeKeyword();
      this.close(kind === K.pass ? S.PassStatement : kind === K.break ? S.BreakStatement : S.ContinueStatement, start, from);
    } else if (kind === K.return) {
      this.takeKeyword();
      if (this.canStartTest() || this.kind === STAR) this.testsOrStars();
      this.close(S.ReturnStatement, start, from);
    } else if (kind === K.del) {
      this.takeKeyword();
      for (;;) {
        this.expression(1);
        if (this.kind !== COMMA) break;
        this.take(N.Comma);
        if (!this.canStartTest()) break;
      }
      this.close(S.DeleteStatement, start, from);
    } else if (kind === K.raise) {
      this.raiseStatement(start, from);
    } else if (kind === K.global || kind === K.nonlocal) {
      this.takeKeyword();
      for (;;) {
        this.expect(NAME, N.VariableName);
        if (this.kind !== COMMA) break;
        this.take(N.Comma);
        if (this.kind !== NAME) break;
      }
      this.close(S.ScopeStatement, start, from);
    } else if (kind === K.assert) {
      this.takeKeyword();
      this.tests();
      this.close(S.AssertStatement, start, from);
    } else if (kind === K.import || kind === K.from) {
      this.importStatement(start, from);
    } else if (kind === K.yield) {
      this.yieldBody();
      this.close(S.YieldStatement, start, from);
    } else {
      this.guardSoftKeyword();
      this.expressionStatement(start, from);
    }
  }

  /** Statement-initial names lezer's grammar may read as keywords (GLR): leave those lines to lezer. */
  private guardSoftKeyword(): void {
    if (this.kind !== NAME) return;
    const length = this.ends[this.i] - this.starts[this.i];
    if (length !== 4 && length !== 5) return;
    const word = this.tokenText();
    if (word === 'print') {
      // lezer's legacyPrint: `print` followed by anything but ( . # or a line end is Python 2's print statement.
      let p = this.ends[this.i];
      while (this.text.charCodeAt(p) === 32 || this.text.charCodeAt(p) === 9) p++;
      const c = this.text.charCodeAt(p);
      if (c !== 40 && c !== 46 && c !== 10 && c !== 13 && c !== 35) this.unsupported('print statement');
    } else if ((word === 'match' || word === 'type') && !plainNameFollows(this.peekKind(1), word)) {
      this.unsupported(`soft keyword ${word}`);
    }
  }

  /** Assignment, annotated assignment, augmented assignment, or a bare expression list. */
  private expressionStatement(start: number, from: number): void {
    this.testsOrStars();
    if (this.kind === COLON || this.kind === ASSIGN) {
      if (this.kind === COLON) this.typeDef();
      while (this.kind === ASSIGN) {
        this.take(N.AssignOp);
        if (this.kind === K.yield) this.yieldExpression();
        else this.testsOrStars();
      }
      this.close(S.AssignStatement, start, from);
    } else if (this.kind === UPDATE) {
      this.take(N.UpdateOp);
      if (this.kind === K.yield) this.yieldExpression();
      else this.tests();
      this.close(S.UpdateStatement, start, from);
    } else {
      this.close(S.ExpressionStatement, start, from);
    }
  }

  private raiseStatement(start: number, from: number): void {
    this.takeKeyword();
    if (this.canStartTest()) {
      this.test();
      if (this.kind === K.from) {
        this.takeKeyword();
        this.test();
      } else if (this.kind === COMMA) {
        this.take(N.Comma);
        this.test();
        if (this.kind === COMMA) {
          this.take(N.Comma);
          this.test();
        }
      }
    }
    this.close(S.RaiseStatement, start, from);
  }

  private importStatement(start: number, from: number): void {
    if (this.kind === K.import) {
      this.takeKeyword();
      this.importedNames();
    } else {
      this.takeKeyword();
      let relative = false;
      while (this.kind === DOT || this.kind === ELLIPSIS) {
        this.take(this.kind === DOT ? N.Dot : N.Ellipsis);
        relative = true;
      }
      if (!relative || this.kind === NAME) this.dottedName();
      this.expectKeyword(K.import);
      if (this.kind === STAR) this.take(N.Star);
      else if (this.kind === LPAR) {
        this.take(N.LParen);
        this.importedNames();
        this.expect(RPAR, N.RParen);
      } else this.importedNames();
    }
    this.close(S.ImportStatement, start, from);
  }

  private importedNames(): void {
    for (;;) {
      this.dottedName();
      if (this.kind === K.as) {
        this.takeKeyword();
        this.expect(NAME, N.VariableName);
      }
      if (this.kind !== COMMA) return;
      this.take(N.Comma);
      if (this.kind !== NAME) return;
    }
  }

  private dottedName(): void {
    this.expect(NAME, N.VariableName);
    while (this.kind === DOT) {
      this.take(N.Dot);
      this.expect(NAME, N.VariableName);
    }
  }

  /** `: simple statement` on the same line, or an indented block. */
  private body(): void {
    const from = this.from;
    const start = this.open();
    this.expect(COLON, N.Colon);
    if (this.kind === NEWLINE) {
      this.take(NO_NODE);
      if (this.kind !== INDENT) this.unsupported('expected an indented block');
      this.take(NO_NODE);
      while (this.kind !== DEDENT && this.kind !== EOF) this.statement();
      if (this.kind === DEDENT) this.take(NO_NODE);
    } else {
      this.simpleStatement();
    }
    this.close(S.Body, start, from);
  }

  private elseClause(): void {
    if (this.kind === K.else) {
      this.takeKeyword();
      this.body();
    }
  }

  private ifStatement(): void {
    const from = this.from;
    const start = this.open();
    this.takeKeyword();
    this.testNamed();
    this.body();
    while (this.kind === K.elif) {
      this.takeKeyword();
      this.testNamed();
      this.body();
    }
    this.elseClause();
    this.close(S.IfStatement, start, from);
  }

  private whileStatement(): void {
    const from = this.from;
    const start = this.open();
    this.takeKeyword();
    this.testNamed();
    this.body();
    this.elseClause();
    this.close(S.WhileStatement, start, from);
  }

  private forStatement(): void {
    const from = this.from;
    const start = this.open();
    if (this.kind === K.async) this.takeKeyword();
    this.expectKeyword(K.for);
    for (;;) {
      if (this.kind === STAR) this.take(N.Star);
      this.expression(1);
      if (this.kind !== COMMA) break;
      this.take(N.Comma);
      if (this.kind === K.in) break;
    }
    this.expectKeyword(K.in);
    this.tests();
    this.body();
    this.elseClause();
    this.close(S.ForStatement, start, from);
  }

  private tryStatement(): void {
    const from = this.from;
    const start = this.open();
    this.takeKeyword();
    this.body();
    while (this.kind === K.except) {
      this.takeKeyword();
      if (this.kind === STAR) this.take(N.Star);
      if (this.canStartTest()) {
        this.test();
        if (this.kind === K.as || this.kind === COMMA) {
          if (this.kind === K.as) this.takeKeyword();
          else this.take(N.Comma);
          this.expect(NAME, N.VariableName);
        }
      }
      this.body();
    }
    this.elseClause();
    if (this.kind === K.finally) {
      this.takeKeyword();
      this.body();
    }
    this.close(S.TryStatement, start, from);
  }

  private withStatement(): void {
    const from = this.from;
    const start = this.open();
    if (this.kind === K.async) this.takeKeyword();
    this.expectKeyword(K.with);
    for (;;) {
      this.test();
      if (this.kind === K.as) {
        this.takeKeyword();
        this.expect(NAME, N.VariableName);
      }
      if (this.kind !== COMMA) break;
      this.take(N.Comma);
      if (this.kind === COLON) break;
    }
    this.body();
    this.close(S.WithStatement, start, from);
  }

  private functionDefinition(): void {
    const from = this.from;
    const start = this.open();
    if (this.kind === K.async) this.takeKeyword();
    this.expectKeyword(K.def);
    this.expect(NAME, N.VariableName);
    if (this.kind === LSQB) this.unsupported('type parameters');
    this.paramList();
    if (this.kind !== COLON) this.returnTypeDef();
    this.body();
    this.close(S.FunctionDefinition, start, from);
  }

  private paramList(): void {
    const from = this.from;
    const start = this.open();
    this.expect(LPAR, N.LParen);
    while (this.kind !== RPAR) {
      if (this.kind === NAME) {
        this.take(N.VariableName);
        if (this.kind === COLON) this.typeDef();
        if (this.kind === ASSIGN) {
          this.take(N.AssignOp);
          this.test();
        }
      } else if (this.kind === STAR) {
        this.take(N.Star);
        if (this.kind === NAME) {
          this.take(N.VariableName);
          if (this.kind === COLON) this.typeDef();
        }
      } else if (this.kind === DSTAR) {
        this.take(N.DoubleStar);
        this.expect(NAME, N.VariableName);
        if (this.kind === COLON) this.typeDef();
      } else if (this.kind === SLASH) {
        this.take(NO_NODE);
      } else this.unsupported('parameter');
      if (this.kind !== COMMA) break;
      this.take(N.Comma);
    }
    this.expect(RPAR, N.RParen);
    this.close(N.ParamList, start, from);
  }

  private classDefinition(): void {
    const from = this.from;
    const start = this.open();
    this.takeKeyword();
    this.expect(NAME, N.VariableName);
    if (this.kind === LSQB) this.unsupported('type parameters');
    if (this.kind === LPAR) this.argList();
    this.body();
    this.close(S.ClassDefinition, start, from);
  }

  private decorated(): void {
    const from = this.from;
    const start = this.open();
    while (this.kind === AT) this.decorator();
    if (this.kind === K.def || (this.kind === K.async && this.peekKind(1) === K.def)) this.functionDefinition();
    else if (this.kind === K.class) this.classDefinition();
    else this.unsupported('decorated statement');
    this.close(S.DecoratedStatement, start, from);
  }

  /** `@dotted.name(args)` and its line end (lezer's grammar allows only a dotted name here). */
  private decorator(): void {
    const from = this.from;
    const start = this.open();
    this.take(N.At);
    this.dottedName();
    if (this.kind === LPAR) this.argList();
    this.expect(NEWLINE, NO_NODE);
    this.close(S.Decorator, start, from);
  }
}
