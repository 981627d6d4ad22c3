/**
 * TensorFlow.js: a gradient transform (tf.grad, tf.grads, tf.valueAndGrad(s),
 * tf.variableGrads) applied to a function that itself takes a gradient.
 * TF.js has no forward mode, so these are reported, never rewritten.
 */
import ts from 'typescript';
import type { Finding } from '../findings.js';
import { TEXTS } from '../explanations.js';
import { LineIndex } from '../text.js';

/** `@tensorflow/tfjs`, `-core`, `-node`, `-node-gpu`, and deep paths such as `@tensorflow/tfjs-core/dist/index`. */
const TFJS_MODULE = /^@tensorflow\/tfjs(-core|-node|-node-gpu)?(\/[\w./-]*)?$/;
const GRADIENTS = new Set(['grad', 'grads', 'valueAndGrad', 'valueAndGrads', 'variableGrads']);

type FnNode = ts.ArrowFunction | ts.FunctionExpression | ts.FunctionDeclaration;

class TfjsFile {
  /** Local names bound to the tfjs module namespace. */
  readonly namespaces = new Set<string>();
  /** Local name -> tfjs gradient function name (`import { grad as g }`). */
  readonly imported = new Map<string, string>();
  readonly functions = new Map<string, FnNode>();
  /** Local name -> the gradient call it holds (`const df = tf.grad(f)`). */
  readonly gradValues = new Map<string, ts.CallExpression>();
  private readonly memo = new Map<ts.Node, ts.CallExpression[]>();

  constructor(readonly source: ts.SourceFile) {
    const visit = (node: ts.Node): void => {
      this.record(node);
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  private record(node: ts.Node): void {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && TFJS_MODULE.test(node.moduleSpecifier.text)) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) this.namespaces.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) this.imported.set(el.name.text, (el.propertyName ?? el.name).text);
      }
      if (node.importClause?.name) this.namespaces.add(node.importClause.name.text);
    } else if (ts.isFunctionDeclaration(node) && node.name) {
      this.functions.set(node.name.text, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression) && TFJS_MODULE.test(node.moduleReference.expression.text)) {
      this.namespaces.add(node.name.text); // import tf = require('@tensorflow/tfjs')
    } else if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer && this.isTfjsValue(node.initializer)) {
      // const { grad, valueAndGrads: vg } = tf  /  = require('@tensorflow/tfjs')  /  = await import('@tensorflow/tfjs')
      for (const el of node.name.elements) {
        const from = el.propertyName && ts.isIdentifier(el.propertyName) ? el.propertyName.text : ts.isIdentifier(el.name) ? el.name.text : null;
        if (from && ts.isIdentifier(el.name)) this.imported.set(el.name.text, from);
      }
    } else if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
      const init = node.initializer;
      if (this.isTfjsValue(init) && !ts.isIdentifier(init)) this.namespaces.add(node.name.text);
      if (ts.isArrowFunction(init) || ts.isFunctionExpression(init)) this.functions.set(node.name.text, init);
      else if (ts.isCallExpression(init) && this.isRequireOfTfjs(init)) this.namespaces.add(node.name.text);
      else if (ts.isCallExpression(init) && this.gradientName(init)) this.gradValues.set(node.name.text, init);
    }
  }

  /** `tf` (a known namespace), `require('@tensorflow/tfjs…')` or `await import('@tensorflow/tfjs…')`. */
  private isTfjsValue(expr: ts.Expression): boolean {
    if (ts.isAwaitExpression(expr)) return this.isTfjsValue(expr.expression);
    if (ts.isIdentifier(expr)) return this.namespaces.has(expr.text);
    if (!ts.isCallExpression(expr)) return false;
    const [arg] = expr.arguments;
    if (expr.expression.kind === ts.SyntaxKind.ImportKeyword) return !!arg && ts.isStringLiteral(arg) && TFJS_MODULE.test(arg.text);
    return this.isRequireOfTfjs(expr);
  }

  private isRequireOfTfjs(call: ts.CallExpression): boolean {
    const [arg] = call.arguments;
    return ts.isIdentifier(call.expression) && call.expression.text === 'require' && !!arg && ts.isStringLiteral(arg) && TFJS_MODULE.test(arg.text);
  }

  /** The tfjs gradient function a call invokes (`grad`, `variableGrads`, …), or null. */
  gradientName(call: ts.CallExpression): string | null {
    const callee = call.expression;
    if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && this.namespaces.has(callee.expression.text)) {
      return GRADIENTS.has(callee.name.text) ? callee.name.text : null;
    }
    const imported = ts.isIdentifier(callee) ? this.imported.get(callee.text) : undefined;
    if (imported && GRADIENTS.has(imported)) return imported;
    return null;
  }

  resolve(expr: ts.Expression): { fn?: FnNode; gradient?: ts.CallExpression } {
    if (ts.isArrowFunction(expr) || ts.isFunctionExpression(expr)) return { fn: expr };
    if (ts.isParenthesizedExpression(expr) || ts.isAsExpression(expr) || ts.isNonNullExpression(expr)) return this.resolve(expr.expression);
    if (ts.isCallExpression(expr) && this.gradientName(expr)) return { gradient: expr };
    if (ts.isIdentifier(expr)) {
      const fn = this.functions.get(expr.text);
      if (fn) return { fn };
      const gradient = this.gradValues.get(expr.text);
      if (gradient) return { gradient };
    }
    return {};
  }

  /** Gradient calls executed when `fn` runs (through referenced functions too). */
  gradientsIn(fn: FnNode): ts.CallExpression[] {
    const known = this.memo.get(fn);
    if (known) return known;
    this.memo.set(fn, []);
    const out: ts.CallExpression[] = [];
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && this.gradientName(node)) out.push(node);
      if (ts.isIdentifier(node)) {
        const { fn: callee, gradient } = this.resolve(node);
        if (callee && callee !== fn) out.push(...this.gradientsIn(callee));
        if (gradient && node.parent && ts.isCallExpression(node.parent) && node.parent.expression === node) out.push(gradient);
      }
      ts.forEachChild(node, visit);
    };
    if (fn.body) visit(fn.body);
    this.memo.set(fn, out);
    return out;
  }
}

function scriptKind(path: string): ts.ScriptKind {
  if (/\.tsx$/.test(path)) return ts.ScriptKind.TSX;
  if (/\.jsx$/.test(path)) return ts.ScriptKind.JSX;
  if (/\.[cm]?js$/.test(path)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

export function scanTypeScript(path: string, text: string): Finding[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const file = new TfjsFile(source);
  if (file.namespaces.size === 0 && file.imported.size === 0) return [];
  const lines = new LineIndex(text);
  const findings: Finding[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && file.gradientName(node) && node.arguments.length > 0) {
      const target = file.resolve(node.arguments[0]);
      if (target.gradient || (target.fn && file.gradientsIn(target.fn).length > 0)) {
        const start = lines.position(node.getStart(source));
        const end = lines.position(node.getEnd());
        const text = TEXTS['tfjs-nested-grad'];
        findings.push({
          file: path, line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
          pattern: 'tfjs-nested-grad', message: text.message, explanation: `${text.explanation} Not rewritten because: ${text.whyNot} (line ${start.line}).`,
          rewritable: false, blockers: [{ id: 'no-forward-mode', message: text.whyNot!, line: start.line, column: start.column }], edits: [],
        });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}
