import { avgPoolDivisors, poolWindows, type AvgPoolParams, type MaxPoolParams, type PoolWindows } from '../../core/window.js';
import { refArray, type RefArray } from './array.js';
import { fmt, kernelError } from './errors.js';

/**
 * Float64 2-D pooling over NCHW planes, from the shared window tables of core/window.ts.
 * Max-pool picks, per window, the first maximum in row-major order (NaN wins), as
 * PyTorch does; its derivative routes through that one position.
 */

function planes(x: readonly number[], kernel: string): { P: number; H: number; W: number } {
  if (x.length !== 4) throw kernelError(kernel, `needs x [N,C,H,W], got ${fmt(x)}`);
  return { P: x[0] * x[1], H: x[2], W: x[3] };
}

function maxWindows(x: RefArray, p: MaxPoolParams): PoolWindows {
  return poolWindows(x.shape[2], x.shape[3], p.kernel, p.strides, p.pads, p.dilations, p.ceilMode);
}

/** [P·outH·outW] flat input index of each window's maximum, -1 for a window with no real tap. */
export function maxPoolArgmax(x: RefArray, p: MaxPoolParams): Int32Array {
  const { P, H, W } = planes(x.shape, 'maxPool2d');
  const win = maxWindows(x, p);
  const outs = win.outH * win.outW;
  const arg = new Int32Array(P * outs).fill(-1);
  for (let pl = 0; pl < P; pl++) {
    const base = pl * H * W;
    for (let o = 0; o < outs; o++) {
      const real = win.realTaps[o];
      if (real === 0) continue;
      let best = win.positions[o * win.taps];
      let bestVal = -Infinity;
      for (let k = 0; k < real; k++) {
        const pos = win.positions[o * win.taps + k];
        const v = x.data[base + pos];
        if (v > bestVal || Number.isNaN(v)) {
          best = pos;
          bestVal = v;
          if (Number.isNaN(v)) break;
        }
      }
      arg[pl * outs + o] = base + best;
    }
  }
  return arg;
}

function outShape(x: RefArray, win: PoolWindows): number[] {
  return [x.shape[0], x.shape[1], win.outH, win.outW];
}

export function maxPool2d(x: RefArray, p: MaxPoolParams): RefArray {
  const arg = maxPoolArgmax(x, p);
  const out = new Float64Array(arg.length);
  for (let i = 0; i < arg.length; i++) out[i] = arg[i] < 0 ? -Infinity : x.data[arg[i]];
  return refArray(outShape(x, maxWindows(x, p)), out);
}

/** t at each window's arg-max of x: the JVP of max-pool (linear in t). */
export function maxPool2dPick(x: RefArray, t: RefArray, p: MaxPoolParams): RefArray {
  if (t.data.length !== x.data.length) throw kernelError('maxPool2dPick', `t ${fmt(t.shape)} must have x's shape ${fmt(x.shape)}`);
  const arg = maxPoolArgmax(x, p);
  const out = new Float64Array(arg.length);
  for (let i = 0; i < arg.length; i++) out[i] = arg[i] < 0 ? 0 : t.data[arg[i]];
  return refArray(outShape(x, maxWindows(x, p)), out);
}

/** c summed into each window's arg-max of x: the VJP of max-pool (the transpose of pick). */
export function maxPool2dScatter(x: RefArray, c: RefArray, p: MaxPoolParams): RefArray {
  const arg = maxPoolArgmax(x, p);
  if (c.data.length !== arg.length) throw kernelError('maxPool2dScatter', `c ${fmt(c.shape)} is not max-pool's output for x ${fmt(x.shape)}`);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < arg.length; i++) if (arg[i] >= 0) out[arg[i]] += c.data[i];
  return refArray(x.shape, out);
}

function avgWindows(H: number, W: number, p: AvgPoolParams): PoolWindows {
  return poolWindows(H, W, p.kernel, p.strides, p.pads, [1, 1], p.ceilMode);
}

export function avgPool2d(x: RefArray, p: AvgPoolParams): RefArray {
  const { P, H, W } = planes(x.shape, 'avgPool2d');
  const win = avgWindows(H, W, p);
  const div = avgPoolDivisors(H, W, p);
  const outs = win.outH * win.outW;
  const out = new Float64Array(P * outs);
  for (let pl = 0; pl < P; pl++) {
    for (let o = 0; o < outs; o++) {
      let s = 0;
      for (let k = 0; k < win.realTaps[o]; k++) s += x.data[pl * H * W + win.positions[o * win.taps + k]];
      out[pl * outs + o] = s / div[o];
    }
  }
  return refArray(outShape(x, win), out);
}

/** The transpose of avgPool2d: each output's cotangent spread evenly over its window. */
export function avgPool2dGrad(ct: RefArray, inputSize: readonly number[], p: AvgPoolParams): RefArray {
  const [H, W] = inputSize;
  const win = avgWindows(H, W, p);
  const { P } = planes(ct.shape, 'avgPool2dGrad');
  if (ct.shape[2] !== win.outH || ct.shape[3] !== win.outW) {
    throw kernelError('avgPool2dGrad', `cotangent ${fmt(ct.shape)} is not the pooled size of [${H},${W}]`);
  }
  const div = avgPoolDivisors(H, W, p);
  const outs = win.outH * win.outW;
  const out = new Float64Array(P * H * W);
  for (let pl = 0; pl < P; pl++) {
    for (let o = 0; o < outs; o++) {
      const g = ct.data[pl * outs + o] / div[o];
      for (let k = 0; k < win.realTaps[o]; k++) out[pl * H * W + win.positions[o * win.taps + k]] += g;
    }
  }
  return refArray([ct.shape[0], ct.shape[1], H, W], out);
}
