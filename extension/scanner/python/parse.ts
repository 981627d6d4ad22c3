/**
 * Thin helpers over the @lezer/python syntax tree: parsing, child access,
 * call-argument splitting and source text. Offsets are 0-based; LineIndex
 * turns them into the 1-based positions findings carry.
 */
import { parser } from '@lezer/python';
import type { SyntaxNode, Tree } from '@lezer/common';
import { LineIndex } from '../text.js';
import { fastParsePython, Unsupported } from './fastParse/index.js';

export type { SyntaxNode };

export interface PyDoc {
  path: string;
  text: string;
  tree: Tree;
  lines: LineIndex;
  /** Interesting nodes, collected in one pass, in document order. */
  nodes: Map<string, SyntaxNode[]>;
  /** Every VariableName occurrence, in document order (cheaper than walking subtrees). */
  variables: { from: number; text: string }[];
  /** Which parser built the tree (both build the same tree; `fast` is about 3x quicker). */
  parsedBy: PythonParser;
}

/** `fast` falls back to lezer on syntax it does not mirror exactly; `lezer` always uses lezer. */
export type PythonParser = 'fast' | 'lezer';

const COLLECTED = new Set([
  'CallExpression', 'FunctionDefinition', 'LambdaExpression', 'ClassDefinition', 'ImportStatement',
  'AssignStatement', 'UpdateStatement', 'ForStatement', 'WhileStatement', 'ReturnStatement', 'Decorator',
]);

export function parsePython(path: string, text: string, prefer: PythonParser = 'fast'): PyDoc {
  const fast = prefer === 'fast' ? fastParsePython(text) : null;
  const fastTree = fast instanceof Unsupported ? null : fast;
  const parsedBy: PythonParser = fastTree ? 'fast' : 'lezer';
  const tree = fastTree ?? parser.parse(text);
  const nodes = new Map<string, SyntaxNode[]>();
  const variables: PyDoc['variables'] = [];
  for (const name of COLLECTED) nodes.set(name, []);
  tree.iterate({
    enter(ref) {
      if (ref.name === 'VariableName') variables.push({ from: ref.from, text: text.slice(ref.from, ref.to) });
      else if (COLLECTED.has(ref.name)) nodes.get(ref.name)!.push(ref.node);
    },
  });
  return { path, text, tree, lines: new LineIndex(text), nodes, variables, parsedBy };
}

export function all(doc: PyDoc, name: string): SyntaxNode[] {
  return doc.nodes.get(name) ?? [];
}

/** Nodes of one type inside `scope`, found by binary search (nodes are in document order). */
export function within(doc: PyDoc, name: string, scope: SyntaxNode): SyntaxNode[] {
  const list = all(doc, name);
  const out: SyntaxNode[] = [];
  for (let i = firstFrom(list, scope.from); i < list.length && list[i].from < scope.to; i++) if (list[i].to <= scope.to) out.push(list[i]);
  return out;
}

export function src(doc: PyDoc, node: SyntaxNode): string {
  return doc.text.slice(node.from, node.to);
}

/** The first child named `name` (like `node.getChild(name)`, without a cursor). */
export function child(node: SyntaxNode, name: string): SyntaxNode | null {
  for (let c = node.firstChild; c; c = c.nextSibling) if (c.name === name) return c;
  return null;
}

export function children(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/** Punctuation and keywords carry their own text as node name; everything else is a real node. */
export function isToken(node: SyntaxNode): boolean {
  return !/^[A-Z]/.test(node.name);
}

export function isWithin(node: SyntaxNode, outer: SyntaxNode): boolean {
  return node.from >= outer.from && node.to <= outer.to;
}

export function ancestor(node: SyntaxNode, names: readonly string[]): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) if (names.includes(p.name)) return p;
  return null;
}

/** The function (or lambda) whose body holds `node`, or null at module level. */
export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  return ancestor(node, ['FunctionDefinition', 'LambdaExpression']);
}

export interface Arg {
  name: string | null;
  value: SyntaxNode;
  star: boolean;
}

export function callee(call: SyntaxNode): SyntaxNode | null {
  return call.firstChild;
}

/**
 * A map keyed by a node's range (lezer hands out fresh node objects, so caches
 * cannot key on identity). Keyed by start offset first (a small integer, fast to
 * hash); nodes sharing a start (nested calls `f(a)(b)`) are told apart by their end.
 */
export class RangeMap<V> {
  private readonly byFrom = new Map<number, { to: number; value: V }[]>();

  get(node: SyntaxNode): V | undefined {
    const list = this.byFrom.get(node.from);
    if (!list) return undefined;
    const to = node.to;
    for (const entry of list) if (entry.to === to) return entry.value;
    return undefined;
  }

  set(node: SyntaxNode, value: V): V {
    const from = node.from;
    const to = node.to;
    const list = this.byFrom.get(from);
    if (!list) this.byFrom.set(from, [{ to, value }]);
    else {
      const entry = list.find((e) => e.to === to);
      if (entry) entry.value = value;
      else list.push({ to, value });
    }
    return value;
  }
}

