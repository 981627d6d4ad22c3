/**
 * Inline inner losses: `loss = F.mse_loss(model.functional_forward(x, fast), y)` followed by
 * `torch.autograd.grad(loss, fast, create_graph=True)`. The statements that compute the
 * differentiated value (its backward slice among the preceding statements of the same block)
 * are lifted into a local function of the differentiated variables; every local value they
 * read becomes an argument too, so it is bound when the function is defined (not when the
 * mixed-mode backward re-runs it) and tensors among them still receive their gradients.
 */
import type { PyContext } from '../python/context.js';
import { all, assignedValue, child, children, firstVariable, isWithin, keyword, loopAncestor, positional, sameNode, targetNames, within, type SyntaxNode } from '../python/parse.js';

/** One differentiated argument of the lifted function: its parameter name and what is passed. */
export interface WrtArg { param: string; arg: string }

export interface LiftedLoss {
  name: string;
  wrt: WrtArg[];
  /** Local values the loss reads, passed after the differentiated ones. */
  captured: string[];
  /** The statements moved into the function (document order). */
  slice: SyntaxNode[];
  /** Whether the slice's values are read elsewhere (then it stays in place as well). */
  live: boolean;
  /** Offset of the start of the line where the function is inserted. */
  insertAt: number;
  /** The function's text, indented for `insertAt`, ending in a newline. */
  def: string;
}

export type Lift = { lifted: LiftedLoss } | { whyNot: string };

const COMPOUND = ['ForStatement', 'WhileStatement', 'IfStatement', 'WithStatement', 'TryStatement', 'FunctionDefinition', 'ClassDefinition', 'DecoratedStatement'];

/** The statement holding `node` and the block (Body or Script) holding that statement. */
export function statementOf(node: SyntaxNode): { stmt: SyntaxNode; block: SyntaxNode } | null {
  let stmt = node;
  while (stmt.parent && stmt.parent.name !== 'Body' && stmt.parent.name !== 'Script') stmt = stmt.parent;
  return stmt.parent ? { stmt, block: stmt.parent } : null;
}

/** `fast`, `[w, b]`, `(w,)`, `fast.values()`, `list(fast.values())`, `list(fast)`: the differentiated variables. */
export function wrtArgs(ctx: PyContext, inputs: SyntaxNode | null): WrtArg[] | null {
  if (!inputs) return null;
  if (inputs.name === 'VariableName') return [{ param: ctx.text(inputs), arg: ctx.text(inputs) }];
  if (inputs.name === 'TupleExpression' || inputs.name === 'ArrayExpression') {
    const items = children(inputs).filter((k) => !['(', ')', '[', ']', ','].includes(k.name));
    if (items.length === 0 || items.some((k) => k.name !== 'VariableName')) return null;
    return items.map((k) => ({ param: ctx.text(k), arg: ctx.text(k) }));
  }
  if (inputs.name !== 'CallExpression') return null;
  const callee = inputs.firstChild;
  const args = child(inputs, 'ArgList');
  const only = args ? children(args).filter((k) => !['(', ')', ','].includes(k.name)) : [];
  // `fast.values()`: the values of a dict of fast weights, in its order.
  if (callee?.name === 'MemberExpression' && ctx.text(callee.lastChild!) === 'values' && callee.firstChild?.name === 'VariableName' && only.length === 0) {
    const name = ctx.text(callee.firstChild);
    return [{ param: name, arg: `dict(${name})` }];
  }
  if (callee?.name === 'VariableName' && ['list', 'tuple'].includes(ctx.text(callee)) && only.length === 1) {
    if (only[0].name === 'VariableName') return [{ param: ctx.text(only[0]), arg: `list(${ctx.text(only[0])})` }];
    return wrtArgs(ctx, only[0]);
  }
  return null;
}

