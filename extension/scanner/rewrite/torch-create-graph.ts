/**
 * Exact rewrites of `autograd.grad(..., create_graph=True)` sites: HVPs become
 * torch.func.jvp of torch.func.grad; unrolled inner gradients go through the
 * MixFlowInnerGrad helper. Both need the loss as a call `f(a, b, …)` of a
 * named function on plain arguments, so the gradient can be re-expressed as a
 * function of the differentiated inputs.
 */
import type { BlockerId, TextEdit } from '../findings.js';
import type { PyContext } from '../python/context.js';
import { assignedValue, callArgs, children, countName, isPure, keyword, positional, sameNode, targetNames, type SyntaxNode } from '../python/parse.js';
import { isLive, lineSpan, liftLoss, statementOf, wrtArgs, type LiftedLoss, type WrtArg } from './lift-loss.js';
import type { Origin } from '../python/patterns/torch-create-graph.js';
import { dotPartner } from '../python/dot-forms.js';
import { ensureImport, insertHelper } from './python-insert.js';
import { TORCH_HELPER, TORCH_HELPER_NAME } from './helpers.js';

const GRAD = 'torch.autograd.grad';

interface LossCall { fn: SyntaxNode; args: SyntaxNode[] }

/** `loss = f(a, b)` (or `f(a, b)` inline) for the loss an origin differentiates. */
function lossCall(ctx: PyContext, origin: Origin): LossCall | null {
  let outputs = positional(ctx.doc, origin.call, 0);
  let assignedAt = origin.call.from;
  if (outputs?.name === 'VariableName') {
    const assign = ctx.lastAssignment(ctx.text(outputs), origin.call.from, origin.scope);
    outputs = assign && targetNames(ctx.doc, assign).length === 1 ? assignedValue(assign) : null;
    assignedAt = assign?.from ?? 0;
  }
  if (outputs?.name !== 'CallExpression' || !outputs.firstChild || !isPure(outputs.firstChild)) return null;
  const args = callArgs(ctx.doc, outputs);
  if (args.some((a) => a.name !== null || a.star || !isPure(a.value))) return null;
  // The arguments must still hold the values the loss was computed from.
  const stale = args.some((a) => a.value.name === 'VariableName' &&
    (ctx.lastAssignment(ctx.text(a.value), origin.call.from, origin.scope)?.from ?? -1) > assignedAt);
  return stale ? null : { fn: outputs.firstChild, args: args.map((a) => a.value) };
}

/** Positions of the differentiated inputs among the loss call's arguments. */
function argnums(ctx: PyContext, origin: Origin, loss: LossCall): number[] | null {
  const inputs = positional(ctx.doc, origin.call, 1);
  if (!inputs) return null;
  const names = inputs.name === 'VariableName' ? [inputs]
    : inputs.name === 'TupleExpression' || inputs.name === 'ArrayExpression' ? children(inputs).filter((k) => k.name !== ',' && k.name !== '(' && k.name !== ')' && k.name !== '[' && k.name !== ']') : [];
  if (names.length === 0 || names.some((n) => n.name !== 'VariableName')) return null;
  const argTexts = loss.args.map((a) => ctx.text(a));
  const nums = names.map((n) => argTexts.indexOf(ctx.text(n)));
  return nums.includes(-1) ? null : nums;
}

/** The vector v of an HVP written as grad(g·v, x) / grad(g, x, v), or with g·v in a temporary first; or null. */
export function hvpVector(ctx: PyContext, origin: Origin, diff: SyntaxNode): SyntaxNode | null {
  if (origin.bound.length !== 1 || ctx.names.calleeName(diff) !== GRAD) return null;
  const sameInputs = ctx.text(positional(ctx.doc, diff, 1) ?? diff) === ctx.text(positional(ctx.doc, origin.call, 1) ?? origin.call);
  const outputs = positional(ctx.doc, diff, 0);
  if (!sameInputs || !outputs) return null;
  const g = origin.bound[0];
  const isG = (n: SyntaxNode | null) => n?.name === 'VariableName' && ctx.text(n) === g;
  const temp = dotTemporary(ctx, origin, diff);
  const product = temp ? assignedValue(temp) : outputs;
  const vector = isG(outputs) ? positional(ctx.doc, diff, 2) ?? keyword(ctx.doc, diff, 'grad_outputs') : product && dotPartner(ctx, product, isG);
  return vector && isPure(vector) && ctx.text(vector) !== g ? vector : null;
}

