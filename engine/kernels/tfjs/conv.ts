import * as tf from '@tensorflow/tfjs-core';
import type { ConvParams, Pair } from '../../core/window.js';

/**
 * Grouped NCHW convolution and its two transposes on TF.js, whose convolutions are NHWC
 * only (the wasm backend refuses NCHW) and take no groups. Everything is brought to one
 * NHWC `valid` convolution: explicit padding first, groups as a depthwise kernel or a
 * loop, and the weight gradient as a convolution with the roles of batch and channels
 * swapped (so no backend needs a Conv2DBackpropFilter kernel; wasm has none).
 */

const toNHWC = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 2, 3, 1]);
const toNCHW = (x: tf.Tensor4D): tf.Tensor4D => tf.transpose(x, [0, 3, 1, 2]);

/** OIHW (ONNX) → HWIO (TF.js). */
const toHWIO = (w: tf.Tensor4D): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]);

/** Inserts rate−1 zeros between the taps of axes 0 and 1 of a rank-4 kernel. */
function dilateTaps(k: tf.Tensor4D, [dh, dw]: Pair): tf.Tensor4D {
  let out = k;
  if (dh > 1) {
    const [a, b, c, d] = out.shape;
    const spread = tf.pad(tf.reshape(out, [a, 1, b, c, d]), [[0, 0], [0, dh - 1], [0, 0], [0, 0], [0, 0]]);
    out = tf.slice(tf.reshape(spread, [a * dh, b, c, d]) as tf.Tensor4D, [0, 0, 0, 0], [(a - 1) * dh + 1, b, c, d]);
  }
  if (dw > 1) {
    const [a, b, c, d] = out.shape;
    const spread = tf.pad(tf.reshape(out, [a, b, 1, c, d]), [[0, 0], [0, 0], [0, dw - 1], [0, 0], [0, 0]]);
    out = tf.slice(tf.reshape(spread, [a, b * dw, c, d]) as tf.Tensor4D, [0, 0, 0, 0], [a, (b - 1) * dw + 1, c, d]);
  }
  return out;
}

const isOne = (p: Pair) => p[0] === 1 && p[1] === 1;

/**
 * An NHWC convolution with any strides and dilations and explicit zero padding
 * [top, left, bottom, right] (done by the kernel, not by a padded copy): TF.js refuses
 * strides and dilations both above 1, so the kernel is then dilated explicitly.
 */
function convValid(x: tf.Tensor4D, k: tf.Tensor4D, strides: Pair, dilations: Pair, depthwise = false, pads: readonly number[] = [0, 0, 0, 0]): tf.Tensor4D {
  const [kk, d] = isOne(strides) || isOne(dilations) ? [k, dilations] : [dilateTaps(k, dilations), [1, 1] as Pair];
  const [t, l, b, r] = pads;
  const pad: 'valid' | [[number, number], [number, number], [number, number], [number, number]] =
    t + l + b + r === 0 ? 'valid' : [[0, 0], [t, b], [l, r], [0, 0]];
  return depthwise ? tf.depthwiseConv2d(x, kk, strides, pad, 'NHWC', d) : tf.conv2d(x, kk, strides, pad, 'NHWC', d);
}

/** Channel slice [from, from+count) of axis `axis`. */
function channels(x: tf.Tensor4D, axis: number, from: number, count: number): tf.Tensor4D {
  if (from === 0 && count === x.shape[axis]) return x;
  const begin = [0, 0, 0, 0];
  const size = [...x.shape];
  begin[axis] = from;
  size[axis] = count;
  return tf.slice(x, begin, size);
}

function perGroup(groups: number, f: (g: number) => tf.Tensor4D, axis: number): tf.Tensor4D {
  if (groups === 1) return f(0);
  return tf.concat([...Array(groups).keys()].map(f), axis) as tf.Tensor4D;
}

export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, p: ConvParams): tf.Tensor4D {
  const xn = toNHWC(x);
  const [Co, Cg, kH, kW] = w.shape;
  const G = p.groups;
  if (G > 1 && Cg === 1) {
    // Depthwise: group c's Co/G outputs are channels c·m … c·m+m−1, TF.js's order too.
    const m = Co / G;
    const k = tf.transpose(tf.reshape(w, [G, m, kH, kW]), [2, 3, 0, 1]) as tf.Tensor4D;
    return toNCHW(convValid(xn, k, p.strides, p.dilations, true, p.pads));
  }
  const Cog = Co / G;
  const y = perGroup(
    G,
    (g) => convValid(channels(xn, 3, g * Cg, Cg), toHWIO(channels(w, 0, g * Cog, Cog)), p.strides, p.dilations, false, p.pads),
    3,
  );
  return toNCHW(y);
}

