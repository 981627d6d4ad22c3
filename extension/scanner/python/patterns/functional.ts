/**
 * JAX and torch.func: a reverse-mode transform (grad, jacrev, vjp, …) applied to
 * a function that itself runs a reverse-mode gradient.
 */
import type { Finding, PatternId } from '../../findings.js';
import { all, callArgs, type SyntaxNode } from '../parse.js';
import type { PyContext } from '../context.js';
import { findBlockers } from '../blockers.js';
import { Transforms, type Framework, type Site } from '../transforms.js';
import { rewriteJacrevJacrev, rewriteLambdaHvp, rewriteUnrolledJax, rewriteVjpOfGrad } from '../../rewrite/functional.js';

type Shape = 'hvp' | 'jacrev-jacrev' | 'grad-of-grad' | 'unrolled-inner-loop';

function patternId(fw: Framework, shape: Shape): PatternId {
  if (fw === 'jax') return `jax-${shape}` as PatternId;
  return `torch-func-${shape}` as PatternId;
}

export function findFunctional(ctx: PyContext): Finding[] {
  const transforms = new Transforms(ctx);
  const out = new Map<string, Finding>();
  const add = (f: Finding) => {
    const key = `${f.pattern}:${f.line}:${f.column}`;
    if (!out.has(key)) out.set(key, f);
  };
  for (const outer of all(ctx.doc, 'CallExpression')) {
    const fw = transforms.reverseFramework(outer);
    const fnArg = fw && callArgs(ctx.doc, outer)[0];
    if (!fw || !fnArg || fnArg.name !== null) continue;
    const resolved = transforms.resolve(fnArg.value);
    if (resolved.transform) {
      add(nestedTransform(ctx, fw, outer, resolved.transform));
      continue;
    }
    if (!resolved.fn) continue;
    const sites = transforms.sites(resolved.fn);
    if (sites.length === 0) continue;
    const hvp = fnArg.value.name === 'LambdaExpression' ? rewriteLambdaHvp(ctx, fw, outer, fnArg.value) : null;
    if (hvp) {
      add(ctx.finding(outer, patternId(fw, 'hvp'), [], hvp));
    } else if (sites.some((s) => s.kind === 'optax')) {
      // The inner gradient that feeds opt.update is the site to rewrite: optax itself is plain
      // arithmetic the outer transform differentiates as usual. With no reverse gradient inside
      // (already mixflow_grad, or computed elsewhere) there is nothing reverse-over-reverse here.
      for (const site of sites.filter((s) => s.kind === 'grad')) add(unrolled(ctx, fw, site));
    } else if (sites.some((s) => s.inLoop)) {
      // Every inner gradient call is its own site (a grad function shared by several loops too).
      for (const site of sites.filter((s) => s.inLoop && s.kind === 'grad')) add(unrolled(ctx, fw, site));
    } else {
      add(ctx.finding(outer, patternId(fw, 'grad-of-grad'), [], []));
    }
  }
  return [...out.values()];
}

/** jacrev(jacrev(f)), grad(grad(f)), vjp(grad(f), x): the inner transform is applied directly. */
function nestedTransform(ctx: PyContext, fw: Framework, outer: SyntaxNode, inner: SyntaxNode): Finding {
  const vjp = rewriteVjpOfGrad(ctx, fw, outer, inner);
  if (vjp) return ctx.finding(outer, patternId(fw, 'hvp'), [], vjp);
  return ctx.finding(outer, patternId(fw, 'jacrev-jacrev'), [], rewriteJacrevJacrev(ctx, fw, outer, inner),
    'the outer transform is vjp/value_and_grad or passes options that jacfwd does not share');
}

/** The meta-gradient flows through an inner loop: reported at each inner gradient call. */
function unrolled(ctx: PyContext, fw: Framework, site: Site): Finding {
  const fnArg = site.transform && callArgs(ctx.doc, site.transform)[0]?.value;
  const lossFn = fnArg ? ctx.functions.get(ctx.text(fnArg)) ?? (fnArg.name === 'LambdaExpression' ? fnArg : undefined) : undefined;
  const blockers = findBlockers(ctx, lossFn ? [lossFn] : [], []);
  if (fw !== 'jax') {
    return ctx.finding(site.node, patternId(fw, 'unrolled-inner-loop'), blockers, [],
      'the outer differentiation is itself a torch.func transform, and the MixFlow inner gradient is an autograd.Function, ' +
      'which torch.func transforms do not differentiate; take the meta-gradient with .backward() or torch.autograd.grad, then the rewrite is offered',
      'functional-outer-transform');
  }
  return ctx.finding(site.node, patternId(fw, 'unrolled-inner-loop'), blockers, rewriteUnrolledJax(ctx, [site]),
    'the inner gradient is not jax.grad/jax.value_and_grad of a function with argnums=0');
}