/** `gv = (g * v).sum()` assigned just for `grad(gv, x)`: the temporary holding the product, or null. */
function dotTemporary(ctx: PyContext, origin: Origin, diff: SyntaxNode): SyntaxNode | null {
  const outputs = positional(ctx.doc, diff, 0);
  if (outputs?.name !== 'VariableName' || ctx.text(outputs) === origin.bound[0]) return null;
  const assign = ctx.lastAssignment(ctx.text(outputs), diff.from, origin.scope);
  return assign && assign.from > origin.call.to && targetNames(ctx.doc, assign).length === 1 ? assign : null;
}

/** Removes whole statements whose values nothing reads any more (the temporary, the first gradient). */
function removeDead(ctx: PyContext, origin: Origin, diff: SyntaxNode): TextEdit[] {
  const edits: TextEdit[] = [];
  const at = statementOf(diff);
  const temp = dotTemporary(ctx, origin, diff);
  if (!at) return [];
  const removed: SyntaxNode[] = [];
  if (temp && !isLive(ctx, targetNames(ctx.doc, temp)[0], origin.scope, [temp], at.stmt)) removed.push(temp);
  const first = statementOf(origin.call);
  const g = origin.bound[0];
  const usesOfG = countName(ctx.doc, origin.scope, g);
  const usesInRemoved = countName(ctx.doc, first?.stmt ?? origin.call, g) + removed.reduce((n, s) => n + countName(ctx.doc, s, g), 0) + countName(ctx.doc, diff, g);
  if (first && first.stmt.name === 'AssignStatement' && usesOfG === usesInRemoved && targetNames(ctx.doc, first.stmt).length === 1) removed.push(first.stmt);
  for (const s of removed) {
    if (ctx.doc.text.slice(ctx.doc.lines.lineStart(s.from), s.from).trim() !== '') continue;
    const span = lineSpan(ctx, s);
    edits.push(ctx.edit(span.from, span.to, ''));
  }
  return edits;
}

/** `torch.func.grad(f)` as a function of the argument at `index` only. */
function gradOf(ctx: PyContext, loss: LossCall, index: number): string {
  const f = ctx.text(loss.fn);
  if (loss.args.length === 1) return `torch.func.grad(${f})`;
  const args = loss.args.map((a, i) => (i === index ? 'mixflow_x' : ctx.text(a))).join(', ');
  return `lambda mixflow_x: torch.func.grad(${f}, argnums=${index})(${args})`;
}

export function rewriteHvp(ctx: PyContext, origin: Origin, diff: SyntaxNode): TextEdit[] {
  const loss = lossCall(ctx, origin);
  const nums = loss && argnums(ctx, origin, loss);
  const v = hvpVector(ctx, origin, diff);
  if (!v) return [];
  if (loss && nums && nums.length === 1) {
    const x = ctx.text(loss.args[nums[0]]);
    const jvp = `(torch.func.jvp(${gradOf(ctx, loss, nums[0])}, (${x},), (${ctx.text(v)},))[1],)`;
    const dead = removeDead(ctx, origin, diff);
    const firstRemoved = dead.some((e) => e.range.start.offset <= origin.call.from && origin.call.to <= e.range.end.offset);
    return [...ensureImport(ctx, 'torch'), ctx.edit(diff.from, diff.to, jvp), ...dead, ...(firstRemoved ? deadLossLine(ctx, origin) : []), ...dropCreateGraph(ctx, origin, diff)]
      // An edit inside a removed statement goes with it.
      .filter((e, i, list) => !list.some((o, j) => j !== i && o.range.start.offset <= e.range.start.offset && e.range.end.offset <= o.range.end.offset && o.range.end.offset - o.range.start.offset > e.range.end.offset - e.range.start.offset));
  }
  // The loss is inline: lift it, as for inner loops.
  const lift = liftLoss(ctx, origin.call, origin.scope);
  if ('whyNot' in lift || lift.lifted.wrt.length !== 1) return [];
  const { lifted } = lift;
  const fn = lifted.captured.length === 0 ? `torch.func.grad(${lifted.name})`
    : `lambda mixflow_x: torch.func.grad(${lifted.name})(mixflow_x, ${lifted.captured.join(', ')})`;
  const jvp = `(torch.func.jvp(${fn}, (${lifted.wrt[0].arg},), (${ctx.text(v)},))[1],)`;
  const dead = removeDead(ctx, origin, diff);
  if (!dead.some((e) => e.range.start.offset <= origin.call.from && origin.call.to <= e.range.end.offset)) {
    return []; // the first gradient is still read elsewhere: keep the site as it is
  }
  return [...ensureImport(ctx, 'torch'), ...placeLifted(ctx, lifted), ctx.edit(diff.from, diff.to, jvp), ...dead];
}

