/**
 * `torch.autograd.functional.hvp / vhp / hessian`: implemented by PyTorch as
 * double backward. Rewritten to torch.func forward-over-reverse when the
 * inputs are a single plain tensor expression.
 */
import type { Finding, TextEdit } from '../../findings.js';
import { all, callArgs, isPure, sameNode, type SyntaxNode } from '../parse.js';
import type { PyContext } from '../context.js';
import { findBlockers } from '../blockers.js';
import { ensureImport } from '../../rewrite/python-insert.js';

const HVP = ['torch.autograd.functional.hvp', 'torch.autograd.functional.vhp'];
const HESSIAN = 'torch.autograd.functional.hessian';

/** Plain positional arguments, or null when keywords/stars/tuples make the shape unknown. */
function plainArgs(ctx: PyContext, call: SyntaxNode, count: number): string[] | null {
  const args = callArgs(ctx.doc, call);
  if (args.length !== count || args.some((a) => a.name !== null || a.star || !isPure(a.value))) return null;
  // A name bound to a tuple literal means several inputs; keep to the single-tensor form.
  if (args.slice(1).some((a) => isTupleVariable(ctx, a.value))) return null;
  return args.map((a) => ctx.text(a.value));
}

function isTupleVariable(ctx: PyContext, node: SyntaxNode): boolean {
  if (node.name !== 'VariableName') return false;
  const assign = ctx.lastAssignment(ctx.text(node), node.from, null);
  const value = assign?.lastChild;
  return value?.name === 'TupleExpression' || value?.name === 'ArrayExpression';
}

function hvpEdits(ctx: PyContext, call: SyntaxNode): TextEdit[] {
  const args = plainArgs(ctx, call, 3);
  if (!args) return [];
  const [f, x, v] = args;
  const jvp = `torch.func.jvp(torch.func.grad(${f}), (${x},), (${v},))[1]`;
  // hvp/vhp return (f(x), H v); `…[1]` needs only the product.
  const parent = call.parent;
  const indexed = parent?.name === 'MemberExpression' && sameNode(parent.firstChild, call) && ctx.text(parent).slice(call.to - parent.from).replace(/\s/g, '') === '[1]';
  const edit = indexed ? ctx.edit(parent.from, parent.to, jvp) : ctx.edit(call.from, call.to, `(${f}(${x}).detach(), ${jvp})`);
  return [...ensureImport(ctx, 'torch'), edit];
}

function hessianEdits(ctx: PyContext, call: SyntaxNode): TextEdit[] {
  const args = plainArgs(ctx, call, 2);
  if (!args) return [];
  return [...ensureImport(ctx, 'torch'), ctx.edit(call.from, call.to, `torch.func.hessian(${args[0]})(${args[1]})`)];
}

export function findTorchFunctional(ctx: PyContext): Finding[] {
  const out: Finding[] = [];
  const whyNot = 'the inputs are not a single plain tensor argument (keywords, tuples or expressions)';
  for (const call of all(ctx.doc, 'CallExpression')) {
    const name = ctx.names.calleeName(call) ?? '';
    if (!HVP.includes(name) && name !== HESSIAN) continue;
    const fn = callArgs(ctx.doc, call)[0]?.value;
    const lossFn = fn && ctx.functions.get(ctx.text(fn));
    const blockers = findBlockers(ctx, lossFn ? [lossFn] : [], []);
    out.push(name === HESSIAN
      ? ctx.finding(call, 'torch-functional-hessian', blockers, hessianEdits(ctx, call), whyNot)
      : ctx.finding(call, 'torch-functional-hvp', blockers, hvpEdits(ctx, call), whyNot));
  }
  return out;
}
