/**
 * PyTorch `autograd.grad(..., create_graph=True)` / `.backward(create_graph=True)`
 * whose result is differentiated again: HVPs, the dummy-cotangent JVP trick,
 * unrolled inner loops and other double backward.
 */
import type { Finding, PatternId } from '../../findings.js';
import {
  all, assignedValue, child, firstFrom, firstVariable, isWithin, sameNode, within, keyword, loopAncestor, namesIn, positional, src, targetNames,
  type SyntaxNode,
} from '../parse.js';
import type { PyContext } from '../context.js';
import { findBlockers, inPlaceBlockers, lossBlockers, mergeBlockers } from '../blockers.js';
import { wrtArgs } from '../../rewrite/lift-loss.js';
import { hvpVector, rewriteDoubleBackwardJvp, rewriteHvp, rewriteInnerGrad } from '../../rewrite/torch-create-graph.js';

export interface Origin {
  call: SyntaxNode;
  /** Enclosing function, or the module. */
  scope: SyntaxNode;
  kind: 'grad' | 'backward';
  /** Names bound to the (differentiable) gradient. */
  bound: string[];
}

const GRAD = 'torch.autograd.grad';

function isBackward(ctx: PyContext, call: SyntaxNode): boolean {
  const callee = call.firstChild;
  if (ctx.names.calleeName(call) === 'torch.autograd.backward') return true;
  return callee?.name === 'MemberExpression' && callee.lastChild?.name === 'PropertyName' && ctx.text(callee.lastChild) === 'backward';
}

function createsGraph(ctx: PyContext, call: SyntaxNode): boolean {
  const flag = keyword(ctx.doc, call, 'create_graph') ?? positional(ctx.doc, call, 4);
  return flag !== null && ctx.text(flag) !== 'False';
}

/** The expression a diff call differentiates (`outputs` of grad, receiver of .backward()). */
function differentiated(ctx: PyContext, call: SyntaxNode): SyntaxNode | null {
  if (ctx.names.calleeName(call) === GRAD) return positional(ctx.doc, call, 0) ?? keyword(ctx.doc, call, 'outputs');
  if (ctx.names.calleeName(call) === 'torch.autograd.backward') return positional(ctx.doc, call, 0) ?? keyword(ctx.doc, call, 'tensors');
  return call.firstChild?.firstChild ?? null;
}

function scopeOf(ctx: PyContext, node: SyntaxNode): SyntaxNode {
  for (let p = node.parent; p; p = p.parent) if (p.name === 'FunctionDefinition') return p;
  return ctx.doc.tree.topNode;
}

/** Names the call's result is assigned to, looking through `[0]`. */
function boundNames(ctx: PyContext, call: SyntaxNode): string[] {
  let node = call;
  while (node.parent?.name === 'MemberExpression' && sameNode(node.parent.firstChild, node)) node = node.parent;
  const assign = node.parent;
  return assign?.name === 'AssignStatement' && sameNode(assignedValue(assign), node) ? [...targetNames(ctx.doc, assign)] : [];
}

/** Does any name read inside `node` satisfy `test`? (No set is built.) */
function anyName(ctx: PyContext, node: SyntaxNode, test: (name: string) => boolean): boolean {
  const vars = ctx.doc.variables;
  for (let i = firstVariable(ctx.doc, node.from); i < vars.length && vars[i].from < node.to; i++) if (test(vars[i].text)) return true;
  return false;
}

