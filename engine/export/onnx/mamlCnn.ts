/**
 * The 4-conv MAML network (Finn et al. 2017, Omniglot/miniImageNet): four blocks of
 * conv 3×3 (padding 1) → BatchNorm on batch statistics → ReLU → max-pool 2×2, then a linear
 * head; written as PyTorch exports it (`/block1/conv/Conv`, `block1.conv.weight`, opset 15,
 * BatchNormalization with training_mode 1), so each block is one remat block at depth 1.
 * Weights are deterministic: PyTorch's default initialisation drawn from the engine's own
 * generator (conv and linear U(±1/√fan_in), BatchNorm scale 1, bias 0, statistics 0 and 1).
 */
import { Prng, STREAM_PARAM } from '../../setup/prng.js';
import { encodeModel, type InitializerSpec, type NodeSpec } from './writer.js';

export interface MamlCnnOptions {
  readonly channels: number;
  /** Square single-channel images of this side. */
  readonly side: number;
  readonly classes: number;
  readonly blocks: number;
  readonly seed: number;
}

export const MAML_CNN: MamlCnnOptions = { channels: 64, side: 28, classes: 5, blocks: 4, seed: 0 };

export function mamlCnnOnnx(o: MamlCnnOptions = MAML_CNN): Uint8Array {
  const inits: InitializerSpec[] = [];
  const nodes: NodeSpec[] = [];
  const uniform = (name: string, shape: number[], bound: number) => {
    const values = new Prng(o.seed, STREAM_PARAM + inits.length).fillUniform(new Float64Array(shape.reduce((a, d) => a * d, 1)), -bound, bound);
    inits.push({ name, shape, values });
  };
  const filled = (name: string, n: number, v: number) => inits.push({ name, shape: [n], values: new Float64Array(n).fill(v) });
  let x = 'input';
  let side = o.side;
  for (let b = 1; b <= o.blocks; b++) {
    const cin = b === 1 ? 1 : o.channels;
    const p = `block${b}`;
    const bound = 1 / Math.sqrt(cin * 9);
    uniform(`${p}.conv.weight`, [o.channels, cin, 3, 3], bound);
    uniform(`${p}.conv.bias`, [o.channels], bound);
    filled(`${p}.bn.weight`, o.channels, 1);
    filled(`${p}.bn.bias`, o.channels, 0);
    filled(`${p}.bn.running_mean`, o.channels, 0);
    filled(`${p}.bn.running_var`, o.channels, 1);
    const out = (what: string) => `/${p}/${what}_output_0`;
    nodes.push(
      { name: `/${p}/conv/Conv`, opType: 'Conv', inputs: [x, `${p}.conv.weight`, `${p}.conv.bias`], outputs: [out('conv/Conv')],
        attrs: { dilations: { ints: [1, 1] }, group: { int: 1 }, kernel_shape: { ints: [3, 3] }, pads: { ints: [1, 1, 1, 1] }, strides: { ints: [1, 1] } } },
      { name: `/${p}/bn/BatchNormalization`, opType: 'BatchNormalization',
        inputs: [out('conv/Conv'), `${p}.bn.weight`, `${p}.bn.bias`, `${p}.bn.running_mean`, `${p}.bn.running_var`],
        outputs: [out('bn/BatchNormalization'), `${out('bn/BatchNormalization')}_mean`, `${out('bn/BatchNormalization')}_var`],
        attrs: { epsilon: { float: 1e-5 }, momentum: { float: 0.9 }, training_mode: { int: 1 } } },
      { name: `/${p}/Relu`, opType: 'Relu', inputs: [out('bn/BatchNormalization')], outputs: [out('Relu')] },
      { name: `/${p}/pool/MaxPool`, opType: 'MaxPool', inputs: [out('Relu')], outputs: [out('pool/MaxPool')],
        attrs: { ceil_mode: { int: 0 }, kernel_shape: { ints: [2, 2] }, pads: { ints: [0, 0, 0, 0] }, strides: { ints: [2, 2] } } },
    );
    x = out('pool/MaxPool');
    side = Math.floor(side / 2);
  }
  const features = o.channels * side * side;
  uniform('head.weight', [o.classes, features], 1 / Math.sqrt(features));
  uniform('head.bias', [o.classes], 1 / Math.sqrt(features));
  nodes.push(
    { name: '/Flatten', opType: 'Flatten', inputs: [x], outputs: ['/Flatten_output_0'], attrs: { axis: { int: 1 } } },
    { name: '/head/Gemm', opType: 'Gemm', inputs: ['/Flatten_output_0', 'head.weight', 'head.bias'], outputs: ['logits'],
      attrs: { alpha: { float: 1 }, beta: { float: 1 }, transB: { int: 1 } } },
  );
  return encodeModel({
    producer: 'mixflow-studio maml-cnn',
    opset: 15,
    input: { name: 'input', shape: [1, o.side, o.side] },
    output: { name: 'logits', shape: [o.classes] },
    initializers: inits,
    nodes,
  });
}
