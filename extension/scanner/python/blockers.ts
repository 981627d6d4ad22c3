/**
 * Things that stop an exact rewrite to mixed mode: forward-mode (jvp) support is
 * missing or the inner step is not a pure function of its inputs.
 */
import type { Blocker, BlockerId } from '../findings.js';
import { all, children, namesIn, within, type SyntaxNode } from './parse.js';
import type { PyContext } from './context.js';

const FUSED_ATTENTION = [
  'torch.nn.functional.scaled_dot_product_attention',
  'xformers.ops.memory_efficient_attention',
  'flash_attn.flash_attn_func',
  'flash_attn.flash_attn_qkvpacked_func',
];
const CUSTOM_VJP = ['jax.custom_vjp'];

/** `roots` plus every function of the file they reference by name, transitively. */
export function involvedFunctions(ctx: PyContext, roots: SyntaxNode[]): SyntaxNode[] {
  const seen = new Set<SyntaxNode>();
  const queue = [...roots];
  while (queue.length > 0) {
    const fn = queue.pop()!;
    if (seen.has(fn)) continue;
    seen.add(fn);
    for (const name of namesIn(ctx.doc, fn)) {
      const callee = ctx.functions.get(name);
      if (callee && !seen.has(callee)) queue.push(callee);
    }
  }
  return [...seen];
}

/** Classes deriving from torch.autograd.Function that define no `jvp` staticmethod. */
const customFunctionsCache = new WeakMap<PyContext, Set<string>>();

function customFunctionsWithoutJvp(ctx: PyContext): Set<string> {
  const known = customFunctionsCache.get(ctx);
  if (known) return known;
  const out = new Set<string>();
  customFunctionsCache.set(ctx, out);
  for (const cls of all(ctx.doc, 'ClassDefinition')) {
    const bases = cls.getChild('ArgList');
    const isFunction = bases && children(bases).some((b) => ctx.names.qualify(b) === 'torch.autograd.Function');
    if (!isFunction) continue;
    const body = cls.getChild('Body');
    const methods = body ? namesOfMethods(ctx, body) : [];
    if (!methods.includes('jvp')) out.add(ctx.text(cls.getChild('VariableName')!));
  }
  return out;
}

function namesOfMethods(ctx: PyContext, body: SyntaxNode): string[] {
  const names: string[] = [];
  for (const kid of children(body)) {
    const def = kid.name === 'DecoratedStatement' ? kid.getChild('FunctionDefinition') : kid;
    if (def?.name === 'FunctionDefinition') names.push(ctx.text(def.getChild('VariableName')!));
  }
  return names;
}

function blocker(ctx: PyContext, id: BlockerId, node: SyntaxNode, message: string): Blocker {
  const pos = ctx.doc.lines.position(node.from);
  return { id, message, line: pos.line, column: pos.column };
}

/**
 * Blockers found in the functions involved in one finding. `params` are the names
 * of the differentiated inputs (in-place updates of those break the rewrite).
 */
export function findBlockers(ctx: PyContext, roots: SyntaxNode[], params: string[]): Blocker[] {
  const fns = involvedFunctions(ctx, roots);
  const inScope = (name: string) => fns.flatMap((fn) => within(ctx.doc, name, fn));
  const out: Blocker[] = [];
  const customFns = customFunctionsWithoutJvp(ctx);
  for (const call of inScope('CallExpression')) {
    const name = ctx.names.calleeName(call) ?? '';
    const [head, method] = [name.slice(0, name.lastIndexOf('.')), name.slice(name.lastIndexOf('.') + 1)];
    if (method === 'apply' && customFns.has(head)) {
      out.push(blocker(ctx, 'custom-function-without-jvp', call, `custom autograd.Function ${head} has no jvp staticmethod`));
    } else if (FUSED_ATTENTION.includes(name)) {
      out.push(blocker(ctx, 'fused-attention', call, `${name} (fused attention) has no forward-mode derivative`));
    } else if (name === 'torch.compile') {
      out.push(blocker(ctx, 'torch-compile', call, 'torch.compile does not support forward-over-reverse through this function'));
    } else if (/^[a-z]\w*_$/.test(method) && call.firstChild?.name === 'MemberExpression' && params.includes(head)) {
      out.push(blocker(ctx, 'in-place-parameter-update', call, `in-place update ${head}.${method}() of a differentiated parameter`));
    }
  }
  for (const fn of fns) {
    for (const name of namesIn(ctx.doc, fn)) {
      const assigned = ctx.assignedCalls.get(name);
      if (assigned && ctx.names.calleeName(assigned) === 'torch.compile') {
        out.push(blocker(ctx, 'torch-compile', assigned, `${name} is compiled with torch.compile`));
      }
    }
    const decorators = fn.name === 'FunctionDefinition' ? ctx.decorators(fn) : [];
    if (decorators.includes('torch.compile')) {
      out.push(blocker(ctx, 'torch-compile', fn, 'function is decorated with torch.compile'));
    }
    if (decorators.some((d) => CUSTOM_VJP.includes(d))) {
      out.push(blocker(ctx, 'custom-vjp-in-inner-loss', fn, 'jax.custom_vjp function inside the inner loss has no forward-mode rule'));
    }
  }
  for (const update of inScope('UpdateStatement')) {
    const target = update.firstChild;
    if (!target) continue;
    const hit = [...namesIn(ctx.doc, target)].find((n) => params.includes(n));
    if (hit) out.push(blocker(ctx, 'in-place-parameter-update', update, `in-place update of differentiated parameter ${hit}`));
  }
  return dedupe(out);
}

function dedupe(blockers: Blocker[]): Blocker[] {
  const seen = new Set<string>();
  return blockers.filter((b) => {
    const key = `${b.id}:${b.line}:${b.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
