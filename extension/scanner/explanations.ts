/** One-line messages and longer explanations for every pattern, shared by all front ends. */
import type { PatternId } from './findings.js';

interface Text {
  message: string;
  explanation: string;
  /** Why a pattern the rewriter never serves is not rewritten, and what to do instead (one sentence). */
  whyNot?: string;
}

const STORES =
  'Reverse-over-reverse differentiates the backward pass itself, so the outer reverse sweep must keep ' +
  'every intermediate of the inner forward AND inner backward pass alive until it runs';
const MIXED =
  'Forward-over-reverse (MixFlow-MG) computes the same numbers with one jvp of the gradient: by symmetry ' +
  'of the Hessian, the VJP of grad(L) with cotangent v equals jvp(grad(L), x, v), which carries tangents ' +
  'forward alongside the inner backward pass and stores nothing extra beyond one step.';
const TFJS =
  'TensorFlow.js has no forward-mode autodiff, so MixFlow\'s forward-over-reverse cannot run here; the rewrite keeps its ' +
  'memory shape instead: the inner gradient becomes a custom op (gradWithLocalHvp, gradsWithLocalHvp, valueAndGrad(s)WithLocalHvp) ' +
  'whose backward computes that step\'s Hessian-vector product by a local reverse-over-reverse pass on a tape of its own and ' +
  'frees it, so the outer tape keeps each step\'s inputs only. The same numbers; more time (the inner gradient is computed ' +
  'again in the backward). For forward-over-reverse itself, run the meta-gradient in the MixFlow Studio engine (fwdrevGrad).';

