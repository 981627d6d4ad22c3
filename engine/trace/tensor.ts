import type { Aval } from '../core/aval.js';
import type { Params } from '../ir/graph.js';
import type { Primitive } from '../primitives/types.js';

/**
 * The tracer machinery, after JAX's Autodidax: every value a user function sees is a
 * `Tensor` owned by one `Trace`; traces are stacked by level and `bind` hands each
 * primitive application to the highest-level trace among its inputs. The bottom trace
 * always builds a graph, so every computation ends as one flat graph the executors run.
 */
export abstract class Tensor {
  abstract readonly trace: Trace;
  abstract readonly aval: Aval;
  get shape(): readonly number[] {
    return this.aval.shape;
  }
  get dtype(): Aval['dtype'] {
    return this.aval.dtype;
  }
  get rank(): number {
    return this.aval.shape.length;
  }
}

/** A function that is applied as a unit by every trace (checkpoint, customVjp). */
export type TensorFn = (...args: Tensor[]) => Tensor[];

export interface CustomVjpRule {
  /** The function itself; what forward mode and the graph builder evaluate. */
  readonly f: TensorFn;
  /** Computes the outputs and the residuals the backward pass needs. */
  readonly fwd: (...args: Tensor[]) => { outputs: Tensor[]; residuals: Tensor[] };
  /** Cotangents of the inputs marked `needed`, from the residuals and output cotangents. */
  readonly bwd: (residuals: Tensor[], cts: (Tensor | null)[], needed: boolean[]) => (Tensor | null)[];
}

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from a lower level as a constant of this trace. */
  abstract lift(x: Tensor): Tensor;
  abstract processPrimitive(prim: Primitive, inputs: Tensor[], params: Params): Tensor;
  /** Applies `f` with only its inputs kept for the backward pass (rematerialisation). */
  abstract processCheckpoint(f: TensorFn, inputs: Tensor[]): Tensor[];
  abstract processCustomVjp(rule: CustomVjpRule, inputs: Tensor[]): Tensor[];
}

export class MainTrace {
  readonly trace: Trace;
  constructor(readonly level: number, makeTrace: (main: MainTrace) => Trace) {
    this.trace = makeTrace(this);
  }
}

const stack: MainTrace[] = [];

export function traceStack(): readonly MainTrace[] {
  return stack;
}

/** Pushes a new main trace for the duration of `fn`. */
export function withNewMain<T>(makeTrace: (main: MainTrace) => Trace, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(stack.length, makeTrace);
  stack.push(main);
  try {
    return fn(main);
  } finally {
    stack.pop();
  }
}

/** Runs `fn` on a fresh stack whose bottom is `makeBottom` (used to build one graph). */
export function withBottom<T>(makeBottom: (main: MainTrace) => Trace, fn: (main: MainTrace) => T): T {
  const saved = stack.splice(0, stack.length);
  try {
    return withNewMain(makeBottom, fn);
  } finally {
    stack.splice(0, stack.length, ...saved);
  }
}

function isLive(main: MainTrace): boolean {
  return stack[main.level] === main;
}

export function findTopTrace(xs: readonly Tensor[]): Trace {
  if (stack.length === 0) throw new Error('no graph is being traced: call the engine inside trace()/compile()');
  let top = stack[0];
  for (const x of xs) {
    const main = x.trace.main;
    if (!isLive(main)) throw new Error('a tensor escaped the transformation that created it');
    if (main.level > top.level) top = main;
  }
  return top.trace;
}

export function fullRaise(trace: Trace, x: Tensor): Tensor {
  const main = x.trace.main;
  if (main === trace.main) return x;
  if (main.level < trace.main.level) return trace.lift(x);
  throw new Error(`tensor of level ${main.level} used at level ${trace.main.level}: it escaped its transformation`);
}
