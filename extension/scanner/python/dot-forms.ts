/**
 * Recognises inner products `u·v` written the usual ways (vdot/dot/@/sum of a
 * product), so an HVP `grad(g·v)` can be recognised in PyTorch and JAX code alike.
 */
import { callArgs, child, positional, type SyntaxNode } from './parse.js';
import type { PyContext } from './context.js';

const DOT_FUNCTIONS = ['torch.dot', 'torch.vdot', 'jax.numpy.vdot', 'jax.numpy.dot', 'jax.numpy.inner'];
const SUM_FUNCTIONS = ['torch.sum', 'jax.numpy.sum'];

function operator(ctx: PyContext, binary: SyntaxNode): string {
  const op = child(binary, 'ArithOp');
  return op ? ctx.text(op) : '';
}

/** `(expr).sum()` -> expr */
function sumReceiver(ctx: PyContext, call: SyntaxNode): SyntaxNode | null {
  const callee = call.firstChild;
  if (callee?.name !== 'MemberExpression' || ctx.text(callee.lastChild ?? callee) !== 'sum' || callArgs(ctx.doc, call).length > 0) return null;
  const receiver = callee.firstChild;
  return receiver?.name === 'ParenthesizedExpression' ? receiver.firstChild?.nextSibling ?? null : null;
}

/**
 * If `expr` is an inner product of something matching `isTarget` with another
 * expression, returns that other expression (the vector v), else null.
 */
export function dotPartner(ctx: PyContext, expr: SyntaxNode, isTarget: (n: SyntaxNode | null) => boolean): SyntaxNode | null {
  const other = (a: SyntaxNode | null, b: SyntaxNode | null) => (isTarget(a) ? b : isTarget(b) ? a : null);
  if (expr.name === 'ParenthesizedExpression') return expr.firstChild?.nextSibling ? dotPartner(ctx, expr.firstChild.nextSibling, isTarget) : null;
  if (expr.name === 'BinaryExpression' && operator(ctx, expr) === '@') return other(expr.firstChild, expr.lastChild);
  if (expr.name !== 'CallExpression') return null;
  const name = ctx.names.calleeName(expr) ?? '';
  if (DOT_FUNCTIONS.includes(name)) return other(positional(ctx.doc, expr, 0), positional(ctx.doc, expr, 1));
  const product = SUM_FUNCTIONS.includes(name) && callArgs(ctx.doc, expr).length === 1 ? positional(ctx.doc, expr, 0) : sumReceiver(ctx, expr);
  if (product?.name === 'BinaryExpression' && operator(ctx, product) === '*') return other(product.firstChild, product.lastChild);
  const callee = expr.firstChild;
  if (callee?.name === 'MemberExpression' && ctx.text(callee.lastChild ?? callee) === 'dot' && isTarget(callee.firstChild)) {
    return positional(ctx.doc, expr, 0);
  }
  return null;
}
