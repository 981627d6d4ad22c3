import * as tf from '@tensorflow/tfjs-core';
import { avgPoolDivisors, poolWindows, type AvgPoolParams, type MaxPoolParams, type PoolWindows } from '../../core/window.js';

/**
 * 2-D pooling over NCHW on TF.js from the shared window geometry (core/window.ts), so the
 * float32 kernels follow exactly the float64 ones: PyTorch's ceil mode and divisors, and
 * max-pool ties broken at the first maximum in row-major order. TF.js's own pools are
 * NHWC-only, have no ceil mode, and its MaxPoolGrad is not on wasm, so:
 *  - non-overlapping windows (stride = kernel, the common case) are a reshape of the
 *    padded input (`tiling`); a window's arg-max is then argMax over its taps in row-major
 *    order (with −∞ padding, a window of real −∞ values could route to a padding tap, the
 *    one place this path differs from PyTorch);
 *  - other windows gather their taps through a table, real taps first: each plane gets one
 *    extra slot past its H·W values, which padding taps read (−∞ for max, 0 for sums) and
 *    into which nothing real is scattered.
 */

function tapIndex(win: PoolWindows, HW: number): tf.Tensor1D {
  return tf.tensor1d(Int32Array.from(win.positions, (p) => (p < 0 ? HW : p)), 'int32');
}

/** x [N,C,H,W] → [P, H·W + 1] with `fill` in the extra slot. */
function slotted(x: tf.Tensor4D, fill: number): tf.Tensor2D {
  const [N, C, H, W] = x.shape;
  const flat = tf.reshape(x, [N * C, H * W]);
  return tf.concat([flat, tf.fill([N * C, 1], fill)], 1) as tf.Tensor2D;
}

/** Windows as [P, outH·outW, taps]. */
function windows(xs: tf.Tensor2D, win: PoolWindows): tf.Tensor3D {
  const P = xs.shape[0];
  return tf.reshape(tf.gather(xs, tapIndex(win, xs.shape[1] - 1), 1), [P, win.outH * win.outW, win.taps]);
}

/** Flat indices p·slots + index[p, k] into P stacked planes of `slots` each, as [P·n]. */
function globalIndex(index: tf.Tensor2D, slots: number): tf.Tensor1D {
  const planeBase = tf.mul(tf.range(0, index.shape[0], 1, 'int32'), tf.scalar(slots, 'int32'));
  return tf.reshape(tf.add(index, tf.expandDims(planeBase, 1)), [-1]);
}

/** Sums `values` [P, n] into flat slots `index` [P, n] of P planes of `slots` each. */
function scatterPlanes(values: tf.Tensor2D, index: tf.Tensor2D, slots: number): tf.Tensor2D {
  const P = values.shape[0];
  const global = tf.expandDims(globalIndex(index, slots), 1);
  return tf.reshape(tf.scatterND(global, tf.reshape(values, [-1]), [P * slots]), [P, slots]) as tf.Tensor2D;
}

function unslot(planes: tf.Tensor2D, shape: readonly number[]): tf.Tensor4D {
  const [N, C, H, W] = shape;
  return tf.reshape(tf.slice(planes, [0, 0], [N * C, H * W]), [N, C, H, W]) as tf.Tensor4D;
}

/**
 * Non-overlapping windows (stride = kernel, no dilation), the common case: the windows are
 * a reshape of the padded input, so no gather or scatter is needed. `tiles` returns
 * [N, C, outH, outW, kH·kW] in row-major window order and `untile` is its transpose
 * (cropped back to x), for x padded with `fill` to outH·kH × outW·kW.
 */
type Tiling = {
  tiles(x: tf.Tensor4D, fill: number): tf.Tensor;
  untile(t: tf.Tensor): tf.Tensor4D;
};