/** Names bound as plain variables somewhere in the file (assignments, parameters, loop and `as` targets). */
const boundCache = new WeakMap<PyContext, Set<string>>();
function variablesOf(ctx: PyContext): Set<string> {
  const known = boundCache.get(ctx);
  if (known) return known;
  const out = new Set<string>();
  for (const a of all(ctx.doc, 'AssignStatement')) for (const n of targetNames(ctx.doc, a)) out.add(n);
  for (const u of all(ctx.doc, 'UpdateStatement')) if (u.firstChild?.name === 'VariableName') out.add(ctx.text(u.firstChild));
  for (const def of all(ctx.doc, 'FunctionDefinition')) {
    const params = child(def, 'ParamList');
    for (let k = params?.firstChild ?? null; k; k = k.nextSibling) {
      if (k.name === 'VariableName' && k.prevSibling && ['(', ',', '*', '**'].includes(k.prevSibling.name)) out.add(ctx.text(k));
    }
  }
  for (const loop of all(ctx.doc, 'ForStatement')) for (const n of loopTargets(ctx, loop)) out.add(n);
  ctx.doc.tree.iterate({
    enter(ref) {
      if (ref.name === 'as' && ref.node.nextSibling?.name === 'VariableName') out.add(ctx.text(ref.node.nextSibling));
    },
  });
  for (const fn of ctx.functions.keys()) out.delete(fn);
  boundCache.set(ctx, out);
  return out;
}

export function loopTargets(ctx: PyContext, loop: SyntaxNode): string[] {
  const out: string[] = [];
  for (let k = loop.firstChild?.nextSibling ?? null; k && k.name !== 'in'; k = k.nextSibling) collect(ctx, k, out);
  return out;
}

function collect(ctx: PyContext, node: SyntaxNode, out: string[]): void {
  if (node.name === 'VariableName') out.push(ctx.text(node));
  else for (let k = node.firstChild; k; k = k.nextSibling) collect(ctx, k, out);
}

/** Names bound inside `node` by comprehension `for` clauses and lambda parameters (local to them). */
function innerBindings(ctx: PyContext, node: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const visit = (n: SyntaxNode): void => {
    if (n.name === 'for' && n.parent?.name !== 'ForStatement') {
      for (let k = n.nextSibling; k && k.name !== 'in'; k = k.nextSibling) {
        const names: string[] = [];
        collect(ctx, k, names);
        names.forEach((x) => out.add(x));
      }
    }
    if (n.name === 'LambdaExpression') {
      const params = child(n, 'ParamList');
      if (params) for (const k of children(params)) if (k.name === 'VariableName') out.add(ctx.text(k));
    }
    for (let k = n.firstChild; k; k = k.nextSibling) visit(k);
  };
  visit(node);
  return out;
}

/** Names read inside `node`, in order of first occurrence. */
function reads(ctx: PyContext, node: SyntaxNode): string[] {
  const vars = ctx.doc.variables;
  const out: string[] = [];
  for (let i = firstVariable(ctx.doc, node.from); i < vars.length && vars[i].from < node.to; i++) if (!out.includes(vars[i].text)) out.push(vars[i].text);
  return out;
}

/** Plain-name targets of an assignment, or null when it assigns attributes, subscripts or stars. */
function plainTargets(ctx: PyContext, stmt: SyntaxNode): string[] | null {
  if (stmt.name === 'UpdateStatement') return stmt.firstChild?.name === 'VariableName' ? [ctx.text(stmt.firstChild)] : null;
  if (stmt.name !== 'AssignStatement') return null;
  const ok = (n: SyntaxNode): boolean => n.name === 'VariableName' ||
    ((n.name === 'TupleExpression' || n.name === 'ArrayExpression') && children(n).every((k) => ['(', ')', '[', ']', ','].includes(k.name) || ok(k)));
  for (let k = stmt.firstChild; k && k.name !== 'AssignOp'; k = k.nextSibling) if (k.name !== ',' && !ok(k)) return null;
  if (child(stmt, 'TypeDef')) return null;
  return [...targetNames(ctx.doc, stmt)];
}

/** Does any statement inside `stmt` (a compound statement) bind one of `names`? */
function bindsInside(ctx: PyContext, stmt: SyntaxNode, names: Set<string>): string | null {
  const hit = (n: string) => names.has(n);
  for (const a of [...within(ctx.doc, 'AssignStatement', stmt), ...within(ctx.doc, 'UpdateStatement', stmt)]) {
    const t = a.name === 'UpdateStatement' ? (a.firstChild?.name === 'VariableName' ? [ctx.text(a.firstChild)] : []) : targetNames(ctx.doc, a);
    const found = t.find(hit);
    if (found) return found;
  }
  if (stmt.name === 'ForStatement') return loopTargets(ctx, stmt).find(hit) ?? null;
  return null;
}

