/**
 * Geometry of 2-D sliding windows (convolution and pooling over NCHW), shared by the
 * shape rules, the float64 kernels and the TF.js kernels so all three agree on every
 * output size, padding and divisor.
 */

export type Pair = [number, number];
/** ONNX order: [top, left, bottom, right] = [x1_begin, x2_begin, x1_end, x2_end]. */
export type Pads = [number, number, number, number];

export type ConvParams = {
  readonly strides: Pair;
  readonly pads: Pads;
  readonly dilations: Pair;
  readonly groups: number;
};

export type MaxPoolParams = {
  readonly kernel: Pair;
  readonly strides: Pair;
  readonly pads: Pads;
  readonly dilations: Pair;
  readonly ceilMode: boolean;
};

export type AvgPoolParams = {
  readonly kernel: Pair;
  readonly strides: Pair;
  readonly pads: Pads;
  readonly ceilMode: boolean;
  readonly countIncludePad: boolean;
};

/**
 * Output length along one axis. With `ceilMode` a last, partial window is kept as long
 * as it starts inside the input or the leading padding (PyTorch's rule, which ONNX
 * adopted): a window that would start in the trailing padding is dropped.
 */
export function windowOutSize(
  inSize: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
  ceilMode = false,
): number {
  const span = dilation * (kernel - 1) + 1;
  const padded = inSize + padBegin + padEnd;
  if (span > padded) throw new Error(`window of span ${span} exceeds padded input ${padded}`);
  const steps = (padded - span) / stride;
  let out = (ceilMode ? Math.ceil(steps) : Math.floor(steps)) + 1;
  if (ceilMode && (out - 1) * stride >= inSize + padBegin) out--;
  return out;
}

export function checkPositive(what: string, xs: readonly number[], min = 1): void {
  if (xs.some((v) => !Number.isInteger(v) || v < min)) throw new Error(`${what} [${xs}] must be integers >= ${min}`);
}

/** Validates convolution parameters and returns the output's spatial size. */
export function convOutSize(H: number, W: number, kH: number, kW: number, p: ConvParams): Pair {
  checkPositive('strides', p.strides);
  checkPositive('dilations', p.dilations);
  checkPositive('pads', p.pads, 0);
  return [
    windowOutSize(H, kH, p.strides[0], p.pads[0], p.pads[2], p.dilations[0]),
    windowOutSize(W, kW, p.strides[1], p.pads[1], p.pads[3], p.dilations[1]),
  ];
}

/** Shapes of a grouped convolution: x [N,C,H,W], w [Cout, C/groups, kH, kW]. */
export function convShapes(x: readonly number[], w: readonly number[], p: ConvParams): { out: number[] } {
  if (x.length !== 4 || w.length !== 4) throw new Error(`conv2d needs x [N,C,H,W] and w [Cout,C/groups,kH,kW], got [${x}] and [${w}]`);
  const g = p.groups;
  if (!Number.isInteger(g) || g < 1) throw new Error(`groups ${g} must be a positive integer`);
  if (x[1] !== w[1] * g) throw new Error(`x has ${x[1]} channels but w [${w}] with groups ${g} expects ${w[1] * g}`);
  if (w[0] % g !== 0) throw new Error(`${w[0]} output channels are not divisible by groups ${g}`);
  const [Ho, Wo] = convOutSize(x[2], x[3], w[2], w[3], p);
  return { out: [x[0], w[0], Ho, Wo] };
}

/** One pooling window layout, the same for every (n, c) plane. */
export interface PoolWindows {
  readonly outH: number;
  readonly outW: number;
  /** Taps per window (kH·kW). */
  readonly taps: number;
  /**
   * [outH·outW·taps] plane positions h·W + w of each window's taps in row-major window
   * order, real taps first; -1 marks a tap in the padding (always after the real ones,
   * so a first-maximum search over the list breaks ties exactly as a row-major scan
   * that skips the padding does).
   */
  readonly positions: Int32Array;
  /** Number of real (non-padding) taps per window. */
  readonly realTaps: Int32Array;
}

export function poolOutSize(H: number, W: number, kernel: Pair, strides: Pair, pads: Pads, dilations: Pair, ceilMode: boolean): Pair {
  checkPositive('kernel', kernel);
  checkPositive('strides', strides);
  checkPositive('dilations', dilations);
  checkPositive('pads', pads, 0);
  return [
    windowOutSize(H, kernel[0], strides[0], pads[0], pads[2], dilations[0], ceilMode),
    windowOutSize(W, kernel[1], strides[1], pads[1], pads[3], dilations[1], ceilMode),
  ];
}

const windowCache = new Map<string, PoolWindows>();

export function poolWindows(H: number, W: number, kernel: Pair, strides: Pair, pads: Pads, dilations: Pair, ceilMode: boolean): PoolWindows {
  const key = JSON.stringify([H, W, kernel, strides, pads, dilations, ceilMode]);
  const hit = windowCache.get(key);
  if (hit) return hit;
  const [outH, outW] = poolOutSize(H, W, kernel, strides, pads, dilations, ceilMode);
  const taps = kernel[0] * kernel[1];
  const positions = new Int32Array(outH * outW * taps).fill(-1);
  const realTaps = new Int32Array(outH * outW);
  for (let oh = 0; oh < outH; oh++) {
    for (let ow = 0; ow < outW; ow++) {
      const o = oh * outW + ow;
      let k = 0;
      for (let i = 0; i < kernel[0]; i++) {
        const h = oh * strides[0] - pads[0] + i * dilations[0];
        if (h < 0 || h >= H) continue;
        for (let j = 0; j < kernel[1]; j++) {
          const w = ow * strides[1] - pads[1] + j * dilations[1];
          if (w >= 0 && w < W) positions[o * taps + k++] = h * W + w;
        }
      }
      realTaps[o] = k;
    }
  }
  const win = { outH, outW, taps, positions, realTaps };
  if (windowCache.size > 256) windowCache.clear();
  windowCache.set(key, win);
  return win;
}

/**
 * The divisor of each average-pool window, as PyTorch computes it: with
 * `countIncludePad` the window clipped to the padded input (a ceil-mode overhang past
 * the trailing padding does not count), else the number of real taps.
 */
export function avgPoolDivisors(H: number, W: number, p: AvgPoolParams): Float64Array {
  const win = poolWindows(H, W, p.kernel, p.strides, p.pads, [1, 1], p.ceilMode);
  const div = new Float64Array(win.outH * win.outW);
  for (let oh = 0; oh < win.outH; oh++) {
    for (let ow = 0; ow < win.outW; ow++) {
      const o = oh * win.outW + ow;
      if (!p.countIncludePad) {
        div[o] = win.realTaps[o];
        continue;
      }
      const hs = oh * p.strides[0] - p.pads[0];
      const ws = ow * p.strides[1] - p.pads[1];
      const he = Math.min(hs + p.kernel[0], H + p.pads[2]);
      const we = Math.min(ws + p.kernel[1], W + p.pads[3]);
      div[o] = (he - hs) * (we - ws);
    }
  }
  return div;
}
