/**
 * Meta-learning libraries that differentiate through their own inner step:
 * higher, learn2learn and torchopt. Reported with an explanation, never rewritten.
 */
import type { Finding } from '../../findings.js';
import { all, keyword, type SyntaxNode } from '../parse.js';
import type { PyContext } from '../context.js';
import { findBlockers } from '../blockers.js';

const L2L_SECOND_ORDER = ['learn2learn.algorithms.MAML', 'learn2learn.algorithms.MetaSGD', 'learn2learn.algorithms.maml.MAML'];
const TORCHOPT_META = ['torchopt.MetaSGD', 'torchopt.MetaAdam', 'torchopt.MetaAdamW', 'torchopt.MetaRMSProp', 'torchopt.MetaOptimizer'];

function flagIs(ctx: PyContext, call: SyntaxNode, name: string, value: string): boolean {
  const flag = keyword(ctx.doc, call, name);
  return flag !== null && ctx.text(flag) === value;
}

export function findLibraries(ctx: PyContext): Finding[] {
  const out: Finding[] = [];
  for (const call of all(ctx.doc, 'CallExpression')) {
    const name = (ctx.names.calleeName(call) ?? '').replace(/^l2l\./, 'learn2learn.');
    const blockers = () => findBlockers(ctx, [call], []);
    if (name === 'higher.innerloop_ctx' && !flagIs(ctx, call, 'track_higher_grads', 'False')) {
      out.push(ctx.finding(call, 'higher-innerloop', blockers(), [], '', 'library-inner-step'));
    } else if (L2L_SECOND_ORDER.includes(name) && !flagIs(ctx, call, 'first_order', 'True')) {
      // learn2learn defaults to first_order=False, i.e. second order.
      out.push(ctx.finding(call, 'learn2learn-maml-second-order', blockers(), [], '', 'library-inner-step'));
    } else if (name.endsWith('.adapt') && flagIs(ctx, call, 'first_order', 'False')) {
      out.push(ctx.finding(call, 'learn2learn-maml-second-order', blockers(), [], '', 'library-inner-step'));
    } else if (TORCHOPT_META.includes(name)) {
      out.push(ctx.finding(call, 'torchopt-meta-optimizer', blockers(), [], '', 'library-inner-step'));
    }
  }
  return out;
}
