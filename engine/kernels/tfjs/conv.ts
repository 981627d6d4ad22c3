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
 * A `valid` NHWC convolution with any strides and dilations: TF.js refuses both above 1
 * at once, so the kernel is then dilated explicitly.
 */
function convValid(x: tf.Tensor4D, k: tf.Tensor4D, strides: Pair, dilations: Pair, depthwise = false): tf.Tensor4D {
  const [kk, d] = isOne(strides) || isOne(dilations) ? [k, dilations] : [dilateTaps(k, dilations), [1, 1] as Pair];
  return depthwise ? tf.depthwiseConv2d(x, kk, strides, 'valid', 'NHWC', d) : tf.conv2d(x, kk, strides, 'valid', 'NHWC', d);
}

function padSpatialNHWC(x: tf.Tensor4D, [t, l, b, r]: readonly number[]): tf.Tensor4D {
  return t + l + b + r === 0 ? x : tf.pad(x, [[0, 0], [t, b], [l, r], [0, 0]]);
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
  const xp = padSpatialNHWC(toNHWC(x), p.pads);
  const [Co, Cg, kH, kW] = w.shape;
  const G = p.groups;
  if (G > 1 && Cg === 1) {
    // Depthwise: group c's Co/G outputs are channels c·m … c·m+m−1, TF.js's order too.
    const m = Co / G;
    const k = tf.transpose(tf.reshape(w, [G, m, kH, kW]), [2, 3, 0, 1]) as tf.Tensor4D;
    return toNCHW(convValid(xp, k, p.strides, p.dilations, true));
  }
  const Cog = Co / G;
  const y = perGroup(
    G,
    (g) => convValid(channels(xp, 3, g * Cg, Cg), toHWIO(channels(w, 0, g * Cog, Cog)), p.strides, p.dilations),
    3,
  );
  return toNCHW(y);
}

/**
 * The transposed convolution onto x's padded frame, then cropped to x: TF.js's
 * conv2dTranspose with `valid` padding covers the first (Ho−1)·s + span rows of the
 * padded input; rows past that (a stride remainder) received no tap and stay zero.
 */
export function conv2dBackpropInput(ct: tf.Tensor4D, w: tf.Tensor4D, [H, W]: readonly number[], p: ConvParams): tf.Tensor4D {
  const [N, , Ho, Wo] = ct.shape;
  const [Co, Cg, kH, kW] = w.shape;
  const G = p.groups;
  const Cog = Co / G;
  const [pt, pl] = p.pads;
  const span = (k: number, d: number) => d * (k - 1) + 1;
  const Hf = (Ho - 1) * p.strides[0] + span(kH, p.dilations[0]);
  const Wf = (Wo - 1) * p.strides[1] + span(kW, p.dilations[1]);
  const ctN = toNHWC(ct);
  const full = perGroup(
    G,
    (g) => {
      const k = dilateTaps(toHWIO(channels(w, 0, g * Cog, Cog)), p.dilations);
      return tf.conv2dTranspose(channels(ctN, 3, g * Cog, Cog), k, [N, Hf, Wf, Cg], p.strides, 'valid');
    },
    3,
  );
  const grown = tf.pad(full, [[0, 0], [0, Math.max(0, pt + H - Hf)], [0, Math.max(0, pl + W - Wf)], [0, 0]]);
  return toNCHW(tf.slice(grown, [0, pt, pl, 0], [N, H, W, Cg * G]));
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
  const xT = padSpatialNHWC(tf.transpose(x, [1, 2, 3, 0]), p.pads); // [C, Hp, Wp, N]
  const ctK = tf.transpose(ct, [2, 3, 0, 1]) as tf.Tensor4D; // [Ho, Wo, N, Co]
  const parts = [...Array(G).keys()].map((g) => {
    const y = convValid(channels(xT, 0, g * Cg, Cg), channels(ctK, 3, g * Cog, Cog), p.dilations, p.strides);
    return tf.transpose(tf.slice(y, [0, 0, 0, 0], [Cg, kH, kW, Cog]), [3, 0, 1, 2]) as tf.Tensor4D;
  });
  return parts.length === 1 ? parts[0] : (tf.concat(parts, 0) as tf.Tensor4D);
}
