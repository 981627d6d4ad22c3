/**
 * torch.func `grad(loss)(…)` / `grad_and_value(loss)(…)` run in an inner loop whose result is
 * differentiated again by ordinary autograd (`.backward()` or `torch.autograd.grad`), as in
 * functorch's MAML examples, also under `vmap` over tasks. A single inner step (no loop) counts
 * when its function is called, directly or through lambdas, partials and vmap, from the code
 * that runs the outer differentiation. The inner transform becomes
 * `mixflow_grad(loss)` (the same gradient through MixFlowInnerGrad); a `vmap` around it becomes
 * `mixflow_task_map`, the same map as a loop, because autograd.Function does not run under vmap.
 */
import type { Finding, TextEdit } from '../../findings.js';
import { all, callArgs, isWithin, loopAncestor, positional, sameNode, type SyntaxNode } from '../parse.js';
import type { PyContext } from '../context.js';
import { Transforms } from '../transforms.js';
import { findBlockers, involvedFunctions, lossBlockers, mergeBlockers } from '../blockers.js';
import { insertHelper } from '../../rewrite/python-insert.js';
import { TORCH_FUNC_HELPER_NAME, TORCH_HELPER, TASK_MAP_NAME } from '../../rewrite/helpers.js';

const INNER = ['torch.func.grad', 'torch.func.grad_and_value'];
const VMAP = ['torch.func.vmap', 'torch.vmap'];

function enclosingDef(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) if (p.name === 'FunctionDefinition') return p;
  return null;
}

/** Is there an ordinary-autograd differentiation (`.backward()`, `torch.autograd.grad`) outside `loop`? */
function outerAutograd(ctx: PyContext, loop: SyntaxNode): boolean {
  return all(ctx.doc, 'CallExpression').some((c) => !isWithin(c, loop) && isOuterAutograd(ctx, c));
}

/** The code around an outer differentiation: its function, else its top-level statement. */
function scopeOf(node: SyntaxNode): SyntaxNode {
  const def = enclosingDef(node);
  if (def) return def;
  let top = node;
  while (top.parent && top.parent.name !== 'Script') top = top.parent;
  return top;
}

/** Is `def` run (through the file's functions, lambdas and partials) by code that also differentiates by ordinary autograd? */
function calledUnderOuterAutograd(ctx: PyContext, def: SyntaxNode): boolean {
  return all(ctx.doc, 'CallExpression').some((c) => isOuterAutograd(ctx, c) && !isWithin(c, def)
    && involvedFunctions(ctx, [scopeOf(c)]).some((f) => sameNode(f, def)));
}

function isOuterAutograd(ctx: PyContext, c: SyntaxNode): boolean {
  if (ctx.names.calleeName(c) === 'torch.autograd.grad' || ctx.names.calleeName(c) === 'torch.autograd.backward') return true;
  const callee = c.firstChild;
  return callee?.name === 'MemberExpression' && ctx.text(callee.lastChild!) === 'backward';
}

/** `skip`: offsets of inner sites already reported under an outer torch.func transform. */
export function findTorchFuncInner(ctx: PyContext, skip: Set<number>): Finding[] {
  const transforms = new Transforms(ctx);
  const out: Finding[] = [];
  for (const app of all(ctx.doc, 'CallExpression')) {
    const transform = app.firstChild;
    if (transform?.name !== 'CallExpression' || !INNER.includes(ctx.names.calleeName(transform) ?? '')) continue;
    if (skip.has(transform.from)) continue;
    const def = enclosingDef(app);
    const loop = loopAncestor(app, def);
    if (loop ? !outerAutograd(ctx, loop) : !(def && calledUnderOuterAutograd(ctx, def))) continue;
    const fnArg = positional(ctx.doc, transform, 0);
    const lossFn = fnArg ? transforms.resolve(fnArg).fn ?? null : null;
    const edits: TextEdit[] = [...insertHelper(ctx, 'torch', TORCH_HELPER)];
    const withValue = ctx.names.calleeName(transform) === 'torch.func.grad_and_value';
    const args = child0(ctx, transform);
    edits.push(ctx.edit(transform.from, transform.to, `${TORCH_FUNC_HELPER_NAME}(${args}${withValue ? ', with_value=True' : ''})`));
    const vmaps = vmapsAround(ctx, transforms, app);
    for (const v of vmaps) {
      if (callArgs(ctx.doc, v).length !== 1) {
        edits.length = 0;
        break;
      }
      edits.push(ctx.edit(v.firstChild!.from, v.firstChild!.to, TASK_MAP_NAME));
    }
    const blockers = mergeBlockers(findBlockers(ctx, lossFn ? [lossFn] : [], []), lossBlockers(ctx, lossFn ? [lossFn] : []));
    out.push(ctx.finding(transform, 'torch-func-unrolled-inner-loop', blockers, edits,
      'vmap is called with in_dims/out_dims or other options; the MixFlow inner gradient runs only outside vmap (mixflow_task_map maps over dim 0 only)'));
  }
  return out;
}

function child0(ctx: PyContext, transform: SyntaxNode): string {
  const list = transform.lastChild;
  return list?.name === 'ArgList' ? ctx.text(list).slice(1, -1).trim() : '';
}

/** `vmap(f)` calls whose function runs `app` (through partial and the file's functions). */
function vmapsAround(ctx: PyContext, transforms: Transforms, app: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const v of all(ctx.doc, 'CallExpression')) {
    if (!VMAP.includes(ctx.names.calleeName(v) ?? '')) continue;
    const fn = transforms.resolve(positional(ctx.doc, v, 0)).fn;
    if (fn && involvedFunctions(ctx, [fn]).some((f) => isWithin(app, f) && !sameNode(f, app))) out.push(v);
  }
  return out;
}
