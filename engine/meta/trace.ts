import * as E from '../index.js';
import type { NamedAval } from '../trace/traceGraph.js';
import { paramSpecs } from '../setup/transformerParams.js';
import { exampleLogitsShape, exampleShape, innerBatchSize, predictionWidth, innerSteps, outerBatchSize, type Setup } from '../setup/types.js';
import { metaGradient, type MetaOptions } from './objective.js';
import type { MetaProblem } from './problem.js';

/** The static problem of a setup: model, loss, optimiser, parameter list, T, wrt. */
export function problemOf(setup: Setup): MetaProblem {
  return {
    model: setup.model,
    loss: setup.loss,
    optimizer: setup.optimizer,
    params: paramSpecs(setup.model),
    steps: innerSteps(setup),
    wrt: setup.wrt,
    weightDecay: setup.eta.log_wd !== undefined,
  };
}

const f32 = (shape: readonly number[], name: string): NamedAval => ({ shape, dtype: 'float32', name });
const i32 = (shape: readonly number[], name: string): NamedAval => ({ shape, dtype: 'int32', name });

/** Shapes of one batch's x and y, named `prefix/x`, `prefix/y`. */
function batchAvals(setup: Setup, b: number, prefix: string): { x: NamedAval; y: NamedAval } {
  const m = setup.model;
  if (m.kind === 'transformer') return { x: i32([b, m.seq], `${prefix}/x`), y: i32([b, m.seq], `${prefix}/y`) };
  const out = predictionWidth(m);
  const y = setup.loss === 'mse' ? f32([b, out], `${prefix}/y`) : i32([b], `${prefix}/y`);
  return { x: f32([b, ...exampleShape(m)], `${prefix}/x`), y };
}

/**
 * The graph inputs of a setup, from its shapes alone (so `estimate` never materialises
 * data): θ₀'s tensors, η (log_lr, log_wd when the setup has it, example_logits), the inner
 * batches and the outer batch, in this order.
 */
export function metaInputAvals(setup: Setup): [NamedAval[], Record<string, NamedAval>, Batch[], Batch] {
  const problem = problemOf(setup);
  const logLr = setup.eta.log_lr;
  const eta: Record<string, NamedAval> = { log_lr: f32(Array.isArray(logLr) ? [logLr.length] : [], 'eta/log_lr') };
  if (problem.weightDecay) eta.log_wd = f32([], 'eta/log_wd');
  eta.example_logits = f32(exampleLogitsShape(setup), 'eta/example_logits');
  const inner = [...Array(problem.steps).keys()].map((t) => batchAvals(setup, innerBatchSize(setup), `inner/${t}`));
  const theta0 = problem.params.map((p) => f32(p.shape, `theta0/${p.name}`));
  return [theta0, eta, inner, batchAvals(setup, outerBatchSize(setup), 'outer')];
}

type Batch = { x: NamedAval; y: NamedAval };

/** Traces the whole meta-gradient computation of a setup (outputs: V, then one tree per `wrt`). */
export function traceMeta(setup: Setup, opts: MetaOptions, onGrow?: (nodes: number) => void): E.Traced {
  const problem = problemOf(setup);
  return E.traceGraph(
    (theta0, eta, inner, outer) => {
      const { value, grads } = metaGradient(problem, opts, { theta0, eta, inner, outer });
      return [value, ...grads];
    },
    metaInputAvals(setup),
    onGrow,
  );
}