/** Names whose values depend on `seeds` (or on calls of `producers`) inside `scope`. */
function taint(ctx: PyContext, scope: SyntaxNode, seeds: string[], producers: Set<string>): Set<string> {
  const tainted = new Set(seeds);
  const isTainted = (n: string) => tainted.has(n) || producers.has(n);
  const dependsOnTaint = (node: SyntaxNode) => anyName(ctx, node, isTainted);
  const assigns = within(ctx.doc, 'AssignStatement', scope).map((assign) => ({ value: assignedValue(assign), assign }));
  const updates = within(ctx.doc, 'UpdateStatement', scope);
  // Calls of in-place methods (`w.sub_(…)`) with a plain name as receiver.
  const inPlace: { receiver: string; args: SyntaxNode }[] = [];
  for (const call of within(ctx.doc, 'CallExpression', scope)) {
    const callee = call.firstChild;
    const receiver = callee?.name === 'MemberExpression' && /_$/.test(ctx.text(callee.lastChild!)) ? callee.firstChild : null;
    if (receiver?.name === 'VariableName') inPlace.push({ receiver: ctx.text(receiver), args: child(call, 'ArgList') ?? call });
  }
  const loops = within(ctx.doc, 'ForStatement', scope);
  for (let round = 0; round < 2; round++) {
    for (const { value, assign } of assigns) {
      if (value && dependsOnTaint(value)) for (const t of targetNames(ctx.doc, assign)) tainted.add(t);
    }
    // In-place updates (`w -= lr * g`, `w.sub_(lr * g)`) make the receiver depend on the gradient.
    for (const update of updates) {
      if (update.lastChild && dependsOnTaint(update.lastChild)) for (const n of namesIn(ctx.doc, update.firstChild!)) tainted.add(n);
    }
    for (const { receiver, args } of inPlace) if (dependsOnTaint(args)) tainted.add(receiver);
    for (const loop of loops) {
      const iter = child(loop, 'in')?.nextSibling;
      if (!iter || !dependsOnTaint(iter)) continue;
      for (let k = loop.firstChild?.nextSibling; k && k.name !== 'in'; k = k.nextSibling) {
        for (const n of namesIn(ctx.doc, k)) tainted.add(n);
      }
    }
  }
  return tainted;
}

function after(a: SyntaxNode, b: SyntaxNode, scope: SyntaxNode): boolean {
  if (b.from >= a.to) return true;
  const loop = loopAncestor(a, scope);
  return loop !== null && isWithin(b, loop);
}

export function findCreateGraph(ctx: PyContext): Finding[] {
  const diffCalls = all(ctx.doc, 'CallExpression').filter((c) => ctx.names.calleeName(c) === GRAD || isBackward(ctx, c));
  const origins: Origin[] = diffCalls.filter((c) => createsGraph(ctx, c)).map((call) => ({
    call,
    scope: scopeOf(ctx, call),
    kind: isBackward(ctx, call) ? 'backward' : 'grad',
    bound: boundNames(ctx, call),
  }));
  const originCalls = new Set(origins.map((o) => o.call));
  const secondDiff = new Map<Origin, SyntaxNode>();

  // Within the origin's own function.
  const producers = new Map<string, Origin[]>();
  for (const origin of origins) {
    const tainted = taint(ctx, origin.scope, origin.bound, new Set());
    let hit: SyntaxNode | undefined;
    // diffCalls are in document order: those inside the scope form one run.
    for (let i = firstFrom(diffCalls, origin.scope.from); i < diffCalls.length && diffCalls[i].from < origin.scope.to; i++) {
      const d = diffCalls[i];
      if (!originCalls.has(d) && d.to <= origin.scope.to && after(origin.call, d, origin.scope) &&
        (origin.kind === 'backward' || anyName(ctx, differentiated(ctx, d) ?? d, (n) => tainted.has(n)))) {
        hit = d;
        break;
      }
    }
    if (hit) secondDiff.set(origin, hit);
    else if (origin.scope.name === 'FunctionDefinition' && returnsTainted(ctx, origin.scope, tainted)) {
      const name = src(ctx.doc, child(origin.scope, 'VariableName')!);
      producers.set(name, [...(producers.get(name) ?? []), origin]);
    }
  }
  // Across functions: an outer grad of something computed by a function that returns the graph.
  if (producers.size > 0) {
    const tainted = taint(ctx, ctx.doc.tree.topNode, [], new Set(producers.keys()));
    for (const d of diffCalls) {
      const names = namesIn(ctx.doc, differentiated(ctx, d) ?? d);
      for (const [name, list] of producers) {
        if (names.has(name) || [...names].some((n) => tainted.has(n))) for (const o of list) if (!secondDiff.has(o)) secondDiff.set(o, d);
      }
    }
  }
  return [...secondDiff].map(([origin, diff]) => classify(ctx, origin, diff));
}