export const TEXTS: Record<PatternId, Text> = {
  'torch-create-graph-hvp': {
    message: 'Hessian-vector product by double backward (autograd.grad with create_graph=True, then grad again)',
    explanation: `${STORES}: here the whole graph of the gradient is kept only to take one Hessian-vector product. ${MIXED} ` +
      'Rewrite: torch.func.jvp(torch.func.grad(f), (x,), (v,)).',
  },
  'torch-double-backward-jvp': {
    message: 'Jacobian-vector product via the double-backward trick (grad w.r.t. a dummy cotangent)',
    explanation: `${STORES}: the dummy cotangent makes autograd build and keep a differentiable VJP only to read a JVP back out of it. ` +
      'torch.func.jvp (or torch.autograd.forward_ad) computes the same JVP in one forward sweep with no stored backward graph.',
  },
  'torch-unrolled-inner-loop': {
    message: 'Unrolled inner loop differentiated reverse-over-reverse (create_graph=True inner gradient, outer grad/backward)',
    explanation: `${STORES}: with create_graph=True every inner step keeps the activations of its loss and of its backward pass, ` +
      `so memory grows with the number of inner steps times the size of a backward graph. ${MIXED} ` +
      'Rewrite: the inner gradient becomes MixFlowInnerGrad, an autograd.Function whose forward is the plain gradient ' +
      'and whose backward is torch.func.jvp of torch.func.grad.',
  },
  'torch-create-graph-double-backward': {
    message: 'Gradient taken with create_graph=True and differentiated again (reverse-over-reverse)',
    explanation: `${STORES}. ${MIXED} This site does not match a shape the rewriter can prove equivalent ` +
      '(HVP or inner update of the differentiated inputs); restructure it as grad of a loss function and use torch.func.jvp(torch.func.grad(loss), ...).',
  },
  'torch-backward-create-graph': {
    message: '.backward(create_graph=True) whose .grad is differentiated again (reverse-over-reverse)',
    explanation: `${STORES}; the .grad buffers hold a full differentiable graph. ${MIXED}`,
    whyNot: '.backward() writes .grad as a side effect the rewriter cannot localise; compute the inner gradient with ' +
      'torch.autograd.grad(loss, params, create_graph=True) instead, then the rewrite is offered',
  },
  'torch-functional-hvp': {
    message: 'torch.autograd.functional.hvp/vhp computes the HVP by double backward',
    explanation: `torch.autograd.functional.hvp and vhp are implemented as reverse-over-reverse (a differentiable VJP then a VJP of it). ${MIXED} ` +
      'Rewrite: torch.func.jvp(torch.func.grad(f), (x,), (v,)); vhp equals hvp because the Hessian is symmetric.',
  },
  'torch-functional-hessian': {
    message: 'torch.autograd.functional.hessian builds the Hessian reverse-over-reverse',
    explanation: `torch.autograd.functional.hessian is jacobian(jacobian) in reverse mode: one differentiable backward per row. ${MIXED} ` +
      'Rewrite: torch.func.hessian(f)(x), which is jacfwd(jacrev(f)).',
  },
  'higher-innerloop': {
    message: 'higher (innerloop_ctx / get_diff_optim) differentiates through diffopt.step reverse-over-reverse',
    explanation: `${STORES}: higher keeps a differentiable copy of the parameters and of every inner gradient for each diffopt.step. ${MIXED}`,
    whyNot: 'higher owns the inner step (diffopt.step takes the gradient itself). Migrate: fast = list(model.parameters()); ' +
      'per step loss = loss_fn(fmodel(x, params=fast), y); grads = torch.autograd.grad(loss, fast, create_graph=True); ' +
      'fast = [w - lr * g for w, g in zip(fast, grads)]; then the rewrite is offered',
  },
  'learn2learn-maml-second-order': {
    message: 'learn2learn MAML/MetaSGD with first_order=False adapts with create_graph=True',
    explanation: `${STORES}: every adapt() call keeps the graph of the inner gradient. ${MIXED} Switching to first_order=True would change the maths.`,
    whyNot: 'learn2learn owns the inner step (adapt() takes the gradient itself). Migrate: fast = dict(learner.module.named_parameters()); ' +
      'loss = loss_fn(torch.func.functional_call(learner.module, fast, (x,)), y); grads = torch.autograd.grad(loss, fast.values(), create_graph=True); ' +
      'fast = {n: w - lr * g for (n, w), g in zip(fast.items(), grads)}; then the rewrite is offered',
  },
  'torchopt-meta-optimizer': {
    message: 'torchopt meta-optimizer (MetaSGD/MetaAdam) steps are differentiated reverse-over-reverse',
    explanation: `${STORES}: each meta-optimizer step keeps the differentiable inner gradient. ${MIXED}`,
    whyNot: 'torchopt owns the inner step (step() takes the gradient itself). Migrate: keep the fast weights in a dict, ' +
      'grads = torch.autograd.grad(loss, fast.values(), create_graph=True) and apply the update yourself ' +
      '(torchopt.sgd/adam functional updates work on it); then the rewrite is offered',
  },
  'torchmeta-gradient-update': {
    message: 'torchmeta gradient_update_parameters (first_order=False by default) differentiates its inner step reverse-over-reverse',
    explanation: `${STORES}: the update builds the inner gradient with create_graph=True. ${MIXED}`,
    whyNot: 'torchmeta owns the inner step (gradient_update_parameters takes the gradient itself). Migrate: params = OrderedDict(model.meta_named_parameters()); ' +
      'loss = F.cross_entropy(model(x, params=params), y); grads = torch.autograd.grad(loss, params.values(), create_graph=True); ' +
      'params = OrderedDict((n, p - step_size * g) for (n, p), g in zip(params.items(), grads)); then the rewrite is offered',
  },
  'jax-hvp': {
    message: 'Hessian-vector product as reverse-over-reverse (grad of a function of grad)',
    explanation: `${STORES}. ${MIXED} Rewrite: jax.jvp(jax.grad(f), (x,), (v,))[1].`,
  },
  'jax-jacrev-jacrev': {
    message: 'Hessian as jacrev/grad of jacrev/grad (reverse-over-reverse)',
    explanation: `${STORES}, once per output row. ${MIXED} Rewrite: jacfwd over the inner reverse transform (what jax.hessian does).`,
  },
  'jax-grad-of-grad': {
    message: 'Reverse-mode transform of a function that itself calls grad (reverse-over-reverse)',
    explanation: `${STORES}. ${MIXED} The site does not match a shape the rewriter can prove equivalent; ` +
      'wrap the inner gradient with a jax.custom_vjp whose backward is jax.jvp of jax.grad (see mixflow_grad).',
  },
  'jax-unrolled-inner-loop': {
    message: 'Meta-gradient through an inner loop whose body calls grad (reverse-over-reverse)',
    explanation: `${STORES}: every inner step's backward residuals are stored for the outer pass. ${MIXED} ` +
      'Rewrite: the inner jax.grad(loss) becomes mixflow_grad(loss), a jax.custom_vjp whose backward is jax.jvp of jax.grad.',
  },
  'torch-func-hvp': {
    message: 'Hessian-vector product as torch.func reverse-over-reverse',
    explanation: `${STORES}. ${MIXED} Rewrite: torch.func.jvp(torch.func.grad(f), (x,), (v,))[1].`,
  },
  'torch-func-jacrev-jacrev': {
    message: 'Hessian as torch.func jacrev/grad of jacrev/grad (reverse-over-reverse)',
    explanation: `${STORES}, once per output row. ${MIXED} Rewrite: torch.func.jacfwd over the inner reverse transform (torch.func.hessian).`,
  },
  'torch-func-grad-of-grad': {
    message: 'torch.func reverse transform of a function that itself calls grad (reverse-over-reverse)',
    explanation: `${STORES}. ${MIXED} The site does not match a shape the rewriter can prove equivalent; use torch.func.jvp of torch.func.grad.`,
  },
  'torch-func-unrolled-inner-loop': {
    message: 'torch.func meta-gradient through inner steps that call grad, differentiated again by autograd (reverse-over-reverse)',
    explanation: `${STORES}: every inner step's backward residuals are stored for the outer pass. ${MIXED} ` +
      'Rewrite: the inner torch.func.grad(loss) becomes mixflow_grad(loss), the same gradient through MixFlowInnerGrad.',
  },
  'tfjs-nested-grad': {
    message: 'TF.js gradient differentiated again (tf.grad/tf.grads/tf.valueAndGrad(s) inside a function an outer gradient differentiates)',
    explanation: `${STORES}: TF.js's nested gradients share one tape, which keeps every inner step's forward and backward. ${TFJS}`,
  },
};