const argsCache = new WeakMap<PyDoc, RangeMap<Arg[]>>();

/** Splits a call's ArgList into positional and keyword arguments (cached per call). */
export function callArgs(doc: PyDoc, call: SyntaxNode): Arg[] {
  let cache = argsCache.get(doc);
  if (!cache) argsCache.set(doc, (cache = new RangeMap()));
  return cache.get(call) ?? cache.set(call, splitArgs(doc, call));
}

function splitArgs(doc: PyDoc, call: SyntaxNode): Arg[] {
  const list = child(call, 'ArgList');
  if (!list) return [];
  const args: Arg[] = [];
  let pendingName: string | null = null;
  let star = false;
  const kids = children(list);
  for (let i = 0; i < kids.length; i++) {
    const kid = kids[i];
    if (kid.name === '*' || kid.name === '**') { star = true; continue; }
    if (isToken(kid)) continue;
    if (kid.name === 'VariableName' && kids[i + 1]?.name === 'AssignOp') {
      pendingName = src(doc, kid);
      i++;
      continue;
    }
    args.push({ name: pendingName, value: kid, star });
    pendingName = null;
    star = false;
  }
  return args;
}

export function positional(doc: PyDoc, call: SyntaxNode, index: number): SyntaxNode | null {
  for (const a of callArgs(doc, call)) if (a.name === null && !a.star && index-- === 0) return a.value;
  return null;
}

export function keyword(doc: PyDoc, call: SyntaxNode, name: string): SyntaxNode | null {
  return callArgs(doc, call).find((a) => a.name === name)?.value ?? null;
}

const targetsCache = new WeakMap<PyDoc, RangeMap<string[]>>();

/** Names bound by an assignment target (`a`, `a, b`, `(a,)`, `[a, b]`); cached, do not modify. */
export function targetNames(doc: PyDoc, assign: SyntaxNode): readonly string[] {
  let cache = targetsCache.get(doc);
  if (!cache) targetsCache.set(doc, (cache = new RangeMap()));
  let names = cache.get(assign);
  if (!names) {
    names = [];
    for (let kid = assign.firstChild; kid && kid.name !== 'AssignOp'; kid = kid.nextSibling) collectNames(doc, kid, names);
    cache.set(assign, names);
  }
  return names;
}

function collectNames(doc: PyDoc, node: SyntaxNode, out: string[]): void {
  if (node.name === 'VariableName') out.push(src(doc, node));
  else if (node.name === 'TupleExpression' || node.name === 'ArrayExpression') {
    for (let kid = node.firstChild; kid; kid = kid.nextSibling) collectNames(doc, kid, out);
  }
}

/** The right-hand side of a simple assignment (the last child after the final `=`). */
export function assignedValue(assign: SyntaxNode): SyntaxNode | null {
  for (let kid = assign.lastChild; kid; kid = kid.prevSibling) if (kid.name === 'AssignOp') return kid.nextSibling;
  return null;
}

/** Index of the first element of a document-ordered list starting at or after `offset`. */
export function firstFrom(list: readonly { from: number }[], offset: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].from < offset) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first VariableName occurrence at or after `offset`. */
export function firstVariable(doc: PyDoc, offset: number): number {
  return firstFrom(doc.variables, offset);
}

/** Every VariableName read inside `node` (including `node` itself). */
export function namesIn(doc: PyDoc, node: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const vars = doc.variables;
  for (let i = firstFrom(vars, node.from); i < vars.length && vars[i].from < node.to; i++) out.add(vars[i].text);
  return out;
}

/** How many times `name` occurs inside `node`. */
export function countName(doc: PyDoc, node: SyntaxNode, name: string): number {
  let count = 0;
  const vars = doc.variables;
  for (let i = firstFrom(vars, node.from); i < vars.length && vars[i].from < node.to; i++) if (vars[i].text === name) count++;
  return count;
}

/** Calls of `name` are in a loop body between `node` and `stop` (exclusive). */
export function loopAncestor(node: SyntaxNode, stop: SyntaxNode | null): SyntaxNode | null {
  for (let p = node.parent; p && p !== stop; p = p.parent) {
    if (p.name === 'ForStatement' || p.name === 'WhileStatement') return p;
  }
  return null;
}

/** Python expressions that can be copied into generated code without changing evaluation. */
export function isPure(node: SyntaxNode): boolean {
  switch (node.name) {
    case 'VariableName': case 'Number': case 'String': case 'Boolean': case 'None':
      return true;
    case 'MemberExpression':
      return !child(node, '[') && node.firstChild !== null && isPure(node.firstChild);
    default:
      return false;
  }
}

/** lezer hands out fresh node objects: compare by position and type, not identity. */
export function sameNode(a: SyntaxNode | null | undefined, b: SyntaxNode | null | undefined): boolean {
  return !!a && !!b && a.from === b.from && a.to === b.to && a.name === b.name;
}