/** `grad(vjp, u, grad_outputs=v)` with `vjp = grad(f(x), x, u, create_graph=True)` -> `(jvp(f, (x,), (v,))[1],)` */
export function rewriteDoubleBackwardJvp(ctx: PyContext, origin: Origin, diff: SyntaxNode): TextEdit[] {
  const loss = lossCall(ctx, origin);
  const nums = loss && argnums(ctx, origin, loss);
  const v = positional(ctx.doc, diff, 2) ?? keyword(ctx.doc, diff, 'grad_outputs');
  if (!loss || !nums || nums.length !== 1 || !v || !isPure(v) || callArgs(ctx.doc, diff).length !== 3) return [];
  const f = ctx.text(loss.fn);
  const fn = loss.args.length === 1 ? f : `lambda mixflow_x: ${f}(${loss.args.map((a, i) => (i === nums[0] ? 'mixflow_x' : ctx.text(a))).join(', ')})`;
  const jvp = `(torch.func.jvp(${fn}, (${ctx.text(loss.args[nums[0]])},), (${ctx.text(v)},))[1],)`;
  return [...ensureImport(ctx, 'torch'), ctx.edit(diff.from, diff.to, jvp), ...dropCreateGraph(ctx, origin, diff)];
}

/** Once the HVP no longer needs it, the first gradient need not build a graph. */
function dropCreateGraph(ctx: PyContext, origin: Origin, diff: SyntaxNode): TextEdit[] {
  const uses = countName(ctx.doc, origin.scope, origin.bound[0]);
  const usesInDiff = countName(ctx.doc, diff, origin.bound[0]);
  const flag = keyword(ctx.doc, origin.call, 'create_graph');
  const comma = flag?.prevSibling?.prevSibling?.prevSibling;
  if (uses !== usesInDiff + 1 || !flag || comma?.name !== ',') return [];
  return [ctx.edit(comma.from, flag.to, '')];
}

export interface InnerGradRewrite {
  edits: TextEdit[];
  /** Where the inner loss runs (its statements or function), searched for blockers. */
  lossRoots: SyntaxNode[];
  whyNot: string;
  whyNotId?: BlockerId;
  /** "Extract inner loss into a function": the refactor alone (no change to the maths). */
  extract?: TextEdit[];
}

const ALLOWED_KEYWORDS = ['create_graph', 'retain_graph', 'allow_unused'];

