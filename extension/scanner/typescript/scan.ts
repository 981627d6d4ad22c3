/**
 * TensorFlow.js: a gradient (tf.grad, tf.grads, tf.valueAndGrad(s), tf.variableGrads) taken
 * inside a function that an outer gradient transform differentiates. Reported at the inner
 * gradient; rewritten to the helper whose backward computes each step's HVP locally (TF.js has
 * no forward mode: MixFlow's memory shape, not its arithmetic), unless a specific blocker says why not.
 */
import ts from 'typescript';
import type { Blocker, Finding } from '../findings.js';
import { TEXTS } from '../explanations.js';
import { LineIndex } from '../text.js';
import { ReadAnalysis, contains, scopeOf, type FnNode } from './reads.js';
import { helperEdit, helperPlace, siteEdits, type ServedGradient } from '../rewrite/tfjs-rewrite.js';
import { TFJS_HELPER_NAMES, TFJS_HELPERS } from '../rewrite/tfjs-helper.js';

/** `@tensorflow/tfjs`, `-core`, `-node`, `-node-gpu`, and deep paths such as `@tensorflow/tfjs-core/dist/index`. */
const TFJS_MODULE = /^@tensorflow\/tfjs(-core|-node|-node-gpu)?(\/[\w./-]*)?$/;
const GRADIENTS = new Set(['grad', 'grads', 'valueAndGrad', 'valueAndGrads', 'variableGrads']);
/** Optimizer methods that take tf.variableGrads of their function (`optimizer.minimize(() => loss)`). */
const OPTIMIZER_GRADIENTS = new Set(['minimize', 'computeGradients']);
/** Transforms that differentiate every trainable variable their function reads. */
const OVER_VARIABLES = new Set(['variableGrads', ...OPTIMIZER_GRADIENTS]);

