import '../primitives/index.js';
import { sizeOf } from '../core/shape.js';
import type { RefArray } from '../kernels/ref/array.js';
import { getPrimitive } from '../primitives/registry.js';
import { Interpreter, type Interpreted, type InterpretOptions, type Kernels } from './interpret.js';
import type { Schedule } from './schedule.js';
import type { HostArray } from './tfjsExecutor.js';

const refKernels: Kernels<RefArray> = {
  run: (node, inputs) => getPrimitive(node.op).ref(inputs, node.params),
  shape: (v) => v.shape,
  // Accounted as float32, so float64 runs report the same plan as the TF.js executor.
  bytes: (v) => sizeOf(v.shape) * 4,
  dispose: () => {},
};

function interpreter(sched: Schedule, inputs: readonly HostArray[], opts: InterpretOptions): Interpreter<RefArray> {
  const arrays = sched.graph.inputs.map((inp, i) => ({ shape: [...inp.aval.shape], data: Float64Array.from(inputs[i].data) }));
  return new Interpreter(sched, arrays, refKernels, opts);
}

/** The float64 reference executor, for verification (`--precision float64`). */
export function runRef(sched: Schedule, inputs: readonly HostArray[], opts: InterpretOptions = {}): Interpreted<RefArray> {
  return interpreter(sched, inputs, opts).run();
}

export function runRefAsync(sched: Schedule, inputs: readonly HostArray[], opts: InterpretOptions = {}): Promise<Interpreted<RefArray>> {
  return interpreter(sched, inputs, opts).runAsync();
}
