import { JvpTensor } from '../trace/jvp.js';
import { ReverseTensor } from '../trace/reverse.js';
import type { Tensor } from '../trace/tensor.js';

/**
 * The value with a zero derivative for every transformation: peel every differentiating
 * tracer off down to the graph value. Costs no node and no memory.
 */
export function stopGradient(x: Tensor): Tensor {
  let v = x;
  while (v instanceof JvpTensor || v instanceof ReverseTensor) v = v.primal;
  return v;
}
