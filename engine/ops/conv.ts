import type { ConvParams, Pads, Pair } from '../core/window.js';
import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';

/**
 * Convolutional-network ops over NCHW (ONNX's layout). Convolution and its transposes
 * are primitives; pooling lives in pool.ts and batch normalisation in nn.ts, re-exported
 * here so a model builder finds them in one place.
 */

export type Conv2dOptions = {
  readonly strides?: readonly [number, number];
  /** [top, left, bottom, right], ONNX's [x1_begin, x2_begin, x1_end, x2_end]. */
  readonly pads?: readonly [number, number, number, number];
  readonly dilations?: readonly [number, number];
  readonly groups?: number;
};

function convParams(o: Conv2dOptions): ConvParams {
  return {
    strides: [...(o.strides ?? [1, 1])] as Pair,
    pads: [...(o.pads ?? [0, 0, 0, 0])] as Pads,
    dilations: [...(o.dilations ?? [1, 1])] as Pair,
    groups: o.groups ?? 1,
  };
}

/** x [N,C,H,W] ⋆ w [Cout, C/groups, kH, kW] → [N, Cout, Ho, Wo]; no bias (add it broadcast). */
export function conv2d(x: Tensor, w: Tensor, opts: Conv2dOptions = {}): Tensor {
  return bind('conv2d', [x, w], convParams(opts));
}

/** conv2d's input cotangent (a transposed convolution) onto an input of spatial size `inputSize`. */
export function conv2dBackpropInput(ct: Tensor, w: Tensor, inputSize: readonly number[], opts: Conv2dOptions = {}): Tensor {
  return bind('conv2dBackpropInput', [ct, w], { ...convParams(opts), inputSize: [inputSize[0], inputSize[1]] });
}

/** conv2d's weight cotangent for a kernel of spatial size `kernelSize`. */
export function conv2dBackpropFilter(x: Tensor, ct: Tensor, kernelSize: readonly number[], opts: Conv2dOptions = {}): Tensor {
  return bind('conv2dBackpropFilter', [x, ct], { ...convParams(opts), kernelSize: [kernelSize[0], kernelSize[1]] });
}

export { maxPool2d, avgPool2d, globalAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pool.js';
export { batchNormTraining, batchNormInference } from './nn.js';
