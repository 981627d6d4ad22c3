/**
 * Which code runs a reverse-mode gradient: for a function (def or lambda), the
 * gradient calls it executes, directly or through functions it references,
 * and whether they run inside a loop (Python for/while, lax.scan, fori_loop).
 * Shared by JAX and torch.func, whose transforms have the same shape.
 */
import { callArgs, child, positional, sameNode, type SyntaxNode } from './parse.js';
import type { PyContext } from './context.js';

export type Framework = 'jax' | 'torch.func';

export const REVERSE: Record<string, Framework> = {
  'jax.grad': 'jax', 'jax.value_and_grad': 'jax', 'jax.jacrev': 'jax', 'jax.vjp': 'jax',
  'torch.func.grad': 'torch.func', 'torch.func.grad_and_value': 'torch.func', 'torch.func.jacrev': 'torch.func', 'torch.func.vjp': 'torch.func',
};
const FORWARD = ['jax.jvp', 'jax.jacfwd', 'jax.hessian', 'jax.linearize', 'torch.func.jvp', 'torch.func.jacfwd', 'torch.func.hessian'];
const LOOPS = ['jax.lax.scan', 'jax.lax.fori_loop', 'jax.lax.while_loop', 'jax.lax.map'];
/** Calls whose first argument is the function that actually runs. */
const WRAPPERS = ['jax.jit', 'functools.partial', 'jax.checkpoint', 'jax.remat', 'jax.vmap', 'torch.func.vmap', 'torch.vmap'];
const OPAQUE = ['jax.custom_vjp', 'jax.custom_jvp'];

export interface Site {
  /** The gradient call (or optax update) that runs. */
  node: SyntaxNode;
  /** The transform call creating the gradient function (`jax.grad(f)`), when known. */
  transform: SyntaxNode | null;
  kind: 'grad' | 'optax';
  inLoop: boolean;
}

export class Transforms {
  private readonly memo = new Map<SyntaxNode, Site[]>();

  constructor(private readonly ctx: PyContext) {}

  reverseFramework(call: SyntaxNode): Framework | null {
    return REVERSE[this.ctx.names.calleeName(call) ?? ''] ?? null;
  }

  /** A function-valued expression, looked through names, jit and partial. */
  resolve(expr: SyntaxNode | null, depth = 0): { fn?: SyntaxNode; transform?: SyntaxNode } {
    if (!expr || depth > 8) return {};
    if (expr.name === 'LambdaExpression') return { fn: expr };
    if (expr.name === 'VariableName') {
      const fn = this.ctx.functionAt(this.ctx.text(expr), expr);
      if (fn) return this.isOpaque(fn) ? {} : { fn };
      return this.resolve(this.ctx.assignedCalls.get(this.ctx.text(expr)) ?? null, depth + 1);
    }
    if (expr.name !== 'CallExpression') return {};
    if (this.reverseFramework(expr)) return { transform: expr };
    const name = this.ctx.names.calleeName(expr) ?? '';
    return WRAPPERS.includes(name) ? this.resolve(positional(this.ctx.doc, expr, 0), depth + 1) : {};
  }

  /** custom_vjp/custom_jvp functions: their derivative is their own rule, not their body. */
  isOpaque(fn: SyntaxNode): boolean {
    if (fn.name !== 'FunctionDefinition') return false;
    if (this.ctx.decorators(fn).some((d) => OPAQUE.includes(d))) return true;
    const name = this.ctx.text(child(fn, 'VariableName') ?? fn);
    const wrapped = this.ctx.assignedCalls.get(name);
    return wrapped !== undefined && OPAQUE.includes(this.ctx.names.calleeName(wrapped) ?? '');
  }

  /** Gradient calls executed when `fn` runs. */
  sites(fn: SyntaxNode): Site[] {
    const known = this.memo.get(fn);
    if (known) return known;
    this.memo.set(fn, []); // recursion guard
    const out: Site[] = [];
    const body = this.ctx.body(fn);
    if (body && !this.isOpaque(fn)) this.visit(body, false, out, fn);
    this.memo.set(fn, out);
    return out;
  }

  private visit(node: SyntaxNode, inLoop: boolean, out: Site[], self: SyntaxNode): void {
    switch (node.name) {
      case 'FunctionDefinition':
      case 'ClassDefinition':
        return; // runs only when referenced
      case 'ForStatement':
      case 'WhileStatement':
        for (let kid = node.firstChild; kid; kid = kid.nextSibling) this.visit(kid, true, out, self);
        return;
      case 'VariableName':
        this.visitName(node, inLoop, out, self);
        return;
      case 'CallExpression':
        if (this.visitCall(node, inLoop, out, self)) return;
        break;
    }
    for (let kid = node.firstChild; kid; kid = kid.nextSibling) this.visit(kid, inLoop, out, self);
  }

  private visitName(node: SyntaxNode, inLoop: boolean, out: Site[], self: SyntaxNode): void {
    const { fn } = this.resolve(node);
    if (!fn || sameNode(fn, self)) return;
    for (const site of this.sites(fn)) out.push({ ...site, inLoop: site.inLoop || inLoop });
  }

  /** Returns true when the call's children need no further visit. */
  private visitCall(call: SyntaxNode, inLoop: boolean, out: Site[], self: SyntaxNode): boolean {
    const ctx = this.ctx;
    const name = ctx.names.calleeName(call) ?? '';
    const callee = call.firstChild;
    if (REVERSE[name]) {
      const args = callArgs(ctx.doc, call);
      const insideForward = call.parent?.name === 'ArgList' && FORWARD.includes(ctx.names.calleeName(call.parent.parent!) ?? '');
      if (!insideForward) out.push({ node: call, transform: call, kind: 'grad', inLoop });
      for (const a of args.slice(1)) this.visit(a.value, inLoop, out, self);
      return true;
    }
    if (LOOPS.includes(name)) {
      for (const a of callArgs(ctx.doc, call)) this.visit(a.value, true, out, self);
      return true;
    }
    if (callee?.name === 'MemberExpression' && /^def(vjp|jvp)$/.test(ctx.text(callee.lastChild ?? callee))) return true;
    if (callee?.name === 'VariableName') {
      const { transform } = this.resolve(callee);
      if (transform) out.push({ node: call, transform, kind: 'grad', inLoop });
    }
    if (this.isOptaxUpdate(call)) out.push({ node: call, transform: null, kind: 'optax', inLoop });
    return false;
  }

  private isOptaxUpdate(call: SyntaxNode): boolean {
    const ctx = this.ctx;
    if (ctx.names.calleeName(call) === 'optax.apply_updates') return true;
    const callee = call.firstChild;
    if (callee?.name !== 'MemberExpression' || ctx.text(callee.lastChild ?? callee) !== 'update') return false;
    const receiver = callee.firstChild;
    const made = receiver?.name === 'VariableName' ? ctx.assignedCalls.get(ctx.text(receiver)) : receiver;
    return made?.name === 'CallExpression' && (ctx.names.calleeName(made) ?? '').startsWith('optax.');
  }
}
