import * as E from '../index.js';
import type { Aval } from '../core/aval.js';
import { mlpParamSpecs, transformerParamSpecs } from '../setup/transformerParams.js';
import { exampleLogitsShape, innerBatchSize, innerSteps, outerBatchSize, type Setup } from '../setup/types.js';
import { metaGradient, type MetaOptions } from './objective.js';
import type { MetaProblem } from './problem.js';

/** The static problem of a setup: model, loss, optimiser, parameter list, T, wrt. */
export function problemOf(setup: Setup): MetaProblem {
  const params = setup.model.kind === 'mlp' ? mlpParamSpecs(setup.model.sizes) : transformerParamSpecs(setup.model);
  return {
    model: setup.model,
    loss: setup.loss,
    optimizer: setup.optimizer,
    params,
    steps: innerSteps(setup),
    wrt: setup.wrt,
    weightDecay: setup.eta.log_wd !== undefined,
  };
}

const f32 = (shape: readonly number[]): Aval => ({ shape, dtype: 'float32' });

/** Shapes of one batch's x and y. */
function batchAvals(setup: Setup, b: number): { x: Aval; y: Aval } {
  const m = setup.model;
  if (m.kind === 'transformer') return { x: { shape: [b, m.seq], dtype: 'int32' }, y: { shape: [b, m.seq], dtype: 'int32' } };
  const out = m.sizes[m.sizes.length - 1];
  return { x: f32([b, m.sizes[0]]), y: setup.loss === 'mse' ? f32([b, out]) : { shape: [b], dtype: 'int32' } };
}

/**
 * The graph inputs of a setup, from its shapes alone (so `estimate` never materialises
 * data): θ₀'s tensors, η (log_lr, log_wd when the setup has it, example_logits), the inner
 * batches and the outer batch, in this order.
 */
export function metaInputAvals(setup: Setup): [Aval[], Record<string, Aval>, { x: Aval; y: Aval }[], { x: Aval; y: Aval }] {
  const problem = problemOf(setup);
  const logLr = setup.eta.log_lr;
  const eta: Record<string, Aval> = { log_lr: f32(Array.isArray(logLr) ? [logLr.length] : []) };
  if (problem.weightDecay) eta.log_wd = f32([]);
  eta.example_logits = f32(exampleLogitsShape(setup));
  const inner = [...Array(problem.steps).keys()].map(() => batchAvals(setup, innerBatchSize(setup)));
  return [problem.params.map((p) => f32(p.shape)), eta, inner, batchAvals(setup, outerBatchSize(setup))];
}

/** Traces the whole meta-gradient computation of a setup (outputs: V, then one tree per `wrt`). */
export function traceMeta(setup: Setup, opts: MetaOptions): E.Traced {
  const problem = problemOf(setup);
  return E.traceGraph(
    (theta0, eta, inner, outer) => {
      const { value, grads } = metaGradient(problem, opts, { theta0, eta, inner, outer });
      return [value, ...grads];
    },
    metaInputAvals(setup),
  );
}
