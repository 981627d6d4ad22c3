/**
 * Things that stop an exact rewrite to mixed mode: forward-mode (jvp) support is
 * missing or the inner step is not a pure function of its inputs.
 */
import type { Blocker, BlockerId } from '../findings.js';
import { all, callArgs, child, children, keyword, namesIn, positional, RangeMap, within, type SyntaxNode } from './parse.js';
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
    for (const callee of factsOf(ctx, fn).callees) if (!seen.has(callee)) queue.push(callee);
  }
  return [...seen];
}

/**
 * What findBlockers needs from one function (or other root node), computed once
 * per scan: many findings share their loss functions.
 */
interface Facts {
  /** Functions of the file named inside, in order of first mention. */
  callees: SyntaxNode[];
  /** Blocking calls, in document order; `inPlace` ones block only when `head` is a differentiated parameter. */
  calls: { call: SyntaxNode; id: BlockerId; message: string; inPlace: boolean; head: string }[];
  /** Names inside that are bound to `torch.compile(...)`. */
  compiled: { name: string; assigned: SyntaxNode }[];
  decorators: string[];
  /** Augmented assignments and the names in their targets. */
  updates: { update: SyntaxNode; names: string[] }[];
}

/** Per scan: node type -> range -> facts. */
const factsCache = new WeakMap<PyContext, Map<string, RangeMap<Facts>>>();

function factsOf(ctx: PyContext, fn: SyntaxNode): Facts {
  let byType = factsCache.get(ctx);
  if (!byType) factsCache.set(ctx, (byType = new Map()));
  let cache = byType.get(fn.name);
  if (!cache) byType.set(fn.name, (cache = new RangeMap()));
  return cache.get(fn) ?? cache.set(fn, collectFacts(ctx, fn));
}

function collectFacts(ctx: PyContext, fn: SyntaxNode): Facts {
  const names = namesIn(ctx.doc, fn);
  const callees: SyntaxNode[] = [];
  const compiled: Facts['compiled'] = [];
  for (const name of names) {
    const callee = ctx.functions.get(name);
    if (callee) callees.push(callee);
    const assigned = ctx.assignedCalls.get(name);
    if (assigned && ctx.names.calleeName(assigned) === 'torch.compile') compiled.push({ name, assigned });
  }
  const customFns = customFunctionsWithoutJvp(ctx);
  const calls: Facts['calls'] = [];
  for (const call of within(ctx.doc, 'CallExpression', fn)) {
    const name = ctx.names.calleeName(call) ?? '';
    const dot = name.lastIndexOf('.');
    const method = dot < 0 ? name : name.slice(dot + 1);
    const inPlace = method.endsWith('_') && /^[a-z]\w*_$/.test(method) && call.firstChild?.name === 'MemberExpression';
    if (method !== 'apply' && !inPlace && name !== 'torch.compile' && !FUSED_ATTENTION.includes(name)) continue;
    const head = name.slice(0, dot);
    if (method === 'apply' && customFns.has(head)) {
      calls.push({ call, id: 'custom-function-without-jvp', message: `custom autograd.Function ${head} has no jvp staticmethod`, inPlace: false, head });
    } else if (FUSED_ATTENTION.includes(name)) {
      calls.push({ call, id: 'fused-attention', message: `${name} (fused attention) has no forward-mode derivative`, inPlace: false, head });
    } else if (name === 'torch.compile') {
      calls.push({ call, id: 'torch-compile', message: 'torch.compile does not support forward-over-reverse through this function', inPlace: false, head });
    } else if (inPlace) {
      calls.push({ call, id: 'in-place-parameter-update', message: `${ctx.text(call).replace(/\s+/g, ' ').slice(0, 60)} updates the differentiated parameter ${head} in place: autograd and the mixed-mode backward need its old value; write ${head} = ${head} - lr * g`, inPlace: true, head });
    }
  }
  const decorators = fn.name === 'FunctionDefinition' ? ctx.decorators(fn) : [];
  const updates: Facts['updates'] = [];
  for (const update of within(ctx.doc, 'UpdateStatement', fn)) {
    const target = update.firstChild;
    if (target) updates.push({ update, names: [...namesIn(ctx.doc, target)] });
  }
  return { callees, calls, compiled, decorators, updates };
}