export function rewriteInnerGrad(ctx: PyContext, origin: Origin): InnerGradRewrite {
  const extra = callArgs(ctx.doc, origin.call).filter((a) => (a.name === null ? false : !ALLOWED_KEYWORDS.includes(a.name)));
  const positionals = callArgs(ctx.doc, origin.call).filter((a) => a.name === null);
  if (extra.length > 0 || positionals.length !== 2 || positionals.some((a) => a.star)) {
    return { edits: [], lossRoots: [], whyNot: `the inner grad call passes ${extra.map((a) => a.name).join(', ') || 'arguments'} besides outputs, inputs, create_graph, retain_graph and allow_unused` };
  }
  const loss = lossCall(ctx, origin);
  const wrt = wrtArgs(ctx, positional(ctx.doc, origin.call, 1));
  const nums = loss && wrt && wrtPositions(ctx, wrt, loss);
  if (loss && wrt && nums) {
    const args = loss.args.map((a, i) => (nums.includes(i) ? wrt[nums.indexOf(i)].arg : ctx.text(a)));
    const call = `${TORCH_HELPER_NAME}(${ctx.text(loss.fn)}, (${args.join(', ')},), (${nums.join(', ')},))`;
    const lossFn = ctx.functions.get(ctx.text(loss.fn)) ?? null;
    return {
      edits: [...insertHelper(ctx, 'torch', TORCH_HELPER), ...deadLossLine(ctx, origin), ctx.edit(origin.call.from, origin.call.to, call)],
      lossRoots: [lossFn ?? loss.fn], whyNot: '',
    };
  }
  const lift = liftLoss(ctx, origin.call, origin.scope);
  if ('whyNot' in lift) return { edits: [], lossRoots: [], whyNot: lift.whyNot, whyNotId: 'inner-loss-not-a-function' };
  const { lifted } = lift;
  const args = [...lifted.wrt.map((w) => w.arg), ...lifted.captured];
  const call = `${TORCH_HELPER_NAME}(${lifted.name}, (${args.join(', ')},), (${lifted.wrt.map((_, i) => i).join(', ')},))`;
  const outputs = positional(ctx.doc, origin.call, 0)!;
  const callOfLoss = `${lifted.name}(${[...lifted.wrt.map((w) => w.param), ...lifted.captured].join(', ')})`;
  const lossRoots = [...lifted.slice, outputs];
  return {
    edits: [...insertHelper(ctx, 'torch', TORCH_HELPER), ...placeLifted(ctx, lifted), ctx.edit(origin.call.from, origin.call.to, call)],
    lossRoots, whyNot: '',
    extract: [...placeLifted(ctx, lifted), ctx.edit(outputs.from, outputs.to, callOfLoss)],
  };
}

/** The lifted function replaces its (dead) statements, or goes before them when they are still read. */
function placeLifted(ctx: PyContext, lifted: LiftedLoss): TextEdit[] {
  if (lifted.live || lifted.slice.length === 0) return [ctx.edit(lifted.insertAt, lifted.insertAt, lifted.def)];
  const [first, ...rest] = lifted.slice;
  const span = lineSpan(ctx, first);
  return [ctx.edit(span.from, span.to, lifted.def), ...rest.map((s) => {
    const line = lineSpan(ctx, s);
    return ctx.edit(line.from, line.to, '');
  })];
}

/** `loss = f(w, x)` right before the inner grad becomes dead once the helper computes the loss itself. */
function deadLossLine(ctx: PyContext, origin: Origin): TextEdit[] {
  const outputs = positional(ctx.doc, origin.call, 0);
  if (outputs?.name !== 'VariableName') return [];
  const assign = ctx.lastAssignment(ctx.text(outputs), origin.call.from, origin.scope);
  const at = statementOf(origin.call);
  if (!assign || !at || assign.parent?.name !== at.block.name || !sameNode(assign.parent, at.block) || targetNames(ctx.doc, assign).length !== 1) return [];
  if (isLive(ctx, ctx.text(outputs), origin.scope, [assign], at.stmt)) return [];
  if (ctx.doc.text.slice(ctx.doc.lines.lineStart(assign.from), assign.from).trim() !== '') return [];
  const span = lineSpan(ctx, assign);
  return [ctx.edit(span.from, span.to, '')];
}

/** Positions of the differentiated variables among the loss call's arguments. */
function wrtPositions(ctx: PyContext, wrt: WrtArg[], loss: LossCall): number[] | null {
  const argTexts = loss.args.map((a) => ctx.text(a));
  const nums = wrt.map((w) => argTexts.indexOf(w.param));
  return nums.includes(-1) || new Set(nums).size !== nums.length ? null : nums;
}
