/**
 * Exact rewrites for JAX / torch.func reverse-over-reverse: HVPs become a jvp of
 * the gradient, Hessians become jacfwd over the inner reverse transform, and
 * inner gradients in loops get the custom-VJP MixFlow helper (JAX).
 */
import type { TextEdit } from '../findings.js';
import type { PyContext } from '../python/context.js';
import { callArgs, child, children, isPure, sameNode, type SyntaxNode } from '../python/parse.js';
import { dotPartner } from '../python/dot-forms.js';
import type { Framework, Site } from '../python/transforms.js';
import { ensureImport, insertHelper } from './python-insert.js';
import { JAX_HELPER, JAX_HELPER_NAME, JAX_VALUE_AND_GRAD_NAME } from './helpers.js';

const GRADS = ['jax.grad', 'torch.func.grad'];
const INNER_HESSIAN = ['jax.grad', 'jax.jacrev', 'torch.func.grad', 'torch.func.jacrev'];
const OUTER_HESSIAN = ['jax.grad', 'jax.jacrev', 'torch.func.grad', 'torch.func.jacrev'];

function moduleOf(fw: Framework): 'jax' | 'torch' {
  return fw === 'jax' ? 'jax' : 'torch';
}

/** `grad(f)` with exactly one plain positional argument: the f. */
function plainGradOf(ctx: PyContext, call: SyntaxNode | null): string | null {
  if (!call || call.name !== 'CallExpression' || !GRADS.includes(ctx.names.calleeName(call) ?? '')) return null;
  const args = callArgs(ctx.doc, call);
  return args.length === 1 && args[0].name === null && isPure(args[0].value) ? ctx.text(args[0].value) : null;
}

function jvpOfGrad(fw: Framework, f: string, x: string, v: string): string {
  return `${fw}.jvp(${fw}.grad(${f}), (${x},), (${v},))[1]`;
}

/** `grad(lambda x: vdot(grad(f)(x), v))(x0)` -> `jvp(grad(f), (x0,), (v,))[1]` */
export function rewriteLambdaHvp(ctx: PyContext, fw: Framework, outer: SyntaxNode, lambda: SyntaxNode): TextEdit[] | null {
  const application = outer.parent;
  if (!GRADS.includes(ctx.names.calleeName(outer) ?? '') || callArgs(ctx.doc, outer).length !== 1) return null;
  if (application?.name !== 'CallExpression' || !sameNode(application.firstChild, outer)) return null;
  const point = callArgs(ctx.doc, application);
  const params = children(child(lambda, 'ParamList') ?? lambda).filter((k) => k.name === 'VariableName');
  if (point.length !== 1 || point[0].name !== null || !isPure(point[0].value) || params.length !== 1) return null;
  const param = ctx.text(params[0]);
  let f: string | null = null;
  const isGradAtParam = (n: SyntaxNode | null) => {
    if (n?.name !== 'CallExpression') return false;
    const args = callArgs(ctx.doc, n);
    const inner = plainGradOf(ctx, n.firstChild);
    if (!inner || args.length !== 1 || ctx.text(args[0].value) !== param) return false;
    f = inner;
    return true;
  };
  const body = ctx.body(lambda);
  const v = body && dotPartner(ctx, body, isGradAtParam);
  if (!v || !f || !isPure(v) || ctx.text(v) === param) return null;
  const edit = ctx.edit(application.from, application.to, jvpOfGrad(fw, f, ctx.text(point[0].value), ctx.text(v)));
  return [...ensureImport(ctx, moduleOf(fw)), edit];
}

/** `vjp(grad(f), x)[1](v)` -> `(jvp(grad(f), (x,), (v,))[1],)` */
export function rewriteVjpOfGrad(ctx: PyContext, fw: Framework, outer: SyntaxNode, inner: SyntaxNode): TextEdit[] | null {
  if (!(ctx.names.calleeName(outer) ?? '').endsWith('.vjp')) return null;
  const f = plainGradOf(ctx, inner);
  const args = callArgs(ctx.doc, outer);
  const index = outer.parent;
  const application = index?.parent;
  if (!f || args.length !== 2 || !isPure(args[1].value) || index?.name !== 'MemberExpression' || application?.name !== 'CallExpression') return null;
  if (ctx.text(index).slice(outer.to - index.from).replace(/\s/g, '') !== '[1]' || !sameNode(application.firstChild, index)) return null;
  const v = callArgs(ctx.doc, application);
  if (v.length !== 1 || v[0].name !== null || !isPure(v[0].value)) return null;
  const edit = ctx.edit(application.from, application.to, `(${jvpOfGrad(fw, f, ctx.text(args[1].value), ctx.text(v[0].value))},)`);
  return [...ensureImport(ctx, moduleOf(fw)), edit];
}

/** `jacrev(jacrev(f))` -> `jacfwd(jacrev(f))`: the same Hessian, forward over reverse. */
export function rewriteJacrevJacrev(ctx: PyContext, fw: Framework, outer: SyntaxNode, inner: SyntaxNode): TextEdit[] {
  const outerArgs = callArgs(ctx.doc, outer);
  if (!OUTER_HESSIAN.includes(ctx.names.calleeName(outer) ?? '') || !INNER_HESSIAN.includes(ctx.names.calleeName(inner) ?? '')) return [];
  if (outerArgs.length !== 1 || !outer.firstChild) return [];
  return [...ensureImport(ctx, moduleOf(fw)), ctx.edit(outer.firstChild.from, outer.firstChild.to, `${fw}.jacfwd`)];
}

/**
 * Inner `jax.grad(loss[, has_aux=…])` / `jax.value_and_grad(loss[, has_aux=…])` in the loop become
 * `mixflow_grad(loss, …)` / `mixflow_value_and_grad(loss, …)` (custom_vjp, jvp-of-grad backward).
 */
export function rewriteUnrolledJax(ctx: PyContext, sites: Site[]): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const site of sites) {
    const t = site.transform;
    const name = t ? ctx.names.calleeName(t) : null;
    if (!t || (name !== 'jax.grad' && name !== 'jax.value_and_grad')) return [];
    const args = callArgs(ctx.doc, t);
    const fn = args[0];
    if (!fn || fn.name !== null || fn.star || !(isPure(fn.value) || fn.value.name === 'LambdaExpression')) return [];
    if (args.slice(1).some((a) => a.name !== 'has_aux' && !(a.name === 'argnums' && ctx.text(a.value) === '0'))) return [];
    const hasAux = args.find((a) => a.name === 'has_aux');
    const helper = name === 'jax.grad' ? JAX_HELPER_NAME : JAX_VALUE_AND_GRAD_NAME;
    edits.push(ctx.edit(t.from, t.to, `${helper}(${ctx.text(fn.value)}${hasAux ? `, has_aux=${ctx.text(hasAux.value)}` : ''})`));
  }
  return edits.length === 0 ? [] : [...insertHelper(ctx, 'jax', JAX_HELPER), ...edits];
}