function freeName(ctx: PyContext, base: string): string {
  const used = new Set(ctx.doc.variables.map((v) => v.text));
  if (!used.has(base) && !ctx.functions.has(base)) return base;
  for (let i = 2; ; i++) if (!used.has(`${base}_${i}`) && !ctx.functions.has(`${base}_${i}`)) return `${base}_${i}`;
}

/**
 * Lifts the loss that `call` (a torch.autograd.grad call, `outputs` first, `inputs` second)
 * differentiates. `scope` is the enclosing function or the module.
 */
export function liftLoss(ctx: PyContext, call: SyntaxNode, scope: SyntaxNode): Lift {
  const outputs = positional(ctx.doc, call, 0) ?? keyword(ctx.doc, call, 'outputs');
  const wrt = wrtArgs(ctx, positional(ctx.doc, call, 1) ?? keyword(ctx.doc, call, 'inputs'));
  if (!outputs) return { whyNot: 'the grad call has no outputs argument' };
  if (!wrt) return { whyNot: `the differentiated inputs \`${ctx.text(positional(ctx.doc, call, 1) ?? call)}\` are not variables holding the tensors (e.g. \`model.parameters()\`); keep the fast weights in a list or dict and differentiate that` };
  const at = statementOf(call);
  if (!at) return { whyNot: 'the grad call is not inside a statement' };
  const { stmt } = at;
  const wrtNames = new Set(wrt.map((w) => w.param));

  // Backward slice over the statements before the grad call in the same block.
  const needed = new Set(reads(ctx, outputs));
  const slice: SyntaxNode[] = [];
  for (let s = stmt.prevSibling; s; s = s.prevSibling) {
    if (s.name === 'Comment' || s.name === ':' || s.name === 'Body') continue;
    const targets = plainTargets(ctx, s);
    if (targets) {
      if (!targets.some((t) => needed.has(t))) continue;
      if (targets.some((t) => wrtNames.has(t))) return { whyNot: `the loss is computed after \`${targets.find((t) => wrtNames.has(t))}\` is reassigned in the same block` };
      slice.unshift(s);
      const value = s.name === 'UpdateStatement' ? s : assignedValue(s);
      if (s.name === 'AssignStatement') for (const t of targets) needed.delete(t);
      for (const r of value ? reads(ctx, value) : []) needed.add(r);
      continue;
    }
    if (COMPOUND.includes(s.name) || s.name === 'AssignStatement') {
      const bound = bindsInside(ctx, s, needed);
      if (bound) return { whyNot: `\`${bound}\`, which the inner loss reads, is computed by a ${s.name.replace('Statement', '').toLowerCase()} statement on line ${ctx.doc.lines.position(s.from).line}` };
    }
  }
  const readsOfLoss = new Set<string>();
  for (const s of slice) reads(ctx, s).forEach((r) => readsOfLoss.add(r));
  reads(ctx, outputs).forEach((r) => readsOfLoss.add(r));
  if (!wrt.some((w) => readsOfLoss.has(w.param))) {
    return { whyNot: `the inner loss does not read the differentiated ${wrt.map((w) => `\`${w.param}\``).join(', ')} by name (the module's own parameters?); compute it from the fast weights, e.g. with functional_call` };
  }
  for (let s = slice[0]?.nextSibling ?? null; s && !sameNode(s, stmt); s = s.nextSibling) {
    if (slice.some((x) => sameNode(x, s))) continue;
    const bound = COMPOUND.includes(s.name) || s.name === 'AssignStatement' || s.name === 'UpdateStatement' ? bindsInside(ctx, s, readsOfLoss) : null;
    if (bound) return { whyNot: `\`${bound}\`, which the inner loss reads, changes on line ${ctx.doc.lines.position(s.from).line} between the loss and the grad call` };
  }
  for (const s of [...slice, stmt]) {
    if (ctx.doc.text.slice(ctx.doc.lines.lineStart(s.from), s.from).trim() !== '') return { whyNot: `line ${ctx.doc.lines.position(s.from).line} holds several statements` };
  }

  // Free names of the slice: locals are passed as arguments, globals (imports, functions) are not.
  const local = innerBindings(ctx, outputs);
  slice.forEach((s) => innerBindings(ctx, s).forEach((n) => local.add(n)));
  const boundInSlice = new Set<string>();
  const free: string[] = [];
  const addFree = (names: string[]) => { for (const n of names) if (!boundInSlice.has(n) && !free.includes(n)) free.push(n); };
  for (const s of slice) {
    const value = s.name === 'UpdateStatement' ? s : assignedValue(s);
    if (value) addFree(reads(ctx, value));
    for (const t of plainTargets(ctx, s) ?? []) boundInSlice.add(t);
  }
  addFree(reads(ctx, outputs));
  const variables = variablesOf(ctx);
  const captured = free.filter((n) => !wrtNames.has(n) && !local.has(n) && variables.has(n) && !ctx.names.isImported(n));

  const name = freeName(ctx, 'inner_loss');
  const live = slice.some((s) => (plainTargets(ctx, s) ?? []).some((t) => isLive(ctx, t, scope, slice, stmt)));
  const first = slice[0] ?? stmt;
  const indent = ctx.doc.lines.indentAt(first.from);
  const params = [...wrt.map((w) => w.param), ...captured];
  const body = slice.map((s) => statementLines(ctx, s).replace(/^(?=.)/gm, '    ')).join('');
  const returned = outputs.name === 'VariableName' ? ctx.text(outputs) : ctx.text(outputs).replace(/\n\s*/g, ' ');
  const def = `${indent}def ${name}(${params.join(', ')}):  # the inner loss, lifted for the MixFlow inner gradient\n` +
    `${body}${indent}    return ${returned}\n`;
  return { lifted: { name, wrt, captured, slice, live, insertAt: ctx.doc.lines.lineStart(first.from), def } };
}

