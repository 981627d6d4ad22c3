import type { Params } from '../ir/graph.js';
import { getPrimitive } from '../primitives/registry.js';
import { findTopTrace, fullRaise, type CustomVjpRule, type Tensor, type TensorFn } from './tensor.js';

/** The only dispatch point: applies a primitive at the highest-level trace among its inputs. */
export function bind(name: string, inputs: readonly Tensor[], params: Params = {}): Tensor {
  const top = findTopTrace(inputs);
  return top.processPrimitive(getPrimitive(name), inputs.map((x) => fullRaise(top, x)), params);
}

/** Applies `f` as a rematerialised region at the highest-level trace among `inputs`. */
export function bindCheckpoint(f: TensorFn, inputs: readonly Tensor[]): Tensor[] {
  const top = findTopTrace(inputs);
  return top.processCheckpoint(f, inputs.map((x) => fullRaise(top, x)));
}

/** Applies a function with a custom VJP at the highest-level trace among `inputs`. */
export function bindCustomVjp(rule: CustomVjpRule, inputs: readonly Tensor[]): Tensor[] {
  const top = findTopTrace(inputs);
  return top.processCustomVjp(rule, inputs.map((x) => fullRaise(top, x)));
}
