import * as E from '../index.js';
import { perExampleLoss } from '../models/losses.js';
import { mlpForward } from '../models/mlp.js';
import { onnxForward } from '../import/onnx/forward.js';
import { transformerForward } from '../models/transformer.js';
import { optimizerStep, type OptimizerState } from './optimizers.js';
import type { MetaName, MetaProblem, MetaTensors, Mode, Remat } from './problem.js';
import { rematPolicy } from './remat.js';
import { revolveSchedule, type RevolveNode } from './revolve.js';

export interface MetaOptions {
  readonly mode: Mode;
  readonly remat: Remat;
}

function predict(problem: MetaProblem, theta: readonly E.Tensor[], x: E.Tensor, rematBlocks: boolean): E.Tensor {
  if (problem.model.kind === 'mlp') return mlpForward(problem.model, theta, x, rematBlocks);
  if (problem.model.kind === 'onnx') return onnxForward(problem.model.graph, theta, x, rematBlocks);
  const named: Record<string, E.Tensor> = {};
  problem.params.forEach((p, k) => (named[p.name] = theta[k]));
  return transformerForward(problem.model, named, x, rematBlocks);
}

/**
 * L_t(θ) = (1/N)·Σ w·ℓ(θ) + (λ/2)·Σ_k ‖W_k‖² with w = 2·sigmoid(z_t), λ = exp(log_wd).
 * Every input is an argument (nothing closed over), so a custom VJP sees all of them.
 */
function innerLoss(problem: MetaProblem, rematBlocks: boolean) {
  return (theta: E.Tensor[], z: E.Tensor, logWd: E.Tensor[], x: E.Tensor, y: E.Tensor): E.Tensor => {
    const losses = perExampleLoss(problem.loss, predict(problem, theta, x, rematBlocks), y);
    const weights = E.mul(E.sigmoid(z), 2);
    const data = E.div(E.sum(E.mul(weights, losses)), losses.shape.reduce((a, b) => a * b, 1));
    if (logWd.length === 0) return data;
    const norms = theta.filter((_, k) => problem.params[k].decayed).map((w) => E.sum(E.square(w)));
    return E.add(data, E.mul(E.mul(E.exp(logWd[0]), 0.5), norms.reduce((a, b) => E.add(a, b))));
  };
}

/** Learning rate α_k = exp(log_lr_k) of each θ tensor (one shared, or one per tensor). */
function learningRates(logLr: E.Tensor, count: number): E.Tensor[] {
  if (logLr.rank === 0) {
    const lr = E.exp(logLr);
    return Array<E.Tensor>(count).fill(lr);
  }
  return [...Array(count).keys()].map((k) => E.exp(E.reshape(E.slice(logLr, [k], [1]), [])));
}

/** Row t of the [T,…] example logits. */
function stepLogits(z: E.Tensor, t: number): E.Tensor {
  return E.reshape(E.slice(z, [t, ...z.shape.slice(1).map(() => 0)], [1, ...z.shape.slice(1)]), z.shape.slice(1));
}

/** The inner batch of each step. */
type Batches = readonly { readonly x: E.Tensor; readonly y: E.Tensor }[];
type Carry = [E.Tensor[], OptimizerState];

/**
 * The outer objective V(θ_T) after T unrolled inner steps. `mode` changes one thing: the
 * inner gradient call is `grad` (standard: reverse-over-reverse when differentiated) or
 * `fwdrevGrad` (MixFlow: its VJP is forward-over-reverse). `remat` applies identically to
 * both: `block` checkpoints every layer/block of every forward pass of the model (the inner
 * losses and the outer loss), `step` checkpoints every inner step, `revolve:K` nests
 * checkpointed runs of steps as the binomial schedule says (see revolve.ts).
 */
