/**
 * What an inner TF.js loss reads from outside itself: the free identifiers of the loss function,
 * followed into the functions of this file it calls. Names are resolved by TypeScript's binder
 * (one-file program, no lib), so shadowing, destructuring and parameters are handled as the
 * compiler sees them.
 */
import ts from 'typescript';

export type FnNode = ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration;

/** A value (not a function, not an import) the loss reads from an enclosing scope. */
export interface Read {
  name: string;
  /** The identifier as it appears (in the loss, or in the function it calls). */
  at: ts.Identifier;
  /** Where the name is declared (parameter, variable, binding element). */
  declaration: ts.Node;
  /** The function whose scope declares it, or the source file for module-level names. */
  scope: ts.Node;
  /** The called function the read is in, when it is not in the loss itself. */
  via?: string;
}

/** Array methods whose callback gets (element, index, …) of the array they are called on. */
const ARRAY_CALLBACKS = new Set(['map', 'forEach', 'flatMap', 'filter', 'some', 'every', 'find', 'findIndex']);

export function isFunctionLike(node: ts.Node): node is FnNode {
  return ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isFunctionDeclaration(node);
}

/** The nearest function (or the file) whose scope holds a declaration. */
export function scopeOf(node: ts.Node): ts.Node {
  for (let n: ts.Node | undefined = node.parent; n; n = n.parent) {
    if (isFunctionLike(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isAccessor(n) || ts.isSourceFile(n)) return n;
  }
  return node.getSourceFile();
}

export function contains(outer: ts.Node, inner: ts.Node): boolean {
  return outer.getStart() <= inner.getStart() && inner.getEnd() <= outer.getEnd() && outer.getSourceFile() === inner.getSourceFile();
}

/** Identifiers that name a value here (not a property name, a declaration's own name, or a type). */
function isValueUse(id: ts.Identifier): boolean {
  const p = id.parent;
  if (ts.isPropertyAccessExpression(p) && p.name === id) return false;
  if ((ts.isPropertyAssignment(p) || ts.isMethodDeclaration(p) || ts.isPropertyDeclaration(p)) && p.name === id) return false;
  if (ts.isBindingElement(p) && p.propertyName === id) return false;
  if ((ts.isVariableDeclaration(p) || ts.isParameter(p) || ts.isBindingElement(p) || ts.isFunctionDeclaration(p) ||
    ts.isFunctionExpression(p) || ts.isClassDeclaration(p)) && p.name === id) return false;
  if (ts.isLabeledStatement(p) || ts.isBreakOrContinueStatement(p)) return false;
  return true;
}

export class ReadAnalysis {
  private readonly checker: ts.TypeChecker;
  private readonly memo = new Map<ts.Node, Read[]>();
  /** Declaration -> every identifier in the file that names it as a value (made on first use). */
  private refs?: Map<ts.Node, ts.Identifier[]>;

  constructor(private readonly source: ts.SourceFile) {
    const host: ts.CompilerHost = {
      getSourceFile: (name) => (name === source.fileName ? source : undefined),
      writeFile: () => undefined, getDefaultLibFileName: () => 'lib.d.ts', useCaseSensitiveFileNames: () => true,
      getCanonicalFileName: (f) => f, getCurrentDirectory: () => '', getNewLine: () => '\n',
      fileExists: (f) => f === source.fileName, readFile: () => undefined,
    };
    const program = ts.createProgram({ rootNames: [source.fileName], options: { noLib: true, noResolve: true, allowJs: true, types: [] }, host });
    this.checker = program.getTypeChecker();
  }

  declarationOf(id: ts.Identifier): ts.Declaration | undefined {
    const symbol = ts.isShorthandPropertyAssignment(id.parent) && id.parent.name === id
      ? this.checker.getShorthandAssignmentValueSymbol(id.parent)
      : this.checker.getSymbolAtLocation(id);
    return symbol?.declarations?.[0];
  }

  /** The function a declaration binds (`function f`, `const f = (…) => …`), if any. */
  functionOf(declaration: ts.Node): FnNode | undefined {
    if (ts.isFunctionDeclaration(declaration)) return declaration;
    if (ts.isVariableDeclaration(declaration) && declaration.initializer) {
      let init: ts.Expression = declaration.initializer;
      while (ts.isParenthesizedExpression(init) || ts.isAsExpression(init)) init = init.expression;
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) return init;
    }
    return undefined;
  }

  /** Values `fn` reads from outside itself, through the functions of this file it refers to. */
  readsOf(fn: FnNode): Read[] {
    const known = this.memo.get(fn);
    if (known) return known;
    this.memo.set(fn, []);
    const out: Read[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isTypeNode(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) return;
      if (ts.isIdentifier(node) && isValueUse(node)) {
        const declaration = this.declarationOf(node);
        if (declaration && !contains(fn, declaration) && !ts.isImportSpecifier(declaration) && !ts.isImportClause(declaration) &&
          !ts.isNamespaceImport(declaration) && !ts.isImportEqualsDeclaration(declaration) && !ts.isClassDeclaration(declaration)) {
          const callee = this.functionOf(declaration);
          if (callee) {
            const name = node.text;
            for (const r of this.readsOf(callee)) if (!contains(fn, r.declaration)) out.push({ ...r, via: r.via ?? name });
          } else {
            out.push({ name: node.text, at: node, declaration, scope: scopeOf(declaration) });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    ts.forEachChild(fn, visit);
    this.memo.set(fn, out);
    return out;
  }

  /**
   * Whether a name holds the same value for the whole run of each outer gradient (so the outer
   * gradient cannot differentiate it): declared at module level or in a scope around every outer
   * call, and not assigned inside the differentiated function; or a parameter of a function of this
   * file that every caller passes such a value.
   */
  isConstant(declaration: ts.Node, outers: { outer: ts.Node; fn?: ts.Node }[], depth = 0): boolean {
    const scope = scopeOf(declaration);
    const boundAround = (o: { outer: ts.Node }) => ts.isSourceFile(scope) || contains(scope, o.outer);
    if (outers.every((o) => boundAround(o) && !(o.fn && this.assignedIn(declaration, o.fn)))) return true;
    if (depth > 3 || !ts.isParameter(declaration) || declaration.dotDotDotToken || !ts.isIdentifier(declaration.name) || !isFunctionLike(scope)) return false;
    if (this.assignedIn(declaration, scope)) return false;
    const constantExpression = (e: ts.Node) => this.identifiersIn(e).every((id) => {
      const d = this.declarationOf(id);
      return !d || this.functionOf(d) !== undefined || ts.isImportSpecifier(d) || ts.isImportClause(d) || ts.isNamespaceImport(d) ||
        ts.isImportEqualsDeclaration(d) || ts.isFunctionDeclaration(d) || this.isConstant(d, outers, depth + 1);
    });
    // The callback of `tasks.map((t, i) => …)` (forEach, flatMap, filter…): its element and index
    // parameters are constant when the array is.
    const call = scope.parent;
    if (ts.isCallExpression(call) && call.arguments[0] === scope && ts.isPropertyAccessExpression(call.expression) &&
      ARRAY_CALLBACKS.has(call.expression.name.text)) {
      return scope.parameters.indexOf(declaration) <= 1 && constantExpression(call.expression.expression);
    }
    const index = scope.parameters.indexOf(declaration);
    const calls = this.callsOf(scope);
    return calls.length > 0 && calls.every((c) => {
      const arg = c.arguments[index];
      if (!arg) return true;
      if (c.arguments.slice(0, index + 1).some(ts.isSpreadElement)) return false;
      return constantExpression(arg);
    });
  }

  /** Calls of `fn` by its name in this file (none when it is only passed around). */
  private callsOf(fn: FnNode): ts.CallExpression[] {
    const name = ts.isFunctionDeclaration(fn) ? fn.name : ts.isVariableDeclaration(fn.parent) && ts.isIdentifier(fn.parent.name) ? fn.parent.name : undefined;
    const declaration = name && this.declarationOf(name);
    if (!declaration) return [];
    const calls: ts.CallExpression[] = [];
    for (const id of this.referencesTo(declaration)) {
      if (ts.isCallExpression(id.parent) && id.parent.expression === id) calls.push(id.parent);
      else return []; // passed as a value: its other callers are unknown
    }
    return calls;
  }

  private referencesTo(declaration: ts.Node): ts.Identifier[] {
    if (!this.refs) {
      const refs = new Map<ts.Node, ts.Identifier[]>();
      for (const id of this.identifiersIn(this.source)) {
        const d = this.declarationOf(id);
        if (d) refs.set(d, [...(refs.get(d) ?? []), id]);
      }
      this.refs = refs;
    }
    return this.refs.get(declaration) ?? [];
  }

  private identifiersIn(root: ts.Node): ts.Identifier[] {
    const out: ts.Identifier[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isTypeNode(node)) return;
      if (ts.isIdentifier(node) && isValueUse(node)) out.push(node);
      ts.forEachChild(node, visit);
    };
    visit(root);
    return out;
  }

  private isAssignmentTarget(id: ts.Identifier): boolean {
    const p = id.parent;
    return (ts.isBinaryExpression(p) && p.left === id && p.operatorToken.kind >= ts.SyntaxKind.FirstAssignment && p.operatorToken.kind <= ts.SyntaxKind.LastAssignment) ||
      ((ts.isPrefixUnaryExpression(p) || ts.isPostfixUnaryExpression(p)) && (p.operator === ts.SyntaxKind.PlusPlusToken || p.operator === ts.SyntaxKind.MinusMinusToken));
  }

  /** Whether the declared name is assigned anywhere inside `within` (`x = …`, `x += …`, `x++`). */
  assignedIn(declaration: ts.Node, within: ts.Node): boolean {
    return this.referencesTo(declaration).some((id) => this.isAssignmentTarget(id) && contains(within, id));
  }
}