function returnsTainted(ctx: PyContext, fn: SyntaxNode, tainted: Set<string>): boolean {
  return within(ctx.doc, 'ReturnStatement', fn).some((r) => anyName(ctx, r, (n) => tainted.has(n)));
}

function inputNames(ctx: PyContext, call: SyntaxNode): string[] {
  const inputs = positional(ctx.doc, call, 1) ?? keyword(ctx.doc, call, 'inputs');
  return inputs ? [...namesIn(ctx.doc, inputs)] : [];
}

function classify(ctx: PyContext, origin: Origin, diff: SyntaxNode): Finding {
  const call = origin.call;
  if (origin.kind === 'backward') {
    return ctx.finding(call, 'torch-backward-create-graph', [], []);
  }
  const wrt = inputNames(ctx, call);
  const cotangent = positional(ctx.doc, call, 2) ?? keyword(ctx.doc, call, 'grad_outputs');
  const diffInputs = ctx.names.calleeName(diff) === GRAD ? inputNames(ctx, diff) : [];
  if (cotangent?.name === 'VariableName' && diffInputs.includes(ctx.text(cotangent))) {
    const blockers = findBlockers(ctx, [origin.scope], wrt);
    return ctx.finding(call, 'torch-double-backward-jvp', blockers, rewriteDoubleBackwardJvp(ctx, origin, diff),
      'the output is not a call f(...) of a function on plain arguments; read the JVP with torch.func.jvp(f, (x,), (v,))');
  }
  const blockers = findBlockers(ctx, [origin.scope], wrt);
  if (hvpVector(ctx, origin, diff) !== null) {
    const edits = rewriteHvp(ctx, origin, diff);
    return ctx.finding(call, 'torch-create-graph-hvp', blockers, edits, 'the loss is not a call of a named function on the differentiated inputs');
  }
  // An update `w_next = w - lr * g` mixes the differentiated inputs with their gradient.
  const updatesInputs = within(ctx.doc, 'AssignStatement', origin.scope).some((a) => {
    const names = namesIn(ctx.doc, assignedValue(a) ?? a);
    return wrt.some((n) => names.has(n)) && origin.bound.some((n) => names.has(n));
  });
  const pattern: PatternId = loopAncestor(call, origin.scope) || updatesInputs ? 'torch-unrolled-inner-loop' : 'torch-create-graph-double-backward';
  if (pattern !== 'torch-unrolled-inner-loop') return ctx.finding(call, pattern, blockers, []);
  const rewrite = rewriteInnerGrad(ctx, origin);
  const lossFns = rewrite.lossRoots.filter((r) => r.name === 'FunctionDefinition' || r.name === 'LambdaExpression');
  const allBlockers = mergeBlockers(
    findBlockers(ctx, [origin.scope, ...lossFns], wrt),
    lossBlockers(ctx, rewrite.lossRoots),
    inPlaceBlockers(ctx, origin.scope, wrtParams(ctx, origin.call)),
  );
  const finding = ctx.finding(call, pattern, allBlockers, rewrite.edits, rewrite.whyNot, rewrite.whyNotId);
  if (rewrite.extract && allBlockers.length === 0) finding.extract = rewrite.extract;
  return finding;
}

/** The variables holding the differentiated tensors (`fast` for `fast.values()`). */
function wrtParams(ctx: PyContext, call: SyntaxNode): string[] {
  return wrtArgs(ctx, positional(ctx.doc, call, 1))?.map((w) => w.param) ?? inputNames(ctx, call);
}