function tiling(shape: readonly number[], kernel: readonly number[], strides: readonly number[], dilations: readonly number[], win: PoolWindows, pads: readonly number[]): Tiling | null {
  const [kH, kW] = kernel;
  if (strides[0] !== kH || strides[1] !== kW || dilations[0] !== 1 || dilations[1] !== 1) return null;
  const [N, C, H, W] = shape;
  const [pt, pl] = pads;
  const { outH, outW } = win;
  // The padded frame is outH·kH × outW·kW: trailing padding (or a floor-mode remainder) adjusts.
  const [pb, pr] = [outH * kH - H - pt, outW * kW - W - pl];
  return {
    // Pads and crops only where needed: each is a full copy (~as slow as the transpose).
    tiles: (x, fill) => {
      const grow = pt > 0 || pl > 0 || pb > 0 || pr > 0;
      const framed = grow ? tf.pad(x, [[0, 0], [0, 0], [pt, Math.max(0, pb)], [pl, Math.max(0, pr)]], fill) : x;
      const exact = framed.shape[2] === outH * kH && framed.shape[3] === outW * kW;
      const cut = exact ? framed : tf.slice(framed, [0, 0, 0, 0], [N, C, outH * kH, outW * kW]);
      const t = tf.transpose(tf.reshape(cut, [N, C, outH, kH, outW, kW]), [0, 1, 2, 4, 3, 5]);
      return tf.reshape(t, [N, C, outH, outW, kH * kW]);
    },
    untile: (t) => {
      const back = tf.transpose(tf.reshape(t, [N, C, outH, outW, kH, kW]), [0, 1, 2, 4, 3, 5]);
      const frame = tf.reshape(back, [N, C, outH * kH, outW * kW]) as tf.Tensor4D;
      const grown = pb < 0 || pr < 0 ? tf.pad(frame, [[0, 0], [0, 0], [0, Math.max(0, -pb)], [0, Math.max(0, -pr)]]) : frame;
      const exact = pt === 0 && pl === 0 && grown.shape[2] === H && grown.shape[3] === W;
      return exact ? grown : (tf.slice(grown, [0, 0, pt, pl], [N, C, H, W]) as tf.Tensor4D);
    },
  };
}

function maxTiling(x: tf.Tensor4D, p: MaxPoolParams): Tiling | null {
  return tiling(x.shape, p.kernel, p.strides, p.dilations, maxWin(x, p), p.pads);
}

/** One-hot [N, C, outH, outW, taps] of each window's first maximum (padding is −∞). */
function firstMaxMask(tiles: tf.Tensor): tf.Tensor {
  const taps = tiles.shape[tiles.rank - 1];
  // int32 then cast: the wasm OneHot kernel writes int32 whatever dtype is asked.
  return tf.cast(tf.oneHot(tf.argMax(tiles, -1), taps), 'float32');
}

function maxWin(x: tf.Tensor4D, p: MaxPoolParams): PoolWindows {
  return poolWindows(x.shape[2], x.shape[3], p.kernel, p.strides, p.pads, p.dilations, p.ceilMode);
}

/** [P, outH·outW] slot (h·W + w) of each window's first maximum. */
function argmaxSlots(x: tf.Tensor4D, win: PoolWindows): tf.Tensor2D {
  const P = x.shape[0] * x.shape[1];
  const outs = win.outH * win.outW;
  const tap = tf.argMax(windows(slotted(x, -Infinity), win), 2); // [P, outs], first maximum
  const flatTap = tf.add(tap, tf.reshape(tf.mul(tf.range(0, outs, 1, 'int32'), tf.scalar(win.taps, 'int32')), [1, outs]));
  return tf.reshape(tf.gather(tapIndex(win, x.shape[2] * x.shape[3]), tf.reshape(flatTap, [-1])), [P, outs]) as tf.Tensor2D;
}