/** The full lines of a statement, newline included. */
export function statementLines(ctx: PyContext, s: SyntaxNode): string {
  const { from, to } = lineSpan(ctx, s);
  const text = ctx.doc.text.slice(from, to);
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** From the start of the statement's first line to just after its last line's newline. */
export function lineSpan(ctx: PyContext, s: SyntaxNode): { from: number; to: number } {
  const from = ctx.doc.lines.lineStart(s.from);
  const nl = ctx.doc.text.indexOf('\n', s.to);
  return { from, to: nl < 0 ? ctx.doc.text.length : nl + 1 };
}

/**
 * Is the value `name` gets in the slice read anywhere but in the slice and the grad statement?
 * Reads after the grad statement count unless a plain assignment in the same or an enclosing
 * block rebinds the name first; reads before it count when a loop holds both.
 */
export function isLive(ctx: PyContext, name: string, scope: SyntaxNode, slice: SyntaxNode[], gradStmt: SyntaxNode): boolean {
  const vars = ctx.doc.variables;
  const skip = [...slice, gradStmt];
  const loop = loopAncestor(gradStmt, scope);
  const kills = within(ctx.doc, 'AssignStatement', scope).filter((a) => targetNames(ctx.doc, a).includes(name) && !skip.some((s) => isWithin(a, s)));
  for (let i = firstVariable(ctx.doc, scope.from); i < vars.length && vars[i].from < scope.to; i++) {
    const v = vars[i];
    if (v.text !== name || skip.some((s) => v.from >= s.from && v.from < s.to)) continue;
    // A plain assignment target is not a read.
    if (kills.some((a) => v.from >= a.from && v.from < (child(a, 'AssignOp')?.from ?? a.from))) continue;
    if (v.from >= gradStmt.to) {
      const killedBefore = kills.some((a) => a.from >= gradStmt.to && a.to <= v.from && isEnclosingBlock(a, gradStmt));
      if (!killedBefore) return true;
    } else if (loop && v.from >= loop.from && v.from < loop.to) {
      return true;
    }
  }
  return false;
}

/** Is `a` a statement of a block that encloses `stmt` (so it runs whenever code after `stmt` in that block does)? */
function isEnclosingBlock(a: SyntaxNode, stmt: SyntaxNode): boolean {
  const block = a.parent;
  return !!block && isWithin(stmt, block);
}