/** Classes deriving from torch.autograd.Function that define no `jvp` staticmethod. */
const customFunctionsCache = new WeakMap<PyContext, Set<string>>();

function customFunctionsWithoutJvp(ctx: PyContext): Set<string> {
  const known = customFunctionsCache.get(ctx);
  if (known) return known;
  const out = new Set<string>();
  customFunctionsCache.set(ctx, out);
  for (const cls of all(ctx.doc, 'ClassDefinition')) {
    const bases = child(cls, 'ArgList');
    const isFunction = bases && children(bases).some((b) => ctx.names.qualify(b) === 'torch.autograd.Function');
    if (!isFunction) continue;
    const body = child(cls, 'Body');
    const methods = body ? namesOfMethods(ctx, body) : [];
    if (!methods.includes('jvp')) out.add(ctx.text(child(cls, 'VariableName')!));
  }
  return out;
}

function namesOfMethods(ctx: PyContext, body: SyntaxNode): string[] {
  const names: string[] = [];
  for (const kid of children(body)) {
    const def = kid.name === 'DecoratedStatement' ? child(kid, 'FunctionDefinition') : kid;
    if (def?.name === 'FunctionDefinition') names.push(ctx.text(child(def, 'VariableName')!));
  }
  return names;
}

function blocker(ctx: PyContext, id: BlockerId, node: SyntaxNode, message: string): Blocker {
  const pos = ctx.doc.lines.position(node.from);
  const text = ctx.text(node).split('\n')[0].trim();
  return { id, message, line: pos.line, column: pos.column, expression: text.length > 60 ? `${text.slice(0, 57)}...` : text };
}

/**
 * Blockers found in the functions involved in one finding. `params` are the names
 * of the differentiated inputs (in-place updates of those break the rewrite).
 */
export function findBlockers(ctx: PyContext, roots: SyntaxNode[], params: string[]): Blocker[] {
  const fns = involvedFunctions(ctx, roots).map((fn) => ({ fn, facts: factsOf(ctx, fn) }));
  const out: Blocker[] = [];
  for (const { facts } of fns) {
    for (const c of facts.calls) if (!c.inPlace || params.includes(c.head)) out.push(blocker(ctx, c.id, c.call, c.message));
  }
  for (const { fn, facts } of fns) {
    for (const { name, assigned } of facts.compiled) {
      out.push(blocker(ctx, 'torch-compile', assigned, `${name} is compiled with torch.compile`));
    }
    if (facts.decorators.includes('torch.compile')) {
      out.push(blocker(ctx, 'torch-compile', fn, 'function is decorated with torch.compile'));
    }
    if (facts.decorators.some((d) => CUSTOM_VJP.includes(d))) {
      out.push(blocker(ctx, 'custom-vjp-in-inner-loss', fn, 'jax.custom_vjp function inside the inner loss has no forward-mode rule'));
    }
  }
  for (const { facts } of fns) {
    for (const { update, names } of facts.updates) {
      const hit = names.find((n) => params.includes(n));
      if (hit) out.push(blocker(ctx, 'in-place-parameter-update', update, `${ctx.text(update).replace(/\s+/g, ' ').slice(0, 60)} updates the differentiated parameter ${hit} in place: autograd and the mixed-mode backward need its old value; write ${hit} = ${hit} - lr * g`));
    }
  }
  return dedupe(out);
}