class TfjsFile {
  /** Local names bound to the tfjs module namespace. */
  readonly namespaces = new Set<string>();
  /** Top-level namespace names -> their module specifier (the helper uses one of them). */
  readonly topNamespaces = new Map<string, string>();
  /** Every TF.js module specifier the file imports or requires. */
  readonly modules: string[] = [];
  /** Top-level helper functions from an earlier rewrite: their own gradients are not findings. */
  readonly helpers: ts.FunctionDeclaration[] = [];
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
      this.modules.push(node.moduleSpecifier.text);
      if (bindings && ts.isNamespaceImport(bindings)) this.addNamespace(bindings.name.text, node.moduleSpecifier.text);
      if (bindings && ts.isNamedImports(bindings)) {
        for (const el of bindings.elements) this.imported.set(el.name.text, (el.propertyName ?? el.name).text);
      }
      if (node.importClause?.name) this.addNamespace(node.importClause.name.text, node.moduleSpecifier.text);
    } else if (ts.isFunctionDeclaration(node) && node.name) {
      this.functions.set(node.name.text, node);
      if (node.parent === this.source && TFJS_HELPER_NAMES.includes(node.name.text)) this.helpers.push(node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference) &&
      ts.isStringLiteral(node.moduleReference.expression) && TFJS_MODULE.test(node.moduleReference.expression.text)) {
      this.modules.push(node.moduleReference.expression.text);
      this.addNamespace(node.name.text, node.moduleReference.expression.text); // import tf = require('@tensorflow/tfjs')
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
      else if (ts.isCallExpression(init) && this.isRequireOfTfjs(init)) this.addNamespace(node.name.text, (init.arguments[0] as ts.StringLiteral).text, node);
      else if (ts.isCallExpression(init) && this.gradientName(init)) this.gradValues.set(node.name.text, init);
    }
  }

  private addNamespace(name: string, module: string, declaration?: ts.VariableDeclaration): void {
    this.namespaces.add(name);
    const topLevel = !declaration || (ts.isVariableStatement(declaration.parent.parent) && declaration.parent.parent.parent === this.source);
    if (topLevel) this.topNamespaces.set(name, module);
    if (declaration) this.modules.push(module);
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
    // In a TF.js file, `<optimizer>.minimize(f)` / `.computeGradients(f)` with a function argument.
    if (ts.isPropertyAccessExpression(callee) && OPTIMIZER_GRADIENTS.has(callee.name.text) && call.arguments.length > 0 &&
      (ts.isArrowFunction(call.arguments[0]) || ts.isFunctionExpression(call.arguments[0]) || ts.isIdentifier(call.arguments[0]))) {
      return callee.name.text;
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

const SERVED = new Set<string>(Object.keys(TFJS_HELPERS));

/** Outer gradient calls -> the inner gradient calls that run under them (through called functions too). */
function innerSites(file: TfjsFile, source: ts.SourceFile): Map<ts.CallExpression, { outer: ts.CallExpression; fn?: FnNode }[]> {
  const reachedBy = new Map<ts.CallExpression, { outer: ts.CallExpression; fn?: FnNode }[]>();
  const visit = (node: ts.Node): void => {
    if (file.helpers.includes(node as ts.FunctionDeclaration)) return;
    if (ts.isCallExpression(node) && file.gradientName(node) && node.arguments.length > 0) {
      const target = file.resolve(node.arguments[0]);
      const inner = target.gradient ? [target.gradient] : target.fn ? file.gradientsIn(target.fn) : [];
      for (const call of new Set(inner)) {
        if (call === node || file.helpers.some((h) => contains(h, call))) continue;
        reachedBy.set(call, [...(reachedBy.get(call) ?? []), { outer: node, fn: target.fn }]);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return reachedBy;
}

export function scanTypeScript(path: string, text: string): Finding[] {
  const source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(path));
  const file = new TfjsFile(source);
  if (file.namespaces.size === 0 && file.imported.size === 0) return [];
  const sites = innerSites(file, source);
  if (sites.size === 0) return [];
  const lines = new LineIndex(text);
  const reads = new ReadAnalysis(source);
  const declared = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && !file.helpers.some((h) => contains(h, node))) declared.add(node.text);
    ts.forEachChild(node, collect);
  };
  collect(source);
  const place = helperPlace(source, file.topNamespaces, file.modules, (name) => declared.has(name));
  const at = (node: ts.Node) => lines.position(node.getStart(source));

  const findings: Finding[] = [];
  for (const [call, outers] of [...sites].sort((a, b) => a[0].getStart() - b[0].getStart())) {
    const start = at(call);
    const end = lines.position(call.getEnd());
    const gradient = file.gradientName(call)!;
    const blockers: Blocker[] = [];
    const block = (id: Blocker['id'], message: string, node: ts.Node) => {
      const p = at(node);
      blockers.push({ id, message, expression: node.getText(source).slice(0, 60), line: p.line, column: p.column });
    };
    const outerName = (o: ts.CallExpression) => `${file.gradientName(o)} (line ${at(o).line})`;
    let captured: string[] = [];
    if (!SERVED.has(gradient)) {
      block('unsupported-site', `${gradient === 'variableGrads' ? 'tf.variableGrads' : `optimizer.${gradient}`} differentiates the trainable variables its loss reads without taking them as arguments, and the helper's op ` +
        'only gets gradients for its inputs: take the inner gradient with tf.grads over those tensors, then rewrite', call);
    } else if (outers.some((o) => sites.has(o.outer))) {
      const o = outers.find((x) => sites.has(x.outer))!;
      block('unsupported-site', `the gradient is differentiated twice more (the ${outerName(o.outer)} itself runs under another gradient): ` +
        "the helper's backward is not itself differentiable, so only second-order sites are rewritten", call);
    } else {
      captured = capturedByLoss(call, outers, file, reads, block, outerName);
    }
    if (TFJS_HELPER_NAMES.some((n) => declared.has(n)) && blockers.length === 0) {
      const taken = TFJS_HELPER_NAMES.find((n) => declared.has(n))!;
      block('unsupported-site', `the file already uses the name \`${taken}\`, which the inserted helper declares: rename it, then rewrite`, call);
    }
    const t = TEXTS['tfjs-nested-grad'];
    const rewritable = blockers.length === 0;
    findings.push({
      file: path, line: start.line, column: start.column, endLine: end.line, endColumn: end.column,
      pattern: 'tfjs-nested-grad', message: t.message,
      explanation: rewritable ? t.explanation : `${t.explanation} Not rewritten because: ${blockers.map((b) => `${b.message} (line ${b.line})`).join('; ')}.`,
      rewritable, blockers,
      edits: rewritable ? [helperEdit(place, lines), ...siteEdits(call, gradient as ServedGradient, captured, lines)] : [],
    });
  }
  return findings;
}

/**
 * The names the inner loss reads that the outer gradient may differentiate: declared inside the
 * differentiated function (or anywhere it calls), not bound before the outer gradient runs. Read
 * directly by an inline loss, they are made inputs of the op (`capturing`); read any other way, the
 * site is blocked, as the helper's op would drop their cross terms.
 */
function capturedByLoss(call: ts.CallExpression, outers: { outer: ts.CallExpression; fn?: FnNode }[], file: TfjsFile, reads: ReadAnalysis,
  block: (id: Blocker['id'], message: string, node: ts.Node) => void, outerName: (o: ts.CallExpression) => string): string[] {
  let loss: ts.Expression = call.arguments[0];
  for (;;) {
    while (ts.isParenthesizedExpression(loss) || ts.isAsExpression(loss) || ts.isNonNullExpression(loss)) loss = loss.expression;
    // The gradient of a gradient (tf.grad(tf.grad(f))): what matters is what f reads.
    if (ts.isCallExpression(loss) && file.gradientName(loss) && loss.arguments.length > 0) loss = loss.arguments[0];
    else break;
  }
  const inline = ts.isArrowFunction(loss) || ts.isFunctionExpression(loss);
  const variableGrads = outers.find((o) => OVER_VARIABLES.has(file.gradientName(o.outer)!));
  let fn: FnNode | undefined = inline ? loss as FnNode : undefined;
  // A loss from elsewhere (`lossFn` imported, `losses.mse`): what it reads is not visible here. Fine
  // when it is bound at module level (it cannot close over what the outer gradient differentiates),
  // unless the outer gradient is over variables, which such a function may read.
  let root: ts.Expression = loss;
  while (ts.isPropertyAccessExpression(root)) root = root.expression;
  if (!fn && ts.isIdentifier(root)) {
    const declaration = reads.declarationOf(root);
    fn = root === loss && declaration ? reads.functionOf(declaration) : undefined;
    const moduleLevel = !!declaration && ts.isSourceFile(scopeOf(declaration));
    if (!fn && (!moduleLevel || variableGrads)) {
      block('unsupported-site', `the loss \`${loss.getText().slice(0, 40)}\` is ${moduleLevel ? 'defined elsewhere' : 'a value passed in'}, ` +
        "so the rewrite cannot see which tensors it reads (the helper's op would drop the cross terms of any differentiated one): " +
        'write the loss inline or as a function of this file, then rewrite', loss);
      return [];
    }
  } else if (!fn) {
    block('unsupported-site', 'the loss is not a function the rewrite can read (an inline function or a function of this file): name it, then rewrite', loss);
    return [];
  }
  const captured: string[] = [];
  const blocked = new Set<string>();
  for (const r of fn ? reads.readsOf(fn) : []) {
    if (file.namespaces.has(r.name) || file.imported.has(r.name) || blocked.has(r.name)) continue;
    const constant = reads.isConstant(r.declaration, outers);
    if (constant && variableGrads) {
      // Bound before the outer gradient, yet it may hold a trainable variable, which that gradient differentiates.
      blocked.add(r.name);
      block('captured-differentiated-tensor', `the loss reads \`${r.name}\`${r.via ? ` (in ${r.via})` : ''}, which may hold a trainable variable that the outer ` +
        `${outerName(variableGrads.outer)} differentiates; the helper's op only gets gradients for its inputs: pass it as an argument of the loss`, r.at);
      continue;
    }
    if (constant) continue;
    if (inline && !r.via) {
      if (!captured.includes(r.name)) captured.push(r.name);
    } else {
      blocked.add(r.name);
      block('captured-differentiated-tensor', `the loss reads \`${r.name}\`${r.via ? ` inside \`${r.via}\`` : ''}, a value of the differentiated code that ` +
        "the helper's op would not differentiate: make it an argument of the loss (or write the loss inline), then rewrite", r.at);
    }
  }
  return captured;
}

