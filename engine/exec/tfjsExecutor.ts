import * as tf from '@tensorflow/tfjs-core';
import '../primitives/index.js';
import type { Aval } from '../core/aval.js';
import { getPrimitive } from '../primitives/registry.js';
import { interpret, type Interpreted, type InterpretOptions, type Kernels } from './interpret.js';
import type { Schedule } from './schedule.js';

export interface HostArray {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

const tfKernels: Kernels<tf.Tensor> = {
  run(node, inputs) {
    const prim = getPrimitive(node.op);
    const out = tf.tidy(() => {
      const o = prim.tf(inputs, node.params);
      const typed = o.dtype === node.aval.dtype ? o : tf.cast(o, node.aval.dtype);
      // A kernel may hand back its input; the executor must own a distinct tensor.
      return inputs.includes(typed) ? tf.clone(typed) : typed;
    });
    return out;
  },
  shape: (v) => v.shape,
  bytes: (v) => v.size * 4,
  dispose: (v) => v.dispose(),
};

export function toTensor(x: HostArray, aval: Aval): tf.Tensor {
  const data = aval.dtype === 'int32' ? Int32Array.from(x.data) : Float32Array.from(x.data);
  return tf.tensor(data, [...aval.shape], aval.dtype);
}

/**
 * Float32 execution on the current TF.js backend. Inputs are uploaded first and held
 * throughout; outputs are downloaded and freed.
 */
export function runTfjs(
  sched: Schedule,
  inputs: readonly HostArray[],
  opts: InterpretOptions = {},
): Omit<Interpreted<Float32Array>, 'outputs'> & { outputs: Float32Array[] } {
  const tensors = sched.graph.inputs.map((inp, i) => toTensor(inputs[i], inp.aval));
  try {
    const res = interpret(sched, tensors, tfKernels, opts);
    const outputs = res.outputs.map((t) => Float32Array.from(t.dataSync()));
    const inputIds = new Set(sched.graph.inputs.map((i) => i.id));
    const freed = new Set<tf.Tensor>();
    sched.graph.outputs.forEach((id, k) => {
      if (!inputIds.has(id) && !freed.has(res.outputs[k])) {
        freed.add(res.outputs[k]);
        res.outputs[k].dispose();
      }
    });
    return { ...res, outputs };
  } finally {
    tensors.forEach((t) => t.dispose());
  }
}