function dedupe(blockers: Blocker[]): Blocker[] {
  const seen = new Set<string>();
  return blockers.filter((b) => {
    const key = `${b.id}:${b.line}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const BATCH_NORM = /(^|\.)(BatchNorm[123]d|SyncBatchNorm|LazyBatchNorm[123]d)$/;
const DROPOUT_MODULES = /(^|\.)(Dropout[123]?d?|AlphaDropout|FeatureAlphaDropout)$/;
const RANDOM_CALLS = ['torch.nn.functional.dropout', 'torch.nn.functional.dropout1d', 'torch.nn.functional.dropout2d', 'torch.nn.functional.dropout3d',
  'torch.nn.functional.alpha_dropout', 'torch.dropout', 'torch.bernoulli', 'torch.rand', 'torch.randn', 'torch.rand_like', 'torch.randn_like', 'torch.randint', 'torch.multinomial'];
const TO_PYTHON = ['item', 'numpy', 'tolist'];

function shortText(ctx: PyContext, node: SyntaxNode): string {
  const text = ctx.text(node).replace(/\s+/g, ' ');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function located(ctx: PyContext, id: BlockerId, node: SyntaxNode, message: string): Blocker {
  return blocker(ctx, id, node, message);
}

/** nn.Module subclasses of the file (their bodies run when an instance is called). */
function moduleClasses(ctx: PyContext): Map<string, SyntaxNode> {
  const out = new Map<string, SyntaxNode>();
  for (const cls of all(ctx.doc, 'ClassDefinition')) {
    const bases = child(cls, 'ArgList');
    if (bases && children(bases).some((b) => /(^|\.)Module$/.test(ctx.names.qualify(b) ?? ''))) out.set(ctx.text(child(cls, 'VariableName')!), cls);
  }
  return out;
}

const MODEL_METHODS = ['forward', 'functional_forward', '__call__'];

/** The model a call runs (`model(x)`, `model.functional_forward(x, w)`, `functional_call(model, …)`), or null. */
function modelCalled(ctx: PyContext, call: SyntaxNode): SyntaxNode | null {
  const name = ctx.names.calleeName(call);
  if (name === 'torch.nn.utils.stateless.functional_call' || name === 'torch.func.functional_call') return positional(ctx.doc, call, 0);
  const callee = call.firstChild;
  if (callee?.name === 'VariableName') {
    const text = ctx.text(callee);
    return ctx.functions.has(text) || ctx.names.isImported(text) || !ctx.assignedCalls.has(text) && !isParameter(ctx, call, text) ? null : callee;
  }
  if (callee?.name === 'MemberExpression' && MODEL_METHODS.includes(ctx.text(callee.lastChild!))) return callee.firstChild;
  if (callee?.name === 'MemberExpression' && callee.firstChild?.name === 'MemberExpression' && callee.firstChild.firstChild && ctx.text(callee.firstChild.firstChild) === 'self') {
    return callee.firstChild.firstChild; // self.net(x)
  }
  return null;
}

function isParameter(ctx: PyContext, node: SyntaxNode, name: string): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.name !== 'FunctionDefinition') continue;
    const params = child(p, 'ParamList');
    if (params && children(params).some((k) => k.name === 'VariableName' && ctx.text(k) === name)) return true;
  }
  return false;
}

/**
 * State changes and randomness inside an inner loss: the mixed-mode backward re-runs the loss
 * (forward-over-reverse at the saved inputs), so anything it mutates is mutated again and
 * anything it samples is sampled anew. `roots` are the loss's statements or functions; the
 * file's functions they name and the modules they call are searched too.
 */
export function lossBlockers(ctx: PyContext, roots: SyntaxNode[]): Blocker[] {
  const classes = moduleClasses(ctx);
  const regions = involvedFunctions(ctx, roots);
  const used = new Set<SyntaxNode>();
  for (const region of regions) {
    for (const call of within(ctx.doc, 'CallExpression', region)) {
      const model = modelCalled(ctx, call);
      if (!model) continue;
      const made = model.name === 'VariableName' ? ctx.assignedCalls.get(ctx.text(model)) : undefined;
      const cls = made?.firstChild?.name === 'VariableName' ? classes.get(ctx.text(made.firstChild)) : undefined;
      if (cls) used.add(cls);
      else if (model.name === 'VariableName' && ctx.text(model) === 'self') {
        for (let p = call.parent; p; p = p.parent) if (p.name === 'ClassDefinition') used.add(p);
      } else if (!made) {
        // A model passed in: its class is not known statically, so the file's modules are searched.
        for (const c of classes.values()) used.add(c);
      }
    }
  }
  const out: Blocker[] = [];
  for (const region of [...regions, ...used]) {
    for (const call of within(ctx.doc, 'CallExpression', region)) {
      const name = ctx.names.calleeName(call) ?? '';
      const callee = call.firstChild;
      const method = callee?.name === 'MemberExpression' ? ctx.text(callee.lastChild!) : '';
      if (BATCH_NORM.test(name) && ctx.text(keyword(ctx.doc, call, 'track_running_stats') ?? call) !== 'False') {
        out.push(located(ctx, 'tracked-batchnorm-stats', call, `${shortText(ctx, call)} tracks running statistics: the mixed-mode backward re-runs the loss and would update them again; pass track_running_stats=False (or run the inner loop in eval mode)`));
      } else if (name === 'torch.nn.functional.batch_norm' && positional(ctx.doc, call, 1) && ctx.text(positional(ctx.doc, call, 1)!) !== 'None' &&
        ctx.text(keyword(ctx.doc, call, 'training') ?? positional(ctx.doc, call, 5) ?? call) !== 'False') {
        out.push(located(ctx, 'tracked-batchnorm-stats', call, `${shortText(ctx, call)} updates running statistics in training mode: the mixed-mode backward re-runs the loss and would update them again; pass running_mean=None, running_var=None`));
      } else if (DROPOUT_MODULES.test(name) && name.includes('nn.')) {
        out.push(located(ctx, 'random-in-loss', call, `${shortText(ctx, call)} draws a new mask on every call: the mixed-mode backward re-runs the loss with different masks; remove dropout from the inner loss or put the model in eval mode`));
      } else if (RANDOM_CALLS.includes(name) && ctx.text(keyword(ctx.doc, call, 'training') ?? call) !== 'False') {
        out.push(located(ctx, 'random-in-loss', call, `${shortText(ctx, call)} draws random numbers inside the loss: the mixed-mode backward re-runs it and would draw new ones; sample outside the loss and pass the sample in`));
      } else if (TO_PYTHON.includes(method) && callArgs(ctx.doc, call).length === 0) {
        out.push(located(ctx, 'tensor-to-python', call, `${shortText(ctx, call)} turns a tensor into a Python number inside the loss, which torch.func.grad cannot trace; keep it a tensor (or compute it outside the loss)`));
      }
    }
  }
  return dedupe(out);
}

/**
 * In-place updates of the differentiated parameters in the scope of an inner loop:
 * `w -= lr * g`, `w.sub_(…)`, `p.data.add_(…)`, also through loop variables over them
 * (`for p, g in zip(fast, grads): p.data -= lr * g`).
 */
export function inPlaceBlockers(ctx: PyContext, scope: SyntaxNode, params: string[]): Blocker[] {
  const names = new Set(params);
  for (const loop of within(ctx.doc, 'ForStatement', scope)) {
    const iter = child(loop, 'in')?.nextSibling;
    if (!iter || ![...namesIn(ctx.doc, iter)].some((n) => names.has(n))) continue;
    for (let k = loop.firstChild?.nextSibling ?? null; k && k.name !== 'in'; k = k.nextSibling) for (const n of namesIn(ctx.doc, k)) names.add(n);
  }
  const out: Blocker[] = [];
  for (const update of within(ctx.doc, 'UpdateStatement', scope)) {
    const target = update.firstChild;
    let root = target;
    while (root && root.name === 'MemberExpression') root = root.firstChild;
    if (root?.name === 'VariableName' && names.has(ctx.text(root))) {
      out.push(located(ctx, 'in-place-parameter-update', update, `${shortText(ctx, update)} updates a differentiated parameter in place: autograd and the mixed-mode backward need its old value; write w = w - lr * g`));
    }
  }
  for (const call of within(ctx.doc, 'CallExpression', scope)) {
    const callee = call.firstChild;
    if (callee?.name !== 'MemberExpression' || !/^[a-z]\w*_$/.test(ctx.text(callee.lastChild!))) continue;
    let root: SyntaxNode | null = callee.firstChild;
    while (root && root.name === 'MemberExpression') root = root.firstChild;
    if (root?.name === 'VariableName' && names.has(ctx.text(root)) && !/requires_grad_$/.test(ctx.text(callee.lastChild!))) {
      out.push(located(ctx, 'in-place-parameter-update', call, `${shortText(ctx, call)} updates a differentiated parameter in place: autograd and the mixed-mode backward need its old value; write w = w - lr * g`));
    }
  }
  return out;
}

export function mergeBlockers(...lists: Blocker[][]): Blocker[] {
  return dedupe(lists.flat()).sort((a, b) => a.line - b.line || a.column - b.column);
}
