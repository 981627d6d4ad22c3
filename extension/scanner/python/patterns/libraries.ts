/**
 * Meta-learning libraries that differentiate through their own inner step:
 * higher, learn2learn and torchopt. Reported with an explanation, never rewritten.
 */
import type { Finding } from '../../findings.js';
import { all, keyword, within, type SyntaxNode } from '../parse.js';
import type { PyContext } from '../context.js';
import { findBlockers } from '../blockers.js';

const L2L_SECOND_ORDER = ['learn2learn.algorithms.MAML', 'learn2learn.algorithms.MetaSGD', 'learn2learn.algorithms.maml.MAML'];
const TORCHOPT_META = ['torchopt.MetaSGD', 'torchopt.MetaAdam', 'torchopt.MetaAdamW', 'torchopt.MetaRMSProp', 'torchopt.MetaOptimizer'];

function flagIs(ctx: PyContext, call: SyntaxNode, name: string, value: string): boolean {
  const flag = keyword(ctx.doc, call, name);
  return flag !== null && ctx.text(flag) === value;
}

const TORCHMETA_UPDATE = ['torchmeta.utils.gradient_based.gradient_update_parameters', 'torchmeta.utils.gradient_update_parameters'];

/** Is the library's result differentiated again: an outer `.backward()` or `torch.autograd.grad` in the same function (or module)? */
function differentiatedAgain(ctx: PyContext, call: SyntaxNode): boolean {
  let scope: SyntaxNode = ctx.doc.tree.topNode;
  for (let p = call.parent; p; p = p.parent) if (p.name === 'FunctionDefinition') { scope = p; break; }
  return within(ctx.doc, 'CallExpression', scope).some((c) => {
    if (c.from === call.from) return false;
    const name = ctx.names.calleeName(c);
    if (name === 'torch.autograd.grad' || name === 'torch.autograd.backward') return true;
    const callee = c.firstChild;
    return callee?.name === 'MemberExpression' && ctx.text(callee.lastChild!) === 'backward';
  });
}

export function findLibraries(ctx: PyContext): Finding[] {
  const out: Finding[] = [];
  for (const call of all(ctx.doc, 'CallExpression')) {
    const name = (ctx.names.calleeName(call) ?? '').replace(/^l2l\./, 'learn2learn.');
    const blockers = () => findBlockers(ctx, [call], []);
    const known = name === 'higher.innerloop_ctx' || name === 'higher.get_diff_optim' || L2L_SECOND_ORDER.includes(name) ||
      name.endsWith('.adapt') || TORCHOPT_META.includes(name) || TORCHMETA_UPDATE.includes(name);
    // A differentiable optimiser whose result nobody differentiates (a test loop) costs nothing extra.
    if (!known || !differentiatedAgain(ctx, call)) continue;
    if (TORCHMETA_UPDATE.includes(name) && !flagIs(ctx, call, 'first_order', 'True')) {
      out.push(ctx.finding(call, 'torchmeta-gradient-update', blockers(), [], '', 'library-inner-step'));
    } else if (name === 'higher.get_diff_optim' && !flagIs(ctx, call, 'track_higher_grads', 'False')) {
      out.push(ctx.finding(call, 'higher-innerloop', blockers(), [], '', 'library-inner-step'));
    } else if (name === 'higher.innerloop_ctx' && !flagIs(ctx, call, 'track_higher_grads', 'False')) {
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
