/**
 * Everything a Python pattern needs about one file: the tree, name resolution,
 * the table of named functions, and a factory for findings.
 */
import type { Blocker, BlockerId, Finding, PatternId, TextEdit } from '../findings.js';
import { TEXTS } from '../explanations.js';
import { all, assignedValue, child, children, src, targetNames, within, type PyDoc, type SyntaxNode } from './parse.js';
import { Names } from './names.js';
import type { RewriteOptions } from '../rewrite/helper-module.js';

export class PyContext {
  readonly names: Names;
  /** Function name -> FunctionDefinition or LambdaExpression (`f = lambda …`). */
  readonly functions = new Map<string, SyntaxNode>();
  /** Variable name -> the call expression assigned to it (`opt = optax.adam(…)`). */
  readonly assignedCalls = new Map<string, SyntaxNode>();

  /** Every function of a name (nested helpers such as `def body` repeat across functions). */
  private readonly functionsNamed = new Map<string, SyntaxNode[]>();

  constructor(readonly doc: PyDoc, readonly options: RewriteOptions = {}) {
    this.names = new Names(doc);
    for (const def of all(doc, 'FunctionDefinition')) {
      const name = child(def, 'VariableName');
      if (!name) continue;
      this.functions.set(src(doc, name), def);
      const list = this.functionsNamed.get(src(doc, name)) ?? [];
      list.push(def);
      this.functionsNamed.set(src(doc, name), list);
    }
    for (const assign of all(doc, 'AssignStatement')) {
      const targets = targetNames(doc, assign);
      const value = assignedValue(assign);
      if (targets.length !== 1 || !value) continue;
      if (value.name === 'LambdaExpression') this.functions.set(targets[0], value);
      if (value.name === 'CallExpression') this.assignedCalls.set(targets[0], value);
    }
  }

  /** The function `name` means where `at` refers to it: the innermost definition whose scope holds `at`. */
  functionAt(name: string, at: SyntaxNode): SyntaxNode | undefined {
    const list = this.functionsNamed.get(name);
    if (!list || list.length === 1) return this.functions.get(name);
    let best: SyntaxNode | undefined;
    for (const def of list) {
      const scope = def.parent?.parent?.name === 'FunctionDefinition' || def.parent?.parent?.name === 'ClassDefinition' ? def.parent.parent : null;
      const holds = scope ? at.from >= scope.from && at.to <= scope.to : true;
      if (holds && (!best || def.from > best.from)) best = def;
    }
    return best ?? this.functions.get(name);
  }

  text(node: SyntaxNode): string {
    return src(this.doc, node);
  }

  /** Statements or expression making up a function's body. */
  body(fn: SyntaxNode): SyntaxNode | null {
    if (fn.name === 'FunctionDefinition') return child(fn, 'Body');
    const kids = children(fn);
    return kids[kids.length - 1] ?? null;
  }

  /** Decorators of a FunctionDefinition/ClassDefinition, as qualified names. */
  decorators(def: SyntaxNode): string[] {
    const parent = def.parent;
    if (parent?.name !== 'DecoratedStatement') return [];
    return children(parent).filter((k) => k.name === 'Decorator').map((d) => {
      const dotted = children(d).filter((k) => k.name === 'VariableName' || k.name === '.').map((k) => this.text(k)).join('');
      const first = child(d, 'VariableName');
      if (!first) return dotted;
      const head = this.names.qualify(first) ?? this.text(first);
      return head + dotted.slice(this.text(first).length);
    });
  }

  /** The most recent assignment to `name` before `offset` inside `scope`. */
  lastAssignment(name: string, offset: number, scope: SyntaxNode | null): SyntaxNode | null {
    let found: SyntaxNode | null = null;
    for (const assign of scope ? within(this.doc, 'AssignStatement', scope) : all(this.doc, 'AssignStatement')) {
      if (assign.from >= offset) break;
      if (targetNames(this.doc, assign).includes(name)) found = assign;
    }
    return found;
  }

  /**
   * `whyNot` explains a site that has no blockers in its code but still cannot be rewritten:
   * it becomes a blocker of its own (id `whyNotId`) at the site, so `blockers` is never empty
   * when `rewritable` is false.
   */
  finding(node: SyntaxNode, pattern: PatternId, blockers: Blocker[], edits: TextEdit[], whyNot = '', whyNotId: BlockerId = 'unsupported-site'): Finding {
    const start = this.doc.lines.position(node.from);
    const end = this.doc.lines.position(node.to);
    const text = TEXTS[pattern];
    if (blockers.length === 0 && edits.length === 0) {
      blockers = [{ id: whyNotId, message: whyNot || text.whyNot || 'this shape is not one the rewriter can prove equivalent', line: start.line, column: start.column }];
    }
    const explanation = `${text.explanation} Not rewritten because: ${blockers.map((b) => `${b.message} (line ${b.line})`).join('; ')}.`;
    return {
      file: this.doc.path,
      line: start.line,
      column: start.column,
      endLine: end.line,
      endColumn: end.column,
      pattern,
      message: text.message,
      explanation: blockers.length > 0 ? explanation : text.explanation,
      rewritable: blockers.length === 0 && edits.length > 0,
      blockers,
      edits: blockers.length === 0 ? edits : [],
    };
  }

  edit(from: number, to: number, newText: string): TextEdit {
    return { range: this.doc.lines.range(from, to), newText };
  }
}