/** Inserts rate−1 zeros between the rows (axis 1) and columns (axis 2) of an NHWC tensor. */
function dilateSpatial(x: tf.Tensor4D, [sh, sw]: Pair): tf.Tensor4D {
  if (sh === 1 && sw === 1) return x;
  const [n, h, w, c] = x.shape;
  const spread = tf.pad(tf.reshape(x, [n, h, 1, w, 1, c]), [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.slice(tf.reshape(spread, [n, h * sh, w * sw, c]) as tf.Tensor4D, [0, 0, 0, 0], [n, (h - 1) * sh + 1, (w - 1) * sw + 1, c]);
}

/** Pads (positive) or crops (negative) the two spatial axes of an NHWC tensor. */
function padOrCrop(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  const grown = tf.pad(x, [[0, 0], [Math.max(0, top), Math.max(0, bottom)], [Math.max(0, left), Math.max(0, right)], [0, 0]]);
  const [n, h, w, c] = grown.shape;
  const [ct, cb, cl, cr] = [top, bottom, left, right].map((v) => Math.max(0, -v));
  return ct + cb + cl + cr === 0 ? grown : tf.slice(grown, [0, ct, cl, 0], [n, h - ct - cb, w - cl - cr, c]);
}

/**
 * x̄ = Aᵀ_w ct as a forward convolution (XNNPACK on wasm, whose Conv2DBackpropInput is a
 * plain loop ~8× slower): the cotangent with stride−1 zeros between its entries, padded by
 * span−1−top before (cropped where negative) and to x's size after, convolved with the
 * kernel flipped in space and with in/out channels swapped, at the forward dilation.
 */
export function conv2dBackpropInput(ct: tf.Tensor4D, w: tf.Tensor4D, [H, W]: readonly number[], p: ConvParams): tf.Tensor4D {
  const [, , Ho, Wo] = ct.shape;
  const [Co, Cg, kH, kW] = w.shape;
  const G = p.groups;
  const Cog = Co / G;
  const [pt, pl] = p.pads;
  const [sh, sw] = p.strides;
  const spanH = p.dilations[0] * (kH - 1) + 1;
  const spanW = p.dilations[1] * (kW - 1) + 1;
  // Input length (Ho−1)·s + 1 after dilation; the convolution's output must be H long.
  const [top, left] = [spanH - 1 - pt, spanW - 1 - pl];
  const bottom = H + spanH - 1 - top - ((Ho - 1) * sh + 1);
  const right = W + spanW - 1 - left - ((Wo - 1) * sw + 1);
  // Positive margins are the convolution's own padding; negative ones crop first.
  const framed = padOrCrop(dilateSpatial(toNHWC(ct), p.strides), Math.min(0, top), Math.min(0, bottom), Math.min(0, left), Math.min(0, right));
  const margins = [top, left, bottom, right].map((v) => Math.max(0, v));
  // Flipped, [kH, kW, Cout, C/groups]: input channels are ct's, outputs x's.
  const flipped = tf.transpose(tf.reverse(w, [2, 3]), [2, 3, 0, 1]) as tf.Tensor4D;
  if (G > 1 && Cg === 1 && Cog === 1) {
    return toNCHW(convValid(framed, tf.reshape(flipped, [kH, kW, Co, 1]) as tf.Tensor4D, [1, 1], p.dilations, true, margins));
  }
  const y = perGroup(G, (g) => convValid(channels(framed, 3, g * Cog, Cog), channels(flipped, 2, g * Cog, Cog), [1, 1], p.dilations, false, margins), 3);
  return toNCHW(y);
}

/**
 * w̄[co,ci,i,j] = Σ_{n,oh,ow} ct[n,co,oh,ow]·x_pad[n,ci,oh·s+i·d, ow·s+j·d]: a convolution
 * of x_pad seen as [ci, h, w, n] (batch ci, channels n) with ct seen as the kernel
 * [oh, ow, n, co], whose dilation is the forward stride and whose stride the forward
 * dilation; its first kH×kW outputs are the gradient.
 */
export function conv2dBackpropFilter(x: tf.Tensor4D, ct: tf.Tensor4D, [kH, kW]: readonly number[], p: ConvParams): tf.Tensor4D {
  const G = p.groups;
  const Cg = x.shape[1] / G;
  const Cog = ct.shape[1] / G;
  const xT = tf.transpose(x, [1, 2, 3, 0]) as tf.Tensor4D; // [C, H, W, N], padded by the convolution
  const ctK = tf.transpose(ct, [2, 3, 0, 1]) as tf.Tensor4D; // [Ho, Wo, N, Co]
  const parts = [...Array(G).keys()].map((g) => {
    const y = convValid(channels(xT, 0, g * Cg, Cg), channels(ctK, 3, g * Cog, Cog), p.dilations, p.strides, false, p.pads);
    return tf.transpose(tf.slice(y, [0, 0, 0, 0], [Cg, kH, kW, Cog]), [3, 0, 1, 2]) as tf.Tensor4D;
  });
  return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor4D);
}
