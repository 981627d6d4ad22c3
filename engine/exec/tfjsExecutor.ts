import * as tf from '@tensorflow/tfjs-core';
import '../primitives/index.js';
import type { Aval } from '../core/aval.js';
import { getPrimitive } from '../primitives/registry.js';
import { Interpreter, type Interpreted, type InterpretOptions, type Kernels } from './interpret.js';
import type { Schedule } from './schedule.js';

export interface HostArray {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

const tfKernels: Kernels<tf.Tensor> = {
  run(node, inputs) {
    const prim = getPrimitive(node.op);
    return tf.tidy(() => {
      const o = prim.tf(inputs, node.params);
      const typed = o.dtype === node.aval.dtype ? o : tf.cast(o, node.aval.dtype);
      // A kernel may hand back its input; the executor must own a distinct tensor.
      return inputs.includes(typed) ? tf.clone(typed) : typed;
    });
  },
  shape: (v) => v.shape,
  bytes: (v) => v.size * 4,
  dispose: (v) => v.dispose(),
};

export function toTensor(x: HostArray, aval: Aval): tf.Tensor {
  const data = aval.dtype === 'int32' ? Int32Array.from(x.data) : Float32Array.from(x.data);
  return tf.tensor(data, [...aval.shape], aval.dtype);
}

export type TfjsRun = Omit<Interpreted<tf.Tensor>, 'outputs'> & { outputs: Float32Array[] };

/** Downloads the outputs and frees every tensor the run still holds. */
function collect(res: Interpreted<tf.Tensor>, inputs: tf.Tensor[]): TfjsRun {
  const outputs = res.outputs.map((t) => Float32Array.from(t.dataSync()));
  for (const t of new Set(res.outputs)) if (!inputs.includes(t)) t.dispose();
  return { ...res, outputs };
}

function withInputs<T>(sched: Schedule, inputs: readonly HostArray[], body: (tensors: tf.Tensor[]) => T): T {
  const tensors = sched.graph.inputs.map((inp, i) => toTensor(inputs[i], inp.aval));
  const cleanup = () => tensors.forEach((t) => t.dispose());
  try {
    const out = body(tensors);
    if (out instanceof Promise) return out.finally(cleanup) as T;
    cleanup();
    return out;
  } catch (e) {
    cleanup();
    throw e;
  }
}

/**
 * Float32 execution on the current TF.js backend. Inputs are uploaded first and held
 * throughout; outputs are downloaded and freed.
 */
export function runTfjs(sched: Schedule, inputs: readonly HostArray[], opts: InterpretOptions = {}): TfjsRun {
  return withInputs(sched, inputs, (ts) => collect(new Interpreter(sched, ts, tfKernels, opts).run(), ts));
}

/** `runTfjs`, yielding to the event loop so a run can be cancelled. */
export function runTfjsAsync(sched: Schedule, inputs: readonly HostArray[], opts: InterpretOptions = {}): Promise<TfjsRun> {
  return withInputs(sched, inputs, async (ts) => collect(await new Interpreter(sched, ts, tfKernels, opts).runAsync(), ts));
}