export function outerObjective(problem: MetaProblem, opts: MetaOptions, m: MetaTensors): E.Tensor {
  const policy = rematPolicy(opts.remat);
  const loss = innerLoss(problem, policy.blocks);
  const innerGrad = opts.mode === 'mixflow' ? E.fwdrevGrad(loss) : E.grad(loss);
  const logWd = problem.weightDecay && m.eta.log_wd ? [m.eta.log_wd] : [];
  // Every tensor a step reads is an argument (nothing closed over), so a checkpointed region
  // recomputes from exactly its inputs at whatever level differentiates it.
  const step = (t: number) => (th: E.Tensor[], st: OptimizerState, a: E.Tensor[], z: E.Tensor, wd: E.Tensor[], x: E.Tensor, y: E.Tensor) => {
    const g = E.withScope('grad', () => innerGrad(th, z, wd, x, y)) as E.Tensor[];
    const next = E.withScope('update', () => optimizerStep(problem.optimizer, th, g, st, a, t));
    return [next.theta, next.state];
  };
  const advance = (t: number, [th, st]: Carry, a: E.Tensor[], z: E.Tensor, wd: E.Tensor[], { x, y }: Batches[number]): Carry => {
    const run = policy.steps === 'each' ? E.checkpoint(step(t)) : step(t);
    return E.withScope(`step/${t}`, () => run(th, st, a, z, wd, x, y)) as Carry;
  };
  /**
   * Reverses a revolve subtree: its first steps as one checkpointed region, then the rest.
   * Regions take the example-logit rows one per step (sliced once, outside): a row's
   * cotangent then comes from its own step alone and passes up unchanged, where the whole
   * [T,…] tensor would leave one partial sum alive per nesting level. They take log_lr, not
   * the learning rates derived from it (one tensor per θ tensor), for the same reason.
   */
  const revolve = (node: RevolveNode, carry: Carry, logLr: E.Tensor, zs: E.Tensor[], wd: E.Tensor[], batches: Batches): Carry => {
    if (node.kind === 'step') {
      const a = E.withScope(`step/${node.t}`, () => learningRates(logLr, m.theta0.length));
      return advance(node.t, carry, a, zs[node.t], wd, batches[node.t]);
    }
    const region = (th: E.Tensor[], st: OptimizerState, lr2: E.Tensor, z2: E.Tensor[], wd2: E.Tensor[], b2: Batches) =>
      revolve(node.first, [th, st], lr2, z2, wd2, b2);
    const mid = E.checkpoint(region)(carry[0], carry[1], logLr, zs, wd, batches) as Carry;
    return revolve(node.rest, mid, logLr, zs, wd, batches);
  };
  let carry: Carry = [m.theta0, []];
  const T = problem.steps;
  if (typeof policy.steps === 'object') {
    const zs = [...Array(T).keys()].map((t) => E.withScope(`step/${t}`, () => stepLogits(m.eta.example_logits, t)));
    carry = revolve(revolveSchedule(T, policy.steps.snapshots).root, carry, m.eta.log_lr, zs, logWd, m.inner);
  } else {
    const lrs = learningRates(m.eta.log_lr, m.theta0.length);
    for (let t = 0; t < T; t++) {
      const z = E.withScope(`step/${t}`, () => stepLogits(m.eta.example_logits, t));
      carry = advance(t, carry, lrs, z, logWd, m.inner[t]);
    }
  }
  const theta = carry[0];
  return E.withScope('outer', () => E.mean(perExampleLoss(problem.loss, predict(problem, theta, m.outer.x, policy.blocks), m.outer.y)));
}

/** The differentiable pieces of the inputs, keyed by meta-parameter name. */
function pick(m: MetaTensors, name: MetaName): E.Tree {
  return name === 'theta0' ? m.theta0 : (m.eta[name] as E.Tensor);
}

function replace(m: MetaTensors, name: MetaName, value: E.Tree): MetaTensors {
  if (name === 'theta0') return { ...m, theta0: value as E.Tensor[] };
  return { ...m, eta: { ...m.eta, [name]: value as E.Tensor } };
}

/** V and dV/dη for each name in `problem.wrt`: what the traced meta-gradient graph computes. */
export function metaGradient(problem: MetaProblem, opts: MetaOptions, m: MetaTensors): { value: E.Tensor; grads: E.Tree[] } {
  const objective = (...diff: E.Tree[]) => {
    let full = m;
    problem.wrt.forEach((name, k) => (full = replace(full, name, diff[k])));
    return outerObjective(problem, opts, full);
  };
  const argnums = problem.wrt.map((_, k) => k);
  const [value, grads] = E.valueAndGrad(objective, argnums)(...problem.wrt.map((name) => pick(m, name)));
  return { value, grads };
}