export function maxPool2d(x: tf.Tensor4D, p: MaxPoolParams): tf.Tensor4D {
  const tl = maxTiling(x, p);
  if (tl) return tf.max(tl.tiles(x, -Infinity), -1) as tf.Tensor4D;
  const win = maxWin(x, p);
  return tf.reshape(tf.max(windows(slotted(x, -Infinity), win), 2), [x.shape[0], x.shape[1], win.outH, win.outW]);
}

export function maxPool2dPick(x: tf.Tensor4D, t: tf.Tensor4D, p: MaxPoolParams): tf.Tensor4D {
  const tl = maxTiling(x, p);
  if (tl) return tf.sum(tf.mul(tl.tiles(t, 0), firstMaxMask(tl.tiles(x, -Infinity))), -1) as tf.Tensor4D;
  const win = maxWin(x, p);
  const ts = slotted(t, 0);
  const picked = tf.gather(tf.reshape(ts, [-1]), globalIndex(argmaxSlots(x, win), ts.shape[1]));
  return tf.reshape(picked, [x.shape[0], x.shape[1], win.outH, win.outW]);
}

export function maxPool2dScatter(x: tf.Tensor4D, c: tf.Tensor4D, p: MaxPoolParams): tf.Tensor4D {
  const tl = maxTiling(x, p);
  if (tl) return tl.untile(tf.mul(tf.expandDims(c, -1), firstMaxMask(tl.tiles(x, -Infinity))));
  const win = maxWin(x, p);
  const [N, C, H, W] = x.shape;
  const values = tf.reshape(c, [N * C, win.outH * win.outW]) as tf.Tensor2D;
  return unslot(scatterPlanes(values, argmaxSlots(x, win), H * W + 1), x.shape);
}

function avgWin(H: number, W: number, p: AvgPoolParams): PoolWindows {
  return poolWindows(H, W, p.kernel, p.strides, p.pads, [1, 1], p.ceilMode);
}

function inverseDivisors(H: number, W: number, p: AvgPoolParams): tf.Tensor1D {
  return tf.tensor1d(Float32Array.from(avgPoolDivisors(H, W, p), (d) => 1 / d));
}

export function avgPool2d(x: tf.Tensor4D, p: AvgPoolParams): tf.Tensor4D {
  const [N, C, H, W] = x.shape;
  const win = avgWin(H, W, p);
  const tl = tiling(x.shape, p.kernel, p.strides, [1, 1], win, p.pads);
  if (tl) return tf.mul(tf.sum(tl.tiles(x, 0), -1), tf.reshape(inverseDivisors(H, W, p), [win.outH, win.outW])) as tf.Tensor4D;
  const sums = tf.sum(windows(slotted(x, 0), win), 2);
  return tf.reshape(tf.mul(sums, inverseDivisors(H, W, p)), [N, C, win.outH, win.outW]);
}

export function avgPool2dGrad(ct: tf.Tensor4D, [H, W]: readonly number[], p: AvgPoolParams): tf.Tensor4D {
  const [N, C] = ct.shape;
  const win = avgWin(H, W, p);
  const tl = tiling([N, C, H, W], p.kernel, p.strides, [1, 1], win, p.pads);
  if (tl) {
    const share = tf.mul(ct, tf.reshape(inverseDivisors(H, W, p), [win.outH, win.outW]));
    return tl.untile(tf.mul(tf.expandDims(share, -1), tf.ones([win.taps])));
  }
  const outs = win.outH * win.outW;
  const share = tf.mul(tf.reshape(ct, [N * C, outs]), inverseDivisors(H, W, p));
  const values = tf.reshape(tf.mul(tf.expandDims(share, 2), tf.ones([1, 1, win.taps])), [N * C, outs * win.taps]) as tf.Tensor2D;
  const index = tf.broadcastTo(tf.reshape(tapIndex(win, H * W), [1, -1]), [N * C, outs * win.taps]) as tf.Tensor2D;
  return unslot(scatterPlanes(values, index, H * W + 1), [N, C, H, W]);
}
