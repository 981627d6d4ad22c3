import type { AvgPoolParams, MaxPoolParams, Pads, Pair } from '../core/window.js';
import { bind } from '../trace/bind.js';
import type { Tensor } from '../trace/tensor.js';
import { mean } from './reduce.js';

/** 2-D pooling over NCHW. */

export type MaxPool2dOptions = {
  readonly kernel: readonly [number, number];
  readonly strides?: readonly [number, number];
  /** [top, left, bottom, right]; padding counts as −∞. */
  readonly pads?: readonly [number, number, number, number];
  readonly dilations?: readonly [number, number];
  readonly ceilMode?: boolean;
};

export type AvgPool2dOptions = {
  readonly kernel: readonly [number, number];
  readonly strides?: readonly [number, number];
  readonly pads?: readonly [number, number, number, number];
  readonly ceilMode?: boolean;
  readonly countIncludePad?: boolean;
};

function maxParams(o: MaxPool2dOptions): MaxPoolParams {
  return {
    kernel: [o.kernel[0], o.kernel[1]],
    strides: [...(o.strides ?? o.kernel)] as Pair,
    pads: [...(o.pads ?? [0, 0, 0, 0])] as Pads,
    dilations: [...(o.dilations ?? [1, 1])] as Pair,
    ceilMode: o.ceilMode ?? false,
  };
}

function avgParams(o: AvgPool2dOptions): AvgPoolParams {
  return {
    kernel: [o.kernel[0], o.kernel[1]],
    strides: [...(o.strides ?? o.kernel)] as Pair,
    pads: [...(o.pads ?? [0, 0, 0, 0])] as Pads,
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? false,
  };
}

/** Max over each window; the gradient goes to the first maximum (row-major), as in PyTorch. */
export function maxPool2d(x: Tensor, opts: MaxPool2dOptions): Tensor {
  return bind('maxPool2d', [x], maxParams(opts));
}

/** t at the arg-max of each of x's max-pool windows (max-pool's JVP). */
export function maxPool2dPick(x: Tensor, t: Tensor, opts: MaxPool2dOptions): Tensor {
  return bind('maxPool2dPick', [x, t], maxParams(opts));
}

/** c summed into the arg-max of each of x's max-pool windows (max-pool's VJP). */
export function maxPool2dScatter(x: Tensor, c: Tensor, opts: MaxPool2dOptions): Tensor {
  return bind('maxPool2dScatter', [x, c], maxParams(opts));
}

/** Mean over each window. Strides default to the kernel, as in PyTorch and ONNX. */
export function avgPool2d(x: Tensor, opts: AvgPool2dOptions): Tensor {
  return bind('avgPool2d', [x], avgParams(opts));
}

/** The transpose of avgPool2d onto an input of spatial size `inputSize`. */
export function avgPool2dGrad(ct: Tensor, inputSize: readonly number[], opts: AvgPool2dOptions): Tensor {
  return bind('avgPool2dGrad', [ct], { ...avgParams(opts), inputSize: [inputSize[0], inputSize[1]] });
}

/** [N,C,H,W] → [N,C,1,1]: a mean, so no primitive of its own. */
export function globalAvgPool2d(x: Tensor): Tensor {
  if (x.rank < 3) throw new Error(`globalAvgPool2d needs x [N,C,spatial…], got [${x.shape}]`);
  return mean(x, [...Array(x.rank - 2).keys()].map((i) => i + 2), true);
}
